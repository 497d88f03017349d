#include "configloader.h"

#include "configreader.h"
#include "configvalidator.h"

#include <QFile>

namespace kairos {

QString ConfigLoadResult::errorSummary() const
{
    QStringList lines;
    for (const ConfigProblem &problem : errors)
        lines.append(problem.toString());
    return lines.join(QLatin1Char('\n'));
}

ConfigLoadResult freezeConfig(Config config)
{
    ConfigLoadResult result;
    result.errors = validateConfig(config);
    if (result.errors.isEmpty())
        result.config = std::make_shared<const Config>(std::move(config));
    return result;
}

ConfigLoadResult loadConfig(const QByteArray &json)
{
    ConfigReadResult read = readConfig(json);
    if (!read.config || !read.errors.isEmpty()) {
        ConfigLoadResult result;
        result.errors = read.errors;
        result.warnings = read.warnings;
        // Report value problems too, so that one run of --check shows everything.
        if (read.config)
            result.errors += validateConfig(*read.config);
        return result;
    }
    ConfigLoadResult result = freezeConfig(std::move(*read.config));
    result.warnings = read.warnings;
    return result;
}

ConfigLoadResult loadConfigFile(const QString &filePath)
{
    QFile file(filePath);
    if (!file.open(QIODevice::ReadOnly)) {
        ConfigLoadResult result;
        result.errors.append({QString(), QStringLiteral("cannot read %1: %2").arg(filePath, file.errorString())});
        return result;
    }
    return loadConfig(file.readAll());
}

}  // namespace kairos
