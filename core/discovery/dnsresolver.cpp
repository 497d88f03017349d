#include "dnsresolver.h"

#include "dnsmessage.h"

#include <QHash>
#include <QSocketNotifier>
#include <QTimer>
#include <QUrl>
#include <QtEndian>

#include <ares.h>
#include <arpa/nameser.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <mutex>
#include <tuple>
#include <vector>

namespace kairos {

namespace {

// Each nameserver is asked twice at most; c-ares doubles the timeout on each round.
constexpr int kTries = 2;
// How many of the targets without addresses an answer's error names.
constexpr int kNamedTargets = 5;

int compareAddresses(const QHostAddress &a, const QHostAddress &b)
{
    if (a.protocol() != b.protocol())
        return a.protocol() < b.protocol() ? -1 : 1;
    if (a.protocol() == QAbstractSocket::IPv4Protocol) {
        const quint32 x = a.toIPv4Address(), y = b.toIPv4Address();
        return x < y ? -1 : (x > y ? 1 : 0);
    }
    const Q_IPV6ADDR x = a.toIPv6Address(), y = b.toIPv6Address();
    return std::memcmp(x.c, y.c, sizeof x.c);
}

bool recordLess(const DnsRecord &a, const DnsRecord &b)
{
    if (std::tie(a.priority, a.weight) != std::tie(b.priority, b.weight))
        return std::tie(a.priority, a.weight) < std::tie(b.priority, b.weight);
    if (const int byTarget = a.target.compare(b.target))
        return byTarget < 0;
    if (const int byAddress = compareAddresses(a.address, b.address))
        return byAddress < 0;
    return std::tie(a.port, a.ttlSeconds) < std::tie(b.port, b.ttlSeconds);
}

// "127.0.0.1:5353", "[::1]:5353", "10.0.0.2", "::1": an IP address (a name would need DNS to find
// the nameserver) and a port, 53 when left out.
bool parseNameserver(const QString &text, ares_addr_port_node *node, QString *shown, QString *error)
{
    QString host = text.trimmed();
    QString portText;
    bool hasPort = false;
    if (host.startsWith(QLatin1Char('['))) {
        const qsizetype close = host.indexOf(QLatin1Char(']'));
        const QString rest = close < 0 ? QString() : host.mid(close + 1);
        if (close < 0 || (!rest.isEmpty() && !rest.startsWith(QLatin1Char(':')))) {
            *error = QStringLiteral("nameserver \"%1\": expected [address]:port").arg(text);
            return false;
        }
        hasPort = !rest.isEmpty();
        portText = rest.mid(1);
        host = host.mid(1, close - 1);
    } else if (host.count(QLatin1Char(':')) == 1) {
        hasPort = true;
        portText = host.section(QLatin1Char(':'), 1);
        host = host.section(QLatin1Char(':'), 0, 0);
    }
    QHostAddress address;
    if (!address.setAddress(host) || !address.scopeId().isEmpty()) {
        *error = QStringLiteral("nameserver \"%1\": not an IP address").arg(text);
        return false;
    }
    uint port = 53;
    if (hasPort) {
        bool ok = false;
        port = portText.toUInt(&ok);
        if (!ok || port == 0 || port > 65535) {
            *error = QStringLiteral("nameserver \"%1\": not a port number").arg(text);
            return false;
        }
    }
    std::memset(node, 0, sizeof *node);
    node->udp_port = node->tcp_port = static_cast<int>(port);
    if (address.protocol() == QAbstractSocket::IPv4Protocol) {
        node->family = AF_INET;
        const quint32 ipv4 = qToBigEndian(address.toIPv4Address());
        std::memcpy(&node->addr.addr4, &ipv4, sizeof ipv4);
        *shown = QStringLiteral("%1:%2").arg(address.toString()).arg(port);
    } else {
        node->family = AF_INET6;
        const Q_IPV6ADDR ipv6 = address.toIPv6Address();
        std::memcpy(node->addr.addr6._S6_un._S6_u8, ipv6.c, sizeof ipv6.c);
        *shown = QStringLiteral("[%1]:%2").arg(address.toString()).arg(port);
    }
    return true;
}

// The nameservers a channel asks, as parseNameserver shows them.
QStringList channelServers(ares_channel channel)
{
    QStringList shown;
    ares_addr_port_node *servers = nullptr;
    if (ares_get_servers_ports(channel, &servers) != ARES_SUCCESS)
        return shown;
    for (const ares_addr_port_node *node = servers; node; node = node->next) {
        const int port = node->udp_port ? node->udp_port : 53;
        if (node->family == AF_INET) {
            quint32 ipv4;
            std::memcpy(&ipv4, &node->addr.addr4, sizeof ipv4);
            shown.append(QStringLiteral("%1:%2").arg(QHostAddress(qFromBigEndian(ipv4)).toString()).arg(port));
        } else if (node->family == AF_INET6) {
            shown.append(
                QStringLiteral("[%1]:%2").arg(QHostAddress(node->addr.addr6._S6_un._S6_u8).toString()).arg(port));
        }
    }
    ares_free_data(servers);
    return shown;
}

DnsAnswer noRecords(const QString &why)
{
    DnsAnswer answer;
    answer.status = DnsAnswer::Status::NoRecords;
    answer.error = why;
    return answer;
}

DnsAnswer failed(const QString &why)
{
    DnsAnswer answer;
    answer.status = DnsAnswer::Status::Failed;
    answer.error = why;
    return answer;
}

QString nameList(QStringList names)
{
    names.sort();
    if (names.size() <= kNamedTargets)
        return names.join(QLatin1String(", "));
    return QStringLiteral("%1 and %2 more")
        .arg(names.mid(0, kNamedTargets).join(QLatin1String(", ")))
        .arg(names.size() - kNamedTargets);
}

}  // namespace

bool DnsRecord::operator==(const DnsRecord &other) const
{
    return address == other.address && port == other.port && priority == other.priority && weight == other.weight
           && target == other.target && ttlSeconds == other.ttlSeconds;
}

bool DnsAnswer::operator==(const DnsAnswer &other) const
{
    return status == other.status && records == other.records && ttlSeconds == other.ttlSeconds && error == other.error
           && failedTargets == other.failedTargets;
}

struct DnsResolver::Lookup {
    QString name;  // as looked up, normalized: the A/AAAA records' target
    std::function<void(const DnsAnswer &)> done;
    bool finished = false;
    // lookupService: the SRV records, then each target's addresses as they come.
    QList<dns::ServiceEntry> entries;
    quint32 serviceTtl = 0;
    QHash<QString, QList<dns::TimedAddress>> addresses;
    QStringList withoutAddress;
    QStringList failedTargets;  // "target: why"
    int targetsPending = 0;
};

struct DnsResolver::AddressResult {
    DnsAnswer::Status status = DnsAnswer::Status::Failed;
    QList<dns::TimedAddress> addresses;
    QString error;
};

DnsResolver::DnsResolver(const QStringList &nameservers, int timeoutMs, QObject *parent)
    : QObject(parent), m_timeoutMs(std::max(1, timeoutMs)), m_timer(new QTimer(this))
{
    m_timer->setSingleShot(true);
    connect(m_timer, &QTimer::timeout, this, [this] { process(ARES_SOCKET_BAD, ARES_SOCKET_BAD); });

    // ares_library_init is not thread-safe, and once is enough for the process.
    static std::once_flag initialized;
    static int initStatus = ARES_SUCCESS;
    std::call_once(initialized, [] { initStatus = ares_library_init(ARES_LIB_INIT_ALL); });
    if (initStatus != ARES_SUCCESS) {
        m_error = QStringLiteral("c-ares: %1").arg(QString::fromUtf8(ares_strerror(initStatus)));
        return;
    }

    std::vector<ares_addr_port_node> servers(static_cast<size_t>(nameservers.size()));
    QStringList shown;
    for (qsizetype i = 0; i < nameservers.size(); ++i) {
        QString text;
        if (!parseNameserver(nameservers[i], &servers[static_cast<size_t>(i)], &text, &m_error))
            return;
        servers[static_cast<size_t>(i)].next =
            i + 1 < nameservers.size() ? &servers[static_cast<size_t>(i) + 1] : nullptr;
        shown.append(text);
    }

    // c-ares asks each nameserver in turn and starts over, doubling the timeout, for kTries
    // rounds: 1 + 2 = 3 timeouts per nameserver in all. Splitting the lookup's time so makes
    // c-ares give up by itself within it (the deadline in startLookup is the guarantee). Without
    // nameservers given, the count is the system's: the channel is made once to learn it.
    auto makeChannel = [this](int serverCount) {
        ares_options options;
        std::memset(&options, 0, sizeof options);
        // Names as given: no search domains (NOSEARCH), no HOSTALIASES file (NOALIASES).
        options.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES;
        options.timeout = std::max(1, m_timeoutMs / (3 * std::max(1, serverCount)));
        options.tries = kTries;
        options.sock_state_cb = &DnsResolver::onSocketState;
        options.sock_state_cb_data = this;
        const int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_SOCK_STATE_CB;
        return ares_init_options(&m_channel, &options, mask);
    };
    int status = makeChannel(servers.empty() ? 1 : static_cast<int>(servers.size()));
    if (status == ARES_SUCCESS && servers.empty()) {
        shown = channelServers(m_channel);
        if (shown.size() > 1) {
            ares_destroy(m_channel);
            m_channel = nullptr;
            status = makeChannel(static_cast<int>(shown.size()));
        }
    }
    if (status != ARES_SUCCESS) {
        m_channel = nullptr;
        m_error = QStringLiteral("c-ares: %1").arg(QString::fromUtf8(ares_strerror(status)));
        return;
    }
    if (!servers.empty()) {
        status = ares_set_servers_ports(m_channel, servers.data());
        if (status != ARES_SUCCESS) {
            m_error = QStringLiteral("c-ares: %1").arg(QString::fromUtf8(ares_strerror(status)));
            return;
        }
    }
    m_serverText = shown.join(QLatin1String(", "));
}

DnsResolver::~DnsResolver()
{
    // Every query still open gets its callback with ARES_EDESTRUCTION, which onQueryDone drops;
    // answers already queued for `done` go with this object (their context).
    if (m_channel)
        ares_destroy(m_channel);
}

bool DnsResolver::isValid(QString *error) const
{
    if (error)
        *error = m_error;
    return m_error.isEmpty();
}

void DnsResolver::lookupAddresses(const QString &name, std::function<void(const DnsAnswer &)> done)
{
    QByteArray encoded;
    const std::shared_ptr<Lookup> lookup = startLookup(name, std::move(done), &encoded);
    if (!lookup)
        return;
    queryAddresses(encoded, [this, lookup](const AddressResult &result) {
        if (result.status != DnsAnswer::Status::Records) {
            finish(lookup, result.status == DnsAnswer::Status::Failed ? failed(result.error) : noRecords(result.error));
            return;
        }
        DnsAnswer answer;
        answer.status = DnsAnswer::Status::Records;
        for (const dns::TimedAddress &address : result.addresses)
            answer.records.append({address.address, 0, 0, 0, lookup->name, address.ttlSeconds});
        finish(lookup, std::move(answer));
    });
    scheduleTimeout();
}

void DnsResolver::lookupService(const QString &name, std::function<void(const DnsAnswer &)> done)
{
    QByteArray encoded;
    const std::shared_ptr<Lookup> lookup = startLookup(name, std::move(done), &encoded);
    if (!lookup)
        return;
    query(encoded, ns_t_srv, [this, lookup](int status, const unsigned char *answer, int length) {
        onServiceAnswer(lookup, status, answer, length);
    });
    scheduleTimeout();
}

std::shared_ptr<DnsResolver::Lookup>
DnsResolver::startLookup(const QString &name, std::function<void(const DnsAnswer &)> done, QByteArray *encodedName)
{
    auto lookup = std::make_shared<Lookup>();
    lookup->name = dns::normalizedName(name);
    lookup->done = std::move(done);
    if (!m_error.isEmpty()) {
        finish(lookup, failed(m_error));
        return nullptr;
    }
    const bool ascii = std::all_of(name.cbegin(), name.cend(), [](QChar c) { return c.unicode() < 0x80; });
    *encodedName = ascii ? name.toLatin1() : QUrl::toAce(name);
    if (encodedName->isEmpty() || lookup->name.isEmpty()) {
        finish(lookup, failed(QStringLiteral("not a valid DNS name: \"%1\"").arg(name)));
        return nullptr;
    }
    QTimer::singleShot(m_timeoutMs, this, [this, weak = std::weak_ptr<Lookup>(lookup)] {
        if (const std::shared_ptr<Lookup> late = weak.lock())
            finish(late, failed(QStringLiteral("timeout: %1").arg(m_serverText)));
    });
    return lookup;
}

void DnsResolver::finish(const std::shared_ptr<Lookup> &lookup, DnsAnswer answer)
{
    if (lookup->finished)
        return;
    lookup->finished = true;
    std::sort(answer.records.begin(), answer.records.end(), recordLess);
    answer.records.erase(std::unique(answer.records.begin(), answer.records.end()), answer.records.end());
    if (answer.records.size() > kMaxRecords)
        answer.records.resize(kMaxRecords);
    answer.ttlSeconds = 0;
    for (qsizetype i = 0; i < answer.records.size(); ++i)
        answer.ttlSeconds =
            i == 0 ? answer.records[i].ttlSeconds : std::min(answer.ttlSeconds, answer.records[i].ttlSeconds);
    // Queued, never from inside c-ares: `done` may destroy this resolver, which c-ares does not
    // allow from its callbacks. With this object as the context, a resolver destroyed first
    // takes the call with it.
    QMetaObject::invokeMethod(
        this, [done = std::move(lookup->done), answer = std::move(answer)] { done(answer); }, Qt::QueuedConnection);
}

void DnsResolver::query(const QByteArray &name, int type, QueryDone done)
{
    ares_query(m_channel, name.constData(), ns_c_in, type, &DnsResolver::onQueryDone, new QueryDone(std::move(done)));
}

void DnsResolver::onQueryDone(void *query, int status, int timeouts, unsigned char *answer, int length)
{
    Q_UNUSED(timeouts);
    const std::unique_ptr<QueryDone> done(static_cast<QueryDone *>(query));
    if (status != ARES_EDESTRUCTION)
        (*done)(status, answer, length);
}

void DnsResolver::queryAddresses(const QByteArray &name, std::function<void(const AddressResult &)> done)
{
    struct Both {
        int pending = 2;
        bool nxdomain = false;
        QString failure;
        AddressResult result;
        std::function<void(const AddressResult &)> done;
    };
    auto both = std::make_shared<Both>();
    both->done = std::move(done);
    for (const bool ipv6 : {false, true}) {
        query(name, ipv6 ? ns_t_aaaa : ns_t_a, [this, both, ipv6](int status, const unsigned char *answer, int length) {
            if (status == ARES_SUCCESS) {
                dns::AddressRecords read = dns::readAddressAnswer(answer, length, ipv6, kMaxRecords);
                if (read.reading == dns::Reading::Malformed && both->failure.isEmpty())
                    both->failure = QStringLiteral("malformed answer: %1").arg(m_serverText);
                both->result.addresses += read.addresses;
            } else if (status == ARES_ENOTFOUND) {
                both->nxdomain = true;
            } else if (status != ARES_ENODATA && both->failure.isEmpty()) {
                both->failure = failure(status);
            }
            if (--both->pending > 0)
                return;
            AddressResult &result = both->result;
            if (!both->failure.isEmpty()) {
                result.status = DnsAnswer::Status::Failed;
                result.error = both->failure;
                result.addresses.clear();
            } else if (!result.addresses.isEmpty()) {
                result.status = DnsAnswer::Status::Records;
            } else {
                result.status = DnsAnswer::Status::NoRecords;
                result.error = both->nxdomain ? QStringLiteral("NXDOMAIN") : QStringLiteral("no A or AAAA records");
            }
            both->done(result);
        });
    }
}

void DnsResolver::onServiceAnswer(const std::shared_ptr<Lookup> &lookup, int status, const unsigned char *answer,
                                  int length)
{
    if (lookup->finished)
        return;
    if (status == ARES_ENOTFOUND)
        return finish(lookup, noRecords(QStringLiteral("NXDOMAIN")));
    if (status == ARES_ENODATA)
        return finish(lookup, noRecords(QStringLiteral("no SRV records")));
    if (status != ARES_SUCCESS)
        return finish(lookup, failed(failure(status)));
    dns::ServiceRecords read = dns::readServiceAnswer(answer, length, kMaxRecords);
    if (read.reading == dns::Reading::Malformed)
        return finish(lookup, failed(QStringLiteral("malformed answer: %1").arg(m_serverText)));
    // Target "." says the service is not offered at this name (RFC 2782); it has no address to
    // look up, whatever else the answer holds.
    read.entries.removeIf([](const dns::ServiceEntry &entry) { return entry.target.isEmpty(); });
    if (read.entries.isEmpty()) {
        return finish(lookup, noRecords(read.reading == dns::Reading::Records
                                            ? QStringLiteral("service not available (SRV target \".\")")
                                            : QStringLiteral("no SRV records")));
    }
    lookup->entries = read.entries;
    lookup->serviceTtl = read.ttlSeconds;
    QStringList toAsk;
    for (const dns::ServiceEntry &entry : std::as_const(lookup->entries)) {
        if (lookup->addresses.contains(entry.target) || toAsk.contains(entry.target))
            continue;
        const auto additional = read.additional.constFind(entry.target);
        if (additional != read.additional.cend())
            lookup->addresses.insert(entry.target, *additional);
        else
            toAsk.append(entry.target);
    }
    lookup->targetsPending = static_cast<int>(toAsk.size());
    if (toAsk.isEmpty())
        return finishService(lookup);
    for (const QString &target : std::as_const(toAsk)) {
        queryAddresses(target.toLatin1(), [this, lookup, target](const AddressResult &result) {
            if (lookup->finished)
                return;
            // One target that cannot be looked up (a server that refuses the name, an address
            // written as a target) must not hold up the others: finishService() decides.
            if (result.status == DnsAnswer::Status::Failed)
                lookup->failedTargets.append(QStringLiteral("%1: %2").arg(target, result.error));
            else if (result.status == DnsAnswer::Status::Records)
                lookup->addresses.insert(target, result.addresses);
            else
                lookup->withoutAddress.append(target);
            if (--lookup->targetsPending == 0)
                finishService(lookup);
        });
    }
}

void DnsResolver::finishService(const std::shared_ptr<Lookup> &lookup)
{
    DnsAnswer answer;
    for (const dns::ServiceEntry &entry : std::as_const(lookup->entries)) {
        const QList<dns::TimedAddress> addresses = lookup->addresses.value(entry.target);
        for (const dns::TimedAddress &address : addresses) {
            if (answer.records.size() >= kMaxRecords)
                break;
            answer.records.append({address.address, entry.port, entry.priority, entry.weight, entry.target,
                                   std::min(lookup->serviceTtl, address.ttlSeconds)});
        }
    }
    // Without a single address, a failed target makes the lookup a failure: the last set stays.
    if (answer.records.isEmpty() && !lookup->failedTargets.isEmpty())
        return finish(lookup, failed(lookup->failedTargets.join(QLatin1String("; "))));
    if (answer.records.isEmpty())
        return finish(
            lookup,
            noRecords(
                QStringLiteral("no A or AAAA records for the SRV targets: %1").arg(nameList(lookup->withoutAddress))));
    answer.status = DnsAnswer::Status::Records;
    QStringList notes;
    if (!lookup->withoutAddress.isEmpty())
        notes.append(QStringLiteral("no A or AAAA records for: %1").arg(nameList(lookup->withoutAddress)));
    if (!lookup->failedTargets.isEmpty()) {
        lookup->failedTargets.sort();
        notes.append(QStringLiteral("lookup failed for %1").arg(lookup->failedTargets.join(QLatin1String("; "))));
        for (const QString &failure : std::as_const(lookup->failedTargets))
            answer.failedTargets.append(failure.left(failure.indexOf(QLatin1String(": "))));
    }
    answer.error = notes.join(QLatin1String("; "));
    finish(lookup, std::move(answer));
}

QString DnsResolver::failure(int status) const
{
    switch (status) {
    case ARES_ETIMEOUT: return QStringLiteral("timeout: %1").arg(m_serverText);
    // c-ares gives this one too when every server answered SERVFAIL or REFUSED.
    case ARES_ECONNREFUSED: return QStringLiteral("refused (connection, SERVFAIL or REFUSED): %1").arg(m_serverText);
    case ARES_ESERVFAIL: return QStringLiteral("SERVFAIL: %1").arg(m_serverText);
    case ARES_EREFUSED: return QStringLiteral("REFUSED: %1").arg(m_serverText);
    case ARES_EFORMERR: return QStringLiteral("FORMERR: %1").arg(m_serverText);
    case ARES_ENOTIMP: return QStringLiteral("NOTIMP: %1").arg(m_serverText);
    case ARES_EBADRESP: return QStringLiteral("malformed answer: %1").arg(m_serverText);
    case ARES_EBADNAME: return QStringLiteral("not a valid DNS name");
    default: return QStringLiteral("%1: %2").arg(QString::fromUtf8(ares_strerror(status)), m_serverText);
    }
}

void DnsResolver::onSocketState(void *resolver, int socket, int readable, int writable)
{
    auto *self = static_cast<DnsResolver *>(resolver);
    Notifiers &notifiers = self->m_notifiers[socket];
    self->watch(notifiers.read, socket, false, readable != 0);
    self->watch(notifiers.write, socket, true, writable != 0);
    if (!readable && !writable)
        self->m_notifiers.erase(socket);
}

void DnsResolver::watch(QSocketNotifier *&notifier, int socket, bool write, bool wanted)
{
    if (wanted && !notifier) {
        notifier = new QSocketNotifier(socket, write ? QSocketNotifier::Write : QSocketNotifier::Read, this);
        connect(notifier, &QSocketNotifier::activated, this,
                [this, socket, write] { process(write ? ARES_SOCKET_BAD : socket, write ? socket : ARES_SOCKET_BAD); });
    } else if (!wanted && notifier) {
        // c-ares calls this from inside ares_process_fd, which may run in this very notifier's
        // signal: disabled now, deleted once the signal has returned.
        notifier->setEnabled(false);
        notifier->deleteLater();
        notifier = nullptr;
    }
}

void DnsResolver::process(int readable, int writable)
{
    ares_process_fd(m_channel, readable, writable);
    scheduleTimeout();
}

void DnsResolver::scheduleTimeout()
{
    if (!m_channel)
        return;
    timeval next;
    if (!ares_timeout(m_channel, nullptr, &next)) {
        m_timer->stop();
        return;
    }
    const qint64 ms = qint64(next.tv_sec) * 1000 + (next.tv_usec + 999) / 1000;
    m_timer->start(static_cast<int>(std::min<qint64>(ms, std::numeric_limits<int>::max())));
}

}  // namespace kairos
