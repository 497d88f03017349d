// kairos-gateway --register NAME=URL [--register NAME=URL ...]: keeps instances registered in etcd
// until stopped (docs/DISCOVERY.md), with the etcd of --config's cluster.etcd or --etcd.
#pragma once

#include "commandline.h"

namespace kairos {

int runRegistrations(const CommandLine &options);

}  // namespace kairos
