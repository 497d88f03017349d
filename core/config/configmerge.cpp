#include "configmerge.h"

#include "configwriter.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace kairos {

namespace {

const QLatin1String kRoutes("routers");

// Routes by external path, in their order.
struct RouteList {
    QStringList order;
    QHash<QString, QJsonObject> byPath;

    explicit RouteList(const QJsonArray &routes)
    {
        for (const QJsonValue &value : routes) {
            const QJsonObject route = value.toObject();
            const QString path = route.value(QLatin1String("external_path")).toString();
            order.append(path);
            byPath.insert(path, route);
        }
    }
    std::optional<QJsonObject> find(const QString &path) const
    {
        const auto it = byPath.constFind(path);
        return it == byPath.constEnd() ? std::nullopt : std::optional<QJsonObject>(*it);
    }
};

// One item of the three: what mine changed wins where theirs did not change it; absent = nullopt.
template <typename T>
bool mergeOne(const std::optional<T> &base, const std::optional<T> &mine, const std::optional<T> &theirs,
              std::optional<T> *result)
{
    if (mine == base) {
        *result = theirs;
        return true;
    }
    if (theirs == base || theirs == mine) {
        *result = mine;
        return true;
    }
    return false;
}

}  // namespace

ConfigMerge mergeConfigs(const Config &base, const Config &mine, const Config &theirs)
{
    const QJsonObject baseJson = configToJson(base);
    const QJsonObject mineJson = configToJson(mine);
    const QJsonObject theirsJson = configToJson(theirs);
    ConfigMerge merge;
    QJsonObject merged;

    QStringList sections = theirsJson.keys();
    for (const QString &key : mineJson.keys() + baseJson.keys()) {
        if (!sections.contains(key))
            sections.append(key);
    }
    const auto section = [](const QJsonObject &object, const QString &key) {
        return object.contains(key) ? std::optional<QJsonValue>(object.value(key)) : std::nullopt;
    };
    for (const QString &key : sections) {
        if (key == kRoutes)
            continue;
        std::optional<QJsonValue> value;
        if (!mergeOne(section(baseJson, key), section(mineJson, key), section(theirsJson, key), &value))
            merge.conflicts.append(QStringLiteral("section %1").arg(key));
        else if (value)
            merged.insert(key, *value);
    }

    const RouteList baseRoutes(baseJson.value(kRoutes).toArray());
    const RouteList mineRoutes(mineJson.value(kRoutes).toArray());
    const RouteList theirsRoutes(theirsJson.value(kRoutes).toArray());
    // Theirs' order, then the routes only mine added, in mine's order.
    QStringList paths = theirsRoutes.order;
    for (const QString &path : mineRoutes.order + baseRoutes.order) {
        if (!paths.contains(path))
            paths.append(path);
    }
    QJsonArray routes;
    for (const QString &path : paths) {
        std::optional<QJsonObject> route;
        if (!mergeOne(baseRoutes.find(path), mineRoutes.find(path), theirsRoutes.find(path), &route))
            merge.conflicts.append(QStringLiteral("route %1").arg(path));
        else if (route)
            routes.append(*route);
    }
    merged.insert(kRoutes, routes);

    if (merge.conflicts.isEmpty())
        merge.merged = loadConfig(QJsonDocument(merged).toJson(QJsonDocument::Compact));
    return merge;
}

}  // namespace kairos
