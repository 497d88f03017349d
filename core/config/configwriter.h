// Writes the model back to the JSON schema. Routes are written in full (every field, the modern
// "backends" form); the server, jwt and admin sections only with the keys that differ from their
// defaults, so a saved file stays as small as the one the user wrote. Unknown keys are written back.
#pragma once

#include "config.h"

#include <QByteArray>
#include <QJsonObject>

namespace kairos {

QJsonObject routeToJson(const Route &route);
QJsonObject configToJson(const Config &config);
QByteArray configToBytes(const Config &config);  // indented, ends with a newline

}  // namespace kairos
