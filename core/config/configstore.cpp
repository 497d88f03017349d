#include "configstore.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcConfig, "kairos.config")

namespace kairos {

ConfigStore::ConfigStore(QObject *parent) : QObject(parent) {}

ConfigSnapshot ConfigStore::current() const
{
    QMutexLocker lock(&m_mutex);
    return m_current;
}

QString ConfigStore::filePath() const
{
    QMutexLocker lock(&m_mutex);
    return m_filePath;
}

void ConfigStore::setFilePath(const QString &path)
{
    QMutexLocker lock(&m_mutex);
    m_filePath = path;
}

ConfigLoadResult ConfigStore::reloadFromFile()
{
    return commit(loadConfigFile(filePath()));
}

ConfigLoadResult ConfigStore::applyJson(const QByteArray &json)
{
    return commit(loadConfig(json));
}

ConfigLoadResult ConfigStore::apply(Config candidate)
{
    return commit(freezeConfig(std::move(candidate)));
}

ConfigLoadResult ConfigStore::commit(ConfigLoadResult result)
{
    for (const ConfigProblem &warning : result.warnings)
        qCWarning(lcConfig).noquote() << "config warning:" << warning.toString();
    if (!result.ok()) {
        for (const ConfigProblem &error : result.errors)
            qCWarning(lcConfig).noquote() << "config rejected:" << error.toString();
        emit applyFailed(result.errors);
        return result;
    }
    {
        QMutexLocker lock(&m_mutex);
        m_current = result.config;
    }
    qCInfo(lcConfig).noquote() << "config applied:" << result.config->routes.size() << "route(s)";
    emit configChanged(result.config);
    return result;
}

}  // namespace kairos
