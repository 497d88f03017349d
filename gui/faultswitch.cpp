#include "faultswitch.h"

#include "config/configvalidator.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QSettings>
#include <QUrl>

namespace kairos {

namespace {

constexpr int kNotFound = 404;
constexpr int kNoFaults = 409;
const QLatin1String kInherited("inherit");  // kept for a route whose faults were the top level's

QString keptKey(const QString &externalPath)
{
    // Percent-encoded: a route path's slashes would otherwise be QSettings groups.
    return QStringLiteral("routeFaults/") + QString::fromLatin1(QUrl::toPercentEncoding(externalPath));
}

std::optional<FaultSettings> restored(const QString &kept)
{
    if (kept == kInherited)
        return std::nullopt;
    const QJsonObject json = QJsonDocument::fromJson(kept.toUtf8()).object();
    if (json.isEmpty())
        return defaultFaults();
    QList<ConfigProblem> errors;
    QList<ConfigProblem> warnings;
    const FaultSettings fault = readFault(json, QStringLiteral("fault"), errors, warnings);
    return errors.isEmpty() ? fault : defaultFaults();
}

}  // namespace

FaultSettings defaultFaults()
{
    FaultSettings fault;
    FaultSettings::Delay delay;
    delay.percent = 10;
    delay.ms = 1000;
    FaultSettings::Abort abort;
    abort.percent = 10;
    abort.status = 503;
    fault.delay = delay;
    fault.abort = abort;
    return fault;
}

bool faultsInjected(const Config &config, const Route &route)
{
    return config.faultFor(route) != nullptr;
}

ConfigStore::Change setFaultsInjected(ConfigStore &store, const QString &externalPath, bool on, QSettings &kept)
{
    const QString key = keptKey(externalPath);
    QString toKeep;
    const ConfigStore::Change change = store.modify(
        [&](Config &config) -> std::optional<ConfigStore::Refusal> {
            auto route = std::find_if(config.routes.begin(), config.routes.end(),
                                      [&](const Route &candidate) { return candidate.externalPath == externalPath; });
            if (route == config.routes.end())
                return ConfigStore::Refusal{
                    kNotFound, QCoreApplication::translate("FaultSwitch", "The route %1 is gone.").arg(externalPath)};
            if (Config::answersItself(*route))
                return ConfigStore::Refusal{
                    kNoFaults, QCoreApplication::translate("FaultSwitch", "The route %1 answers itself: faults are "
                                                                          "for routes with backends.")
                                   .arg(externalPath)};
            RouteOverrides overrides = *route->overrides;
            if (on) {
                overrides.fault = kept.contains(key) ? restored(kept.value(key).toString()) : defaultFaults();
                if (!overrides.fault && !config.fault)  // inherited faults the top level no longer has
                    overrides.fault = defaultFaults();
            } else {
                const std::optional<FaultSettings> &own = overrides.fault;
                if (!own)
                    toKeep = kInherited;
                else if (!own->off)
                    toKeep = QString::fromUtf8(QJsonDocument(faultToJson(*own)).toJson(QJsonDocument::Compact));
                FaultSettings off;
                off.off = true;
                overrides.fault = off;
            }
            route->overrides = overrides;
            return std::nullopt;
        },
        ConfigStore::Source::Gui);
    if (change.applied()) {
        if (on)
            kept.remove(key);
        else if (!toKeep.isEmpty())  // empty: already off, what was kept before stays
            kept.setValue(key, toKeep);
    }
    return change;
}

}  // namespace kairos
