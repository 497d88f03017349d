// The routes view's "Inject faults" switch. Off writes the route's "fault": null; what the route
// had is kept in the console's settings (keyed by the route's path) so that on brings it back.
// On with nothing kept: the top level's faults when the route inherited them, else defaultFaults().
#pragma once

#include "config/configstore.h"

class QSettings;

namespace kairos {

// Aborts 10 % of requests with 503 and delays 10 % by one second.
FaultSettings defaultFaults();
bool faultsInjected(const Config &config, const Route &route);
// Through ConfigStore like any edit; refused (nothing changed) when the route is gone or answers
// itself, which takes no faults.
ConfigStore::Change setFaultsInjected(ConfigStore &store, const QString &externalPath, bool on, QSettings &kept);

}  // namespace kairos
