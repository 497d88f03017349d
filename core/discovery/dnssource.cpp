#include "dnssource.h"

#include "backendaddress.h"

#include <QDateTime>
#include <QRegularExpression>

#include <algorithm>
#include <cmath>

namespace kairos {

namespace {

// A lookup that has not answered after this long has failed (c-ares tries each server in it).
constexpr int kLookupTimeoutMs = 2'000;
// The shortest wait a TTL can ask for (respect_ttl): a TTL of 0 must not become a loop.
constexpr int kMinTtlRefreshMs = 500;
// After a failed lookup, or a resolver that could not be set up, the next try comes at least this
// soon: a long refresh_ms must not leave a group empty that long after a failed first lookup.
constexpr int kRetryAfterFailureMs = 5000;
constexpr int kMaxWeight = 1000;  // as a backend's weight in the config

QString withoutFinalDot(QString name)
{
    if (name.endsWith(QLatin1Char('.')))
        name.chop(1);
    return name;
}

}  // namespace

DnsSource::DnsSource(DiscoverySettings settings, std::function<void(const Outcome &)> answered, QObject *parent)
    : QObject(parent),
      m_settings(std::move(settings)),
      m_answered(std::move(answered)),
      m_resolver(std::make_unique<DnsResolver>(m_settings.nameservers, kLookupTimeoutMs, this))
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &DnsSource::lookup);
}

DnsSource::~DnsSource() = default;

void DnsSource::start()
{
    lookup();
}

void DnsSource::lookup()
{
    QString error;
    if (!m_resolver->isValid(&error)) {
        // Set up again (the system's resolv.conf may be readable by now), else tried again later.
        m_resolver = std::make_unique<DnsResolver>(m_settings.nameservers, kLookupTimeoutMs, this);
        if (!m_resolver->isValid(&error)) {
            const int delay = std::min(m_settings.refreshMs, kRetryAfterFailureMs);
            m_timer.start(delay);
            Outcome outcome;
            outcome.error = error;
            outcome.nextRefreshMs = QDateTime::currentMSecsSinceEpoch() + delay;
            m_answered(outcome);
            return;
        }
    }
    const auto done = [this](const DnsAnswer &answer) { onAnswer(answer); };
    if (m_settings.kind == DiscoverySettings::Kind::DnsSrv)
        m_resolver->lookupService(m_settings.name, done);
    else
        m_resolver->lookupAddresses(m_settings.name, done);
}

void DnsSource::onAnswer(const DnsAnswer &answer)
{
    const int delay = refreshDelayMs(m_settings, answer);
    m_timer.start(delay);
    Outcome outcome;
    outcome.status = answer.status;
    outcome.ttlSeconds = answer.ttlSeconds;
    outcome.error = answer.error;
    outcome.nextRefreshMs = QDateTime::currentMSecsSinceEpoch() + delay;
    if (answer.status == DnsAnswer::Status::Records) {
        QStringList skipped;
        outcome.backends = backendsFrom(m_settings, answer, &skipped);
        if (!skipped.isEmpty())
            outcome.error = (outcome.error.isEmpty() ? QString() : outcome.error + QLatin1String("; "))
                            + QLatin1String("left out: ") + skipped.join(QLatin1String(", "));
        // An SRV target whose lookup failed keeps the backends it had: half an answer must not
        // take live backends out.
        for (const Backend &backend : std::as_const(m_lastBackends)) {
            if (answer.failedTargets.contains(backend.hostName(), Qt::CaseInsensitive))
                outcome.backends.append(backend);
        }
        m_lastBackends = outcome.backends;
    } else if (answer.status == DnsAnswer::Status::NoRecords) {
        m_lastBackends.clear();
    }
    m_answered(outcome);
}

int DnsSource::refreshDelayMs(const DiscoverySettings &settings, const DnsAnswer &answer)
{
    qint64 delay = settings.refreshMs;
    if (settings.respectTtl && answer.status == DnsAnswer::Status::Records)
        delay = std::min<qint64>(delay, std::max<qint64>(qint64(answer.ttlSeconds) * 1000, kMinTtlRefreshMs));
    if (answer.status == DnsAnswer::Status::Failed)
        delay = std::min<qint64>(delay, kRetryAfterFailureMs);
    return int(delay);
}

QList<Backend> DnsSource::backendsFrom(const DiscoverySettings &settings, const DnsAnswer &answer, QStringList *skipped)
{
    const auto skip = [skipped](const QString &why) {
        if (skipped)
            skipped->append(why);
    };
    const QString source = settings.sourceKey();
    const QString scheme = settings.scheme + QLatin1String("://");
    QList<Backend> backends;
    if (settings.kind != DiscoverySettings::Kind::DnsSrv) {
        const QString host = scheme + withoutFinalDot(settings.name);
        for (const DnsRecord &record : answer.records) {
            if (!isBackendAddress(record.address)) {
                skip(QStringLiteral("%1 is not a unicast, non-link-local address").arg(record.address.toString()));
                continue;
            }
            Backend backend;
            backend.host = host;
            backend.port = settings.port;
            backend.weight = settings.weight;
            const QString address = record.address.toString();
            const bool v6 = record.address.protocol() == QAbstractSocket::IPv6Protocol;
            backend.discovered =
                DiscoveredFrom{source, address, (v6 ? QLatin1String("AAAA ") : QLatin1String("A ")) + address};
            backends.append(std::move(backend));
        }
        return backends;
    }
    if (answer.records.isEmpty())
        return backends;
    const int priority =
        std::min_element(answer.records.begin(), answer.records.end(), [](const auto &a, const auto &b) {
            return a.priority < b.priority;
        })->priority;
    int heaviest = 1;
    for (const DnsRecord &record : answer.records) {
        if (record.priority == priority)
            heaviest = std::max(heaviest, record.weight);
    }
    const double scale = heaviest > kMaxWeight ? double(kMaxWeight) / heaviest : 1.0;
    for (const DnsRecord &record : answer.records) {
        if (record.priority != priority)
            continue;
        const QString target = withoutFinalDot(record.target);
        static const QRegularExpression hostName(QStringLiteral(
            "^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(\\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*$"));
        if (!hostName.match(target).hasMatch()) {
            skip(QStringLiteral("target \"%1\" is not a host name").arg(target.left(80)));
            continue;
        }
        if (!isBackendAddress(record.address)) {
            skip(QStringLiteral("%1 (%2) is not a unicast, non-link-local address")
                     .arg(record.address.toString(), target));
            continue;
        }
        Backend backend;
        backend.host = scheme + target;
        backend.port = record.port;
        backend.weight = std::clamp(int(std::lround(record.weight * scale)), 1, kMaxWeight);
        const QString address = record.address.toString();
        backend.discovered = DiscoveredFrom{source, address,
                                            QStringLiteral("SRV %1 %2 %3 %4 (%5)")
                                                .arg(record.priority)
                                                .arg(record.weight)
                                                .arg(record.port)
                                                .arg(target, address)};
        backends.append(std::move(backend));
    }
    return backends;
}

}  // namespace kairos
