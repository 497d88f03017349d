#include "benchconfig.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstdlib>

namespace kairos::bench {

QByteArray routesConfigJson(int routeCount, int backendsPerRoute, int routesPerBackendList, const QString &strategy)
{
    QJsonArray routes;
    for (int i = 0; i < routeCount; ++i) {
        QJsonArray backends;
        for (int b = 0; b < backendsPerRoute; ++b)
            backends.append(QJsonObject{{"host", QStringLiteral("http://svc%1-%2.internal")
                                                     .arg(routesPerBackendList > 0 ? i / routesPerBackendList : 0)
                                                     .arg(b)},
                                        {"port", 8080}});
        const bool dynamic = i % 2;
        QJsonObject route{
            {"external_path", dynamic ? QStringLiteral("/svc%1/items/{id}/orders/{order}").arg(i / 2)
                                      : QStringLiteral("/svc%1/items").arg(i / 2)},
            {"internal_path", dynamic ? QStringLiteral("/orders/{order}?user={id}") : QStringLiteral("/items")},
            {"methods", QJsonArray{"GET"}},
            {"backends", backends}};
        if (!strategy.isEmpty())
            route.insert("load_balancing_strategy", strategy);
        routes.append(route);
    }
    return QJsonDocument(QJsonObject{{"version", 1}, {"routers", routes}}).toJson(QJsonDocument::Compact);
}

ConfigSnapshot routesConfig(int routeCount, int backendsPerRoute)
{
    const ConfigLoadResult result = loadConfig(routesConfigJson(routeCount, backendsPerRoute));
    if (!result.ok())
        std::abort();
    return result.config;
}

}  // namespace kairos::bench
