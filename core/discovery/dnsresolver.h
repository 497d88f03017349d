// DNS lookups for service discovery: a backend's addresses from A and AAAA records, or a service's
// instances from SRV records and their targets' addresses. c-ares does the asking, because it can
// ask a nameserver on any port (QDnsLookup in Qt 6.4 asks on port 53 only); its sockets and
// timeouts run on the Qt event loop of the resolver's thread, so a lookup never blocks. An answer
// tells a failure (no server answered, or it answered SERVFAIL) apart from an answer without
// records (NXDOMAIN, no data): discovery keeps what it had on the first and empties it on the
// second.
#pragma once

#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>

#include <functional>
#include <map>
#include <memory>

class QSocketNotifier;
class QTimer;
struct ares_channeldata;

namespace kairos {

struct DnsRecord {
    QHostAddress address;    // what to connect to
    quint16 port = 0;        // SRV: the record's port; A/AAAA: 0
    int priority = 0;        // SRV only
    int weight = 0;          // SRV only
    QString target;          // SRV: the target name; A/AAAA: the name looked up (lower case, no final dot)
    quint32 ttlSeconds = 0;  // SRV: the smaller of the SRV record's TTL and its address's

    bool operator==(const DnsRecord &other) const;
    bool operator!=(const DnsRecord &other) const { return !(*this == other); }
};

struct DnsAnswer {
    enum class Status { Records, NoRecords, Failed };
    Status status = Status::Failed;
    // Sorted by (priority, weight, target, address), so that equal answers compare equal. At most
    // DnsResolver::kMaxRecords. Empty unless status is Records.
    QList<DnsRecord> records;
    quint32 ttlSeconds = 0;  // the smallest TTL of the records; 0 without records
    // Failed: why, naming the nameservers ("timeout: 127.0.0.1:5353", "SERVFAIL: 10.0.0.2:53",
    // "refused (connection, SERVFAIL or REFUSED): 127.0.0.1:5353"). NoRecords: "NXDOMAIN", "no A or AAAA records", "no
    // SRV records", ... Records from SRV: the targets left out for having no address, and those
    // whose address lookup failed, if any.
    QString error;
    // Records from SRV: the targets whose address lookup failed (the others answered). Their
    // records are not in `records`: what they had before is unknown here (DnsSource keeps it).
    QStringList failedTargets;

    bool operator==(const DnsAnswer &other) const;
    bool operator!=(const DnsAnswer &other) const { return !(*this == other); }
};

class DnsResolver : public QObject
{
    Q_OBJECT

public:
    // What one answer keeps at most, so that an answer cannot take memory without bound.
    static constexpr int kMaxRecords = 10000;

    // nameservers: "127.0.0.1:5353", "[::1]:5353", "10.0.0.2" or "::1" (port 53), asked in this
    // order; empty: the system's (/etc/resolv.conf). timeoutMs: how long a lookup may take in all,
    // SRV and target addresses included; `done` is called by then.
    DnsResolver(const QStringList &nameservers, int timeoutMs, QObject *parent = nullptr);
    // Pending lookups are cancelled: their `done` is never called after this.
    ~DnsResolver() override;

    // False when the resolver could not be set up (a nameserver that is not an IP address with
    // an optional port, ...); every lookup then fails with that error.
    bool isValid(QString *error = nullptr) const;
    // The nameservers asked, as "address:port" ("[address]:port" for IPv6), ", "-separated.
    QString nameserverText() const { return m_serverText; }

    // A and AAAA both, asked at once; every address is one record. Names are asked as given: no
    // search domains, whether or not they end with a dot. NXDOMAIN, or no records of either type:
    // NoRecords. A failure of either query fails the lookup: half the addresses would take live
    // backends out.
    void lookupAddresses(const QString &name, std::function<void(const DnsAnswer &)> done);
    // SRV, then each target's A and AAAA: from the answer's additional section when it has
    // addresses for the target, else asked. A target without addresses is left out, and named in
    // the answer's error; when no target has one, the answer is NoRecords. A failure to look up
    // a target fails the lookup, as in lookupAddresses. An SRV record with target "." (the
    // service is not available here, RFC 2782): NoRecords.
    void lookupService(const QString &name, std::function<void(const DnsAnswer &)> done);

private:
    struct Lookup;
    struct AddressResult;
    using QueryDone = std::function<void(int status, const unsigned char *answer, int length)>;

    static void onSocketState(void *resolver, int socket, int readable, int writable);
    static void onQueryDone(void *query, int status, int timeouts, unsigned char *answer, int length);

    std::shared_ptr<Lookup> startLookup(const QString &name, std::function<void(const DnsAnswer &)> done,
                                        QByteArray *encodedName);
    void finish(const std::shared_ptr<Lookup> &lookup, DnsAnswer answer);
    void query(const QByteArray &name, int type, QueryDone done);
    void queryAddresses(const QByteArray &name, std::function<void(const AddressResult &)> done);
    void onServiceAnswer(const std::shared_ptr<Lookup> &lookup, int status, const unsigned char *answer, int length);
    void finishService(const std::shared_ptr<Lookup> &lookup);
    QString failure(int status) const;
    // ares_process_fd; the sockets that are ready, or ARES_SOCKET_BAD (-1) to check timeouts only.
    void process(int readable, int writable);
    void scheduleTimeout();

    struct Notifiers {
        QSocketNotifier *read = nullptr;
        QSocketNotifier *write = nullptr;
    };
    void watch(QSocketNotifier *&notifier, int socket, bool write, bool wanted);

    ares_channeldata *m_channel = nullptr;
    QString m_error;  // why the channel could not be set up
    QString m_serverText;
    int m_timeoutMs;
    QTimer *m_timer;                       // c-ares's next timeout (ares_timeout)
    std::map<int, Notifiers> m_notifiers;  // by socket, as c-ares asks through onSocketState
};

}  // namespace kairos
