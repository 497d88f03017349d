// What one discovery source did last: what GET /api/backends shows beside each backend it found,
// and what the console groups the backends view by.
#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace kairos {

struct SourceStatus {
    // "pending" (no answer yet), "ok", "empty" (the source says there are none: the group is
    // empty), "failed" (the last lookup failed: the last known backends stay).
    QString state = QStringLiteral("pending");
    QString error;             // why the last lookup failed; kept until one succeeds
    QDateTime lastRefresh;     // the last answer or failure
    QDateTime lastChange;      // the last time the set of backends changed
    quint32 ttlSeconds = 0;    // DNS: the smallest TTL of the last answer
    qint64 nextRefreshMs = 0;  // DNS: when the next lookup is due (ms since the epoch)
    quint64 lookups = 0;
    quint64 failures = 0;
    int backends = 0;
    // Registrations left out, and records or registrations naming the gateway's own listeners:
    // "<id or record>: why".
    QStringList refused;

    QJsonObject toJson() const;
};

}  // namespace kairos
