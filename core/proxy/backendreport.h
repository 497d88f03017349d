// Every backend of a running config, with the routes that use it and its live state: what
// GET /api/backends answers and the console's backends view shows.
#pragma once

#include "proxy/gatewaysnapshot.h"

#include <QJsonArray>

namespace kairos {

QJsonArray describeBackends(const GatewaySnapshot &snapshot);

}  // namespace kairos
