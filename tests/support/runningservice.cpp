#include "runningservice.h"

#include <QFile>
#include <QJsonDocument>

namespace kairos::test {

RunningService::RunningService(const QJsonObject &config, bool watch)
{
    path = dir.filePath("config.json");
    write(config);
    ServiceOptions options;
    options.configPath = path;
    options.listenPort = 0;
    options.watchConfigFile = watch;
    options.accessLog = QStringLiteral("none");
    QString error;
    if (!service.start(options, &error))
        qFatal("service did not start: %s", qPrintable(error));
    port = service.gateway()->serverPort();
}

void RunningService::write(const QJsonObject &config) const
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        qFatal("cannot write %s", qPrintable(path));
    file.write(QJsonDocument(config).toJson());
}

QJsonObject RunningService::fileContents() const
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(file.readAll()).object();
}

}  // namespace kairos::test
