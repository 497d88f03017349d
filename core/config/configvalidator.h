// Rules about values: every problem at once, each with its JSON path, e.g.
// "routers[2].retry.max_attempts: must be between 1 and 10 (got 0)".
#pragma once

#include "config.h"

namespace kairos {

QList<ConfigProblem> validateConfig(const Config &config);

bool isHttpMethodToken(const QString &method);

// Paths that belong to the gateway itself; user routes may not sit on or under them.
const QStringList &reservedPathPrefixes();

}  // namespace kairos
