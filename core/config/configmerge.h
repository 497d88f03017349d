// Three-way merge of configs, for an edit made on a config that has changed since (the console's
// Config view: the text was loaded at one revision, the API or the fleet moved the running config
// on). Routes are compared one by one by external path; the settings outside the routes one
// top-level section at a time ("server", "jwt", ...). Whatever only one side changed is taken
// from that side; what both changed to different values is a conflict, and then nothing merges.
#pragma once

#include "configloader.h"

#include <QStringList>

namespace kairos {

struct ConfigMerge {
    ConfigLoadResult merged;  // validated; not ok() when there are conflicts or the result is invalid
    QStringList conflicts;    // "route /api/users", "section server": changed on both sides
};

ConfigMerge mergeConfigs(const Config &base, const Config &mine, const Config &theirs);

}  // namespace kairos
