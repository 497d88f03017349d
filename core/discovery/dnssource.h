// One DNS source of discovery: looks a name up (A and AAAA, or SRV) every refresh_ms (sooner when
// respect_ttl and the records' TTL say so) and reports the backends the answer names. Lookups run
// on this object's thread, never on a request's.
#pragma once

#include "config/config.h"
#include "dnsresolver.h"

#include <QObject>
#include <QTimer>

#include <functional>
#include <memory>

namespace kairos {

class DnsSource : public QObject
{
    Q_OBJECT

public:
    struct Outcome {
        DnsAnswer::Status status = DnsAnswer::Status::Failed;
        QList<Backend> backends;  // Records: what the answer names; NoRecords: none; Failed: unused
        quint32 ttlSeconds = 0;
        QString error;
        qint64 nextRefreshMs = 0;  // when the next lookup is due (ms since the epoch)
    };

    DnsSource(DiscoverySettings settings, std::function<void(const Outcome &)> answered, QObject *parent = nullptr);
    ~DnsSource() override;

    void start();  // the first lookup now, then one each refresh
    const DiscoverySettings &settings() const { return m_settings; }

    // The backends a DNS answer names. A/AAAA: each address, with the entry's port and weight.
    // SRV: the records of the lowest priority value only (RFC 2782: higher values are for when
    // those are gone), each with its port and its weight (0 counts as 1; weights over 1000 are
    // scaled down to fit, keeping their ratios).
    // Records that cannot be a backend are left out and named in *skipped: an address that is not
    // isBackendAddress(), an SRV target that is not a host name (its bytes would go into the Host
    // field).
    static QList<Backend> backendsFrom(const DiscoverySettings &settings, const DnsAnswer &answer,
                                       QStringList *skipped = nullptr);
    // The delay before the next lookup after `answer`.
    static int refreshDelayMs(const DiscoverySettings &settings, const DnsAnswer &answer);

private:
    void lookup();
    void onAnswer(const DnsAnswer &answer);

    DiscoverySettings m_settings;
    std::function<void(const Outcome &)> m_answered;
    std::unique_ptr<DnsResolver> m_resolver;
    QTimer m_timer;
    QList<Backend> m_lastBackends;  // what the last answer with records gave
};

}  // namespace kairos
