#include "sourcestatus.h"

#include <QJsonArray>

namespace kairos {

QJsonObject SourceStatus::toJson() const
{
    QJsonObject object{{"state", state},
                       {"backends", backends},
                       {"lookups", double(lookups)},
                       {"failures", double(failures)},
                       {"last_refresh", lastRefresh.isValid() ? lastRefresh.toString(Qt::ISODateWithMs) : QJsonValue()},
                       {"last_change", lastChange.isValid() ? lastChange.toString(Qt::ISODateWithMs) : QJsonValue()}};
    if (ttlSeconds > 0)
        object.insert(QLatin1String("ttl_s"), double(ttlSeconds));
    if (nextRefreshMs > 0)
        object.insert(QLatin1String("next_refresh"),
                      QDateTime::fromMSecsSinceEpoch(nextRefreshMs, Qt::UTC).toString(Qt::ISODateWithMs));
    if (!refused.isEmpty())
        object.insert(QLatin1String("refused"), QJsonArray::fromStringList(refused));
    if (!error.isEmpty())
        object.insert(QLatin1String("error"), error);
    return object;
}

}  // namespace kairos
