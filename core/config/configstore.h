// The one way to change the running configuration: validate, then swap. The REST API, the file
// watcher and the GUI all call apply(); a config that fails validation changes nothing.
#pragma once

#include "configloader.h"

#include <QMutex>
#include <QObject>

namespace kairos {

class ConfigStore : public QObject
{
    Q_OBJECT

public:
    explicit ConfigStore(QObject *parent = nullptr);

    ConfigSnapshot current() const;
    QString filePath() const;
    void setFilePath(const QString &path);

    // Reads the file at filePath() and applies it.
    ConfigLoadResult reloadFromFile();
    ConfigLoadResult applyJson(const QByteArray &json);
    ConfigLoadResult apply(Config candidate);

signals:
    void configChanged(kairos::ConfigSnapshot config);
    void applyFailed(const QList<kairos::ConfigProblem> &errors);

private:
    ConfigLoadResult commit(ConfigLoadResult result);

    mutable QMutex m_mutex;
    ConfigSnapshot m_current;
    QString m_filePath;
};

}  // namespace kairos
