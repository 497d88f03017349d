// Read + validate in one step: the only way to obtain a ConfigSnapshot from bytes or a file.
#pragma once

#include "config.h"

#include <QByteArray>

namespace kairos {

struct ConfigLoadResult {
    ConfigSnapshot config;  // null when there are errors
    QList<ConfigProblem> errors;
    QList<ConfigProblem> warnings;

    bool ok() const { return config != nullptr; }
    QString errorSummary() const;  // one problem a line
};

ConfigLoadResult loadConfig(const QByteArray &json);
ConfigLoadResult loadConfigFile(const QString &filePath);
// Validate a model built in code (API, GUI) and freeze it.
ConfigLoadResult freezeConfig(Config config);

}  // namespace kairos
