#include "fleetlayout.h"

#include <QJsonArray>
#include <QUrl>

namespace kairos::fleet {

namespace {

// The console's capture limit belongs to the machine whose console runs, like its listen address.
const QLatin1String kLocalKeys[] = {QLatin1String("version"), QLatin1String("server"), QLatin1String("cluster"),
                                    QLatin1String("console")};
const QLatin1String kRoutesKey("routers");
const QLatin1String kAdminKey("admin");
const QLatin1String kAdminListenKey("listen");

}  // namespace

QByteArray routesPrefix(const QString &prefix)
{
    return prefix.toUtf8() + "/routes/";
}

QByteArray settingsKey(const QString &prefix)
{
    return prefix.toUtf8() + "/settings";
}

QByteArray instancesPrefix(const QString &prefix)
{
    return prefix.toUtf8() + "/instances/";
}

QByteArray servicesPrefix(const QString &prefix)
{
    return prefix.toUtf8() + "/services/";
}

QByteArray removedKey(const QString &prefix)
{
    return prefix.toUtf8() + "/removed";
}

QByteArray routeKey(const QString &prefix, const QString &externalPath)
{
    return routesPrefix(prefix) + QUrl::toPercentEncoding(externalPath);
}

QJsonObject sharedSettings(const QJsonObject &config)
{
    QJsonObject shared = config;
    for (const QLatin1String key : kLocalKeys)
        shared.remove(key);
    shared.remove(kRoutesKey);
    QJsonObject admin = shared.value(kAdminKey).toObject();
    admin.remove(kAdminListenKey);
    if (admin.isEmpty())
        shared.remove(kAdminKey);
    else
        shared.insert(kAdminKey, admin);
    return shared;
}

QJsonObject localSections(const QJsonObject &config)
{
    QJsonObject local;
    for (const QLatin1String key : kLocalKeys) {
        if (config.contains(key))
            local.insert(key, config.value(key));
    }
    const QJsonValue listen = config.value(kAdminKey).toObject().value(kAdminListenKey);
    if (!listen.isUndefined())
        local.insert(kAdminKey, QJsonObject{{kAdminListenKey, listen}});
    return local;
}

QJsonObject composeConfig(const QJsonObject &local, const QJsonObject &settings, const QList<QJsonObject> &routes)
{
    QJsonObject config = sharedSettings(settings);
    const QJsonObject machine = localSections(local);
    for (auto it = machine.begin(); it != machine.end(); ++it) {
        if (it.key() == kAdminKey) {
            QJsonObject admin = config.value(kAdminKey).toObject();
            admin.insert(kAdminListenKey, it.value().toObject().value(kAdminListenKey));
            config.insert(kAdminKey, admin);
        } else {
            config.insert(it.key(), it.value());
        }
    }
    QJsonArray routers;
    for (const QJsonObject &route : routes)
        routers.append(route);
    config.insert(kRoutesKey, routers);
    return config;
}

}  // namespace kairos::fleet
