// Service discovery end to end (docs/DISCOVERY.md): the config's discover entries, what they
// expand to, and the gateway following a real DNS server (dnsmasq, started on loopback and
// rewritten by the tests) while traffic flows. Backends listen on 127.0.0.2, 127.0.0.3, ... (all of
// 127/8 is loopback), so that A records can tell them apart on one port.
#include "config/configloader.h"
#include "config/configwriter.h"
#include "config/discoveredbackends.h"
#include "demo/echobackend.h"
#include "discovery/discovery.h"
#include "discovery/dnssource.h"
#include "support/dnsmasqserver.h"
#include "support/loadgenerator.h"
#include "support/runningservice.h"
#include "support/testcertificates.h"
#include "support/testsupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QSslKey>
#include <QSslServer>
#include <QSslSocket>
#include <QtTest>

#include <memory>
#include <vector>

using namespace kairos;
using namespace kairos::test;

namespace {

const QString kName = QStringLiteral("users.kairos.test");

QJsonObject discoverEntry(const QJsonObject &discover, const QJsonObject &extra = {})
{
    QJsonObject entry = extra;
    entry.insert("discover", discover);
    return entry;
}

QJsonObject serviceConfig(const QJsonArray &backends, const QString &strategy = QStringLiteral("RoundRobin"))
{
    return QJsonObject{{"version", 1},
                       {"server", QJsonObject{{"host", "127.0.0.1"}, {"workers", 1}}},
                       {"routers", QJsonArray{routeJson("/api/users", "/users", backends, {"GET"}, strategy)}}};
}

// Echo backends on 127.0.0.2 .. 127.0.0.(1+count), all on one port.
struct EchoFarm {
    explicit EchoFarm(int count)
    {
        for (int attempt = 0; attempt < 20 && backends.empty(); ++attempt) {
            port = quint16(20000 + QRandomGenerator::global()->bounded(12000));
            for (int i = 0; i < count; ++i) {
                auto backend = std::make_unique<EchoBackend>(QStringLiteral("b%1").arg(i + 2));
                if (!backend->listen(address(i), port)) {
                    backends.clear();
                    break;
                }
                backends.push_back(std::move(backend));
            }
        }
    }
    static QHostAddress address(int index) { return QHostAddress(QStringLiteral("127.0.0.%1").arg(index + 2)); }
    int served(int index) const { return backends[size_t(index)]->requestsServed(); }

    quint16 port = 0;
    std::vector<std::unique_ptr<EchoBackend>> backends;
};

QJsonArray backendsReport(quint16 port)
{
    return QJsonDocument::fromJson(request(port, "GET", "/api/backends").body).array();
}

QJsonObject sourceOf(quint16 port, const QString &key)
{
    for (const QJsonValue &entry : backendsReport(port)) {
        const QJsonObject source = entry.toObject().value("source").toObject();
        if (source.value("key").toString() == key)
            return source;
    }
    return {};
}

}  // namespace

class TestDiscovery : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();

    void readsDiscoverEntries();
    void refusesBadDiscoverEntries_data();
    void refusesBadDiscoverEntries();
    void refusesTooManySources();
    void entriesOfOneSourceMustAgreeOnLimits();
    void entriesOfOneSourceKeepTheirSchemeAndWeight();
    void discoveredBackendsAreCappedInAllRoutes();
    void writesDiscoverEntriesBack();
    void expansionGivesEachBackendTheEntrysFields();
    void emptyGroupAnswers503NoBackends();
    void srvAnswersBecomeWeightedBackends();

    void followsARecordsWhileTrafficFlows();
    void srvWeightsAndPrioritiesThroughTheGateway();
    void newBackendsStartSlowly();
    void honoursTtlWhenAsked();
    void failedLookupKeepsTheLastSet();
    void noRecordsEmptiesTheGroup();
    void srvTargetThatFailsKeepsItsBackends();
    void healthChecksActOnDiscoveredBackends();
    void httpsBackendsAreVerifiedByName();

private:
    DnsmasqServer m_dns;
};

void TestDiscovery::initTestCase()
{
    QString error;
    QVERIFY2(m_dns.start(&error), qPrintable(error));
}

void TestDiscovery::readsDiscoverEntries()
{
    const ConfigSnapshot config = makeConfig(QJsonArray{
        routeJson("/api/users", "/users",
                  QJsonArray{backendJson(9101),
                             discoverEntry({{"dns", kName},
                                            {"port", 8080},
                                            {"refresh_ms", 1000},
                                            {"respect_ttl", true},
                                            {"nameservers", QJsonArray{"127.0.0.1:5353", "[::1]:53", "10.0.0.2"}},
                                            {"weight", 3},
                                            {"scheme", "https"}},
                                           {{"health_check_path", "/health"}, {"max_connections", 10}}),
                             discoverEntry({{"dns_srv", "_http._tcp.users.service.consul"}}),
                             discoverEntry({{"etcd", "users"}})})});
    const QList<Backend> &backends = config->routes[0].backends;
    QCOMPARE(backends.size(), 4);
    QVERIFY(!backends[0].discover);
    const DiscoverySettings &dns = *backends[1].discover;
    QCOMPARE(dns.kind, DiscoverySettings::Kind::Dns);
    QCOMPARE(dns.name, kName);
    QCOMPARE(dns.port, 8080);
    QCOMPARE(dns.refreshMs, 1000);
    QVERIFY(dns.respectTtl);
    QCOMPARE(dns.nameservers.size(), 3);
    QCOMPARE(dns.weight, 3);
    QCOMPARE(dns.scheme, QStringLiteral("https"));
    QCOMPARE(backends[1].healthCheckPath, QStringLiteral("/health"));
    QCOMPARE(backends[1].maxConnections, 10);
    QCOMPARE(dns.sourceKey(), QStringLiteral("dns:%1:8080 @127.0.0.1:5353,[::1]:53,10.0.0.2").arg(kName));
    QCOMPARE(backends[2].discover->kind, DiscoverySettings::Kind::DnsSrv);
    QCOMPARE(backends[2].discover->sourceKey(), QStringLiteral("dns_srv:_http._tcp.users.service.consul"));
    QCOMPARE(backends[3].discover->kind, DiscoverySettings::Kind::Etcd);
    QCOMPARE(backends[3].discover->sourceKey(), QStringLiteral("etcd:users"));
    QCOMPARE(discoverySources(*config).size(), 3);

    const std::optional<DiscoverySettings::Nameserver> v6 = DiscoverySettings::parseNameserver("[::1]:5353");
    QVERIFY(v6);
    QCOMPARE(v6->address, QHostAddress(QHostAddress::LocalHostIPv6));
    QCOMPARE(v6->port, quint16(5353));
    QCOMPARE(DiscoverySettings::parseNameserver("10.0.0.2")->port, quint16(53));
    QCOMPARE(DiscoverySettings::parseNameserver("::1")->port, quint16(53));
}

void TestDiscovery::refusesBadDiscoverEntries_data()
{
    QTest::addColumn<QJsonObject>("entry");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("message");
    QTest::newRow("no source") << discoverEntry({{"port", 80}}) << "backends[0].discover"
                               << "must name one source";
    QTest::newRow("two sources") << discoverEntry({{"dns", kName}, {"etcd", "users"}, {"port", 80}})
                                 << "backends[0].discover"
                                 << "not dns, etcd";
    QTest::newRow("dns without port") << discoverEntry({{"dns", kName}}) << "discover.port"
                                      << "between 1 and 65535";
    QTest::newRow("srv with port") << discoverEntry({{"dns_srv", "_http._tcp.x"}, {"port", 80}}) << "discover.port"
                                   << "each SRV record";
    QTest::newRow("etcd with weight") << discoverEntry({{"etcd", "users"}, {"weight", 2}}) << "discover.weight"
                                      << "each registration";
    QTest::newRow("etcd with refresh") << discoverEntry({{"etcd", "users"}, {"refresh_ms", 100}})
                                       << "backends[0].discover"
                                       << "are for DNS";
    QTest::newRow("etcd name with slash") << discoverEntry({{"etcd", "users/x"}}) << "discover.etcd"
                                          << "letters";
    QTest::newRow("etcd name ..") << discoverEntry({{"etcd", ".."}}) << "discover.etcd"
                                  << "not \".\" or \"..\"";
    QTest::newRow("not a dns name") << discoverEntry({{"dns", "users..internal"}, {"port", 80}}) << "discover.dns"
                                    << "not a DNS name";
    QTest::newRow("name server by name") << discoverEntry(
        {{"dns", kName}, {"port", 80}, {"nameservers", QJsonArray{"ns1.example"}}})
                                         << "discover.nameservers[0]"
                                         << "IP address";
    QTest::newRow("name server port 0") << discoverEntry(
        {{"dns", kName}, {"port", 80}, {"nameservers", QJsonArray{"127.0.0.1:0"}}})
                                        << "discover.nameservers[0]"
                                        << "IP address";
    QTest::newRow("refresh too fast") << discoverEntry({{"dns", kName}, {"port", 80}, {"refresh_ms", 10}})
                                      << "discover.refresh_ms"
                                      << "between 100";
    QTest::newRow("scheme") << discoverEntry({{"dns", kName}, {"port", 80}, {"scheme", "ftp"}}) << "discover.scheme"
                            << "\"http\" or \"https\"";
    QTest::newRow("host beside discover")
        << discoverEntry({{"dns", kName}, {"port", 80}}, {{"host", "http://x"}}) << "backends[0].host"
        << "not with \"discover\"";
    QTest::newRow("h2 over http") << discoverEntry({{"dns", kName}, {"port", 80}}, {{"protocol", "h2"}})
                                  << "backends[0].protocol"
                                  << "HTTP/2 over TLS";
}

void TestDiscovery::refusesBadDiscoverEntries()
{
    QFETCH(QJsonObject, entry);
    QFETCH(QString, path);
    QFETCH(QString, message);
    const QJsonObject config = serviceConfig(QJsonArray{entry});
    const ConfigLoadResult result = loadConfig(QJsonDocument(config).toJson());
    QVERIFY(!result.ok());
    bool found = false;
    for (const ConfigProblem &problem : result.errors)
        found = found || (problem.path.endsWith(path) && problem.message.contains(message));
    QVERIFY2(found, qPrintable(result.errorSummary()));
}

void TestDiscovery::refusesTooManySources()
{
    QJsonArray entries;
    for (int i = 0; i <= kMaxDiscoverySources; ++i)
        entries.append(discoverEntry({{"dns", QStringLiteral("s%1.kairos.test").arg(i)}, {"port", 80}}));
    const ConfigLoadResult result = loadConfig(QJsonDocument(serviceConfig(entries)).toJson());
    QVERIFY(!result.ok());
    QCOMPARE(result.errors.size(), 1);
    QCOMPARE(result.errors[0].path, QStringLiteral("routers"));
    QVERIFY(result.errors[0].message.contains("at most 1000"));
    entries.removeLast();
    QVERIFY(loadConfig(QJsonDocument(serviceConfig(entries)).toJson()).ok());
}

// Two entries of one source and scheme list the same backends, whose slots, buckets and pooled
// connections are one: they must agree, as routes listing one fixed backend must.
void TestDiscovery::entriesOfOneSourceMustAgreeOnLimits()
{
    const QJsonObject discover{{"dns", kName}, {"port", 8080}};
    QJsonObject config = serviceConfig(QJsonArray{discoverEntry(discover, {{"max_connections", 5}})});
    QJsonArray routes = config.value("routers").toArray();
    routes.append(routeJson("/api/orders", "/", QJsonArray{discoverEntry(discover, {{"max_connections", 50}})}));
    config.insert("routers", routes);
    const ConfigLoadResult result = loadConfig(QJsonDocument(config).toJson());
    QVERIFY(!result.ok());
    QCOMPARE(result.errors.size(), 1);
    QCOMPARE(result.errors[0].path, QStringLiteral("routers[1].backends[0].max_connections"));
    QVERIFY2(result.errors[0].message.contains("dns:users.kairos.test:8080"), qPrintable(result.errorSummary()));

    // Another scheme: other backends (https://10.0.0.5:8080 is not http://10.0.0.5:8080).
    QJsonObject tls = discover;
    tls.insert("scheme", "https");
    routes[1] = routeJson("/api/orders", "/", QJsonArray{discoverEntry(tls, {{"max_connections", 50}})});
    config.insert("routers", routes);
    QVERIFY(loadConfig(QJsonDocument(config).toJson()).ok());
}

// Entries of one DNS source share its lookups (as often as the most frequent asks) but each puts
// its own scheme and weight on what it finds.
void TestDiscovery::entriesOfOneSourceKeepTheirSchemeAndWeight()
{
    const ConfigSnapshot written = makeConfig(QJsonArray{
        routeJson("/plain", "/", QJsonArray{discoverEntry({{"dns", kName}, {"port", 8443}, {"refresh_ms", 60000}})}),
        routeJson("/tls", "/",
                  QJsonArray{discoverEntry({{"dns", kName},
                                            {"port", 8443},
                                            {"scheme", "https"},
                                            {"weight", 7},
                                            {"refresh_ms", 1000},
                                            {"respect_ttl", true}})})});
    const QList<DiscoverySettings> sources = discoverySources(*written);
    QCOMPARE(sources.size(), 1);
    QCOMPARE(sources[0].refreshMs, 1000);
    QVERIFY(sources[0].respectTtl);

    DnsAnswer answer;
    answer.status = DnsAnswer::Status::Records;
    DnsRecord record;
    record.address = QHostAddress(QStringLiteral("127.0.0.2"));
    record.target = kName;
    answer.records.append(record);
    const ConfigSnapshot expanded =
        expandDiscovered(written, {{sources[0].sourceKey(), DnsSource::backendsFrom(sources[0], answer)}});
    const Backend &plain = expanded->routes[0].backends[0];
    const Backend &tls = expanded->routes[1].backends[0];
    QCOMPARE(plain.key(), QStringLiteral("http://127.0.0.2:8443 (%1)").arg(kName));
    QCOMPARE(plain.weight, 1);
    QCOMPARE(tls.key(), QStringLiteral("https://127.0.0.2:8443 (%1)").arg(kName));
    QVERIFY(tls.usesTls());
    QCOMPARE(tls.weight, 7);
}

// One answer of 10,000 records named by eleven routes: the first ten list them all, the eleventh
// none (kMaxDiscoveredBackends), and the count of what was left out says so.
void TestDiscovery::discoveredBackendsAreCappedInAllRoutes()
{
    QJsonArray routes;
    for (int r = 0; r < 11; ++r)
        routes.append(
            routeJson(QStringLiteral("/r%1").arg(r), "/", QJsonArray{discoverEntry({{"dns", kName}, {"port", 80}})}));
    const ConfigSnapshot written = makeConfig(routes);
    const DiscoverySettings source = discoverySources(*written).first();
    DnsAnswer answer;
    answer.status = DnsAnswer::Status::Records;
    for (int i = 0; i < kMaxBackendsPerRoute; ++i) {
        DnsRecord record;
        record.address = QHostAddress(quint32(0x0a000000 + i));  // 10.0.x.y
        answer.records.append(record);
    }
    int leftOut = -1;
    const ConfigSnapshot expanded =
        expandDiscovered(written, {{source.sourceKey(), DnsSource::backendsFrom(source, answer)}}, &leftOut);
    for (int r = 0; r < 10; ++r)
        QCOMPARE(expanded->routes[r].backends.size(), kMaxBackendsPerRoute);
    QCOMPARE(expanded->routes[10].backends.size(), 0);
    QCOMPARE(leftOut, kMaxBackendsPerRoute);
    QCOMPARE(kMaxDiscoveredBackends, 10 * kMaxBackendsPerRoute);
}

void TestDiscovery::writesDiscoverEntriesBack()
{
    const QJsonArray backends{
        discoverEntry(
            {{"dns", kName}, {"port", 8080}, {"respect_ttl", true}, {"nameservers", QJsonArray{"127.0.0.1:5353"}}},
            {{"health_check_path", "/health"}}),
        discoverEntry({{"dns_srv", "_http._tcp.users"}, {"refresh_ms", 2000}, {"x_note", "kept"}}),
        discoverEntry({{"etcd", "users"}, {"scheme", "https"}})};
    const ConfigLoadResult first = loadConfig(QJsonDocument(serviceConfig(backends)).toJson());
    QVERIFY2(first.ok(), qPrintable(first.errorSummary()));
    const QJsonObject written = configToJson(*first.config);
    const QJsonArray writtenBackends = written.value("routers").toArray()[0].toObject().value("backends").toArray();
    QCOMPARE(writtenBackends, backends);
}

void TestDiscovery::expansionGivesEachBackendTheEntrysFields()
{
    const DiscoverySettings dns = [] {
        DiscoverySettings settings;
        settings.name = kName;
        settings.port = 8080;
        return settings;
    }();
    const ConfigSnapshot written = makeConfig(
        QJsonArray{routeJson("/fixed", "/", QJsonArray{backendJson(9101)}),
                   routeJson("/found", "/",
                             QJsonArray{backendJson(8080, 1, "http://127.0.0.2"),
                                        discoverEntry({{"dns", kName}, {"port", 8080}},
                                                      {{"health_check_path", "/health"}, {"max_connections", 7}}),
                                        discoverEntry({{"dns", kName}, {"port", 8080}}, {{"max_connections", 7}})})});
    const ConfigSnapshot fixedOnly = makeConfig(QJsonArray{routeJson("/fixed", "/", QJsonArray{backendJson(9101)})});
    QCOMPARE(expandDiscovered(fixedOnly, {}), fixedOnly);                   // nothing to expand: the same snapshot
    QCOMPARE(expandDiscovered(written, {})->routes[1].backends.size(), 1);  // nothing found yet: none

    DnsAnswer answer;
    answer.status = DnsAnswer::Status::Records;
    for (const char *address : {"127.0.0.2", "127.0.0.3", "::1"}) {
        DnsRecord record;
        record.address = QHostAddress(QString::fromLatin1(address));
        record.target = kName;
        answer.records.append(record);
    }
    const ConfigSnapshot expanded =
        expandDiscovered(written, {{dns.sourceKey(), DnsSource::backendsFrom(dns, answer)}});
    QVERIFY(expanded != written);
    QCOMPARE(expanded->routes[0].backends, written->routes[0].backends);
    const QList<Backend> &found = expanded->routes[1].backends;
    // The second entry names the same source: its backends are listed once. 127.0.0.2 by hand and
    // 127.0.0.2 as users.kairos.test are two backends: each has its own Host field and TLS name.
    QCOMPARE(found.size(), 4);
    QVERIFY(!found[0].discovered);
    QCOMPARE(found[0].key(), QStringLiteral("http://127.0.0.2:8080"));
    QCOMPARE(found[1].key(), QStringLiteral("http://127.0.0.2:8080 (%1)").arg(kName));
    QCOMPARE(found[2].key(), QStringLiteral("http://127.0.0.3:8080 (%1)").arg(kName));
    QCOMPARE(found[2].hostName(), kName);  // named as the entry names it: Host and TLS use it
    QCOMPARE(found[2].authority(), QByteArray("users.kairos.test:8080"));
    QCOMPARE(found[2].connectHost(), QStringLiteral("127.0.0.3"));
    QCOMPARE(found[2].healthCheckPath, QStringLiteral("/health"));
    QCOMPARE(found[2].maxConnections, 7);
    QVERIFY(!found[2].discover);
    QCOMPARE(found[2].discovered->record, QStringLiteral("A 127.0.0.3"));
    QCOMPARE(found[3].discovered->record, QStringLiteral("AAAA ::1"));
    // The config as written keeps its entry.
    QVERIFY(written->routes[1].backends[1].discover);
}

void TestDiscovery::emptyGroupAnswers503NoBackends()
{
    for (const char *strategy : {"RoundRobin", "LeastConnections", "Weighted", "Random", "IpHash", "PowerOfTwo"}) {
        RunningGateway running(makeConfig(
            QJsonArray{routeJson("/api/users", "/", QJsonArray{discoverEntry({{"dns", kName}, {"port", 80}})}, {"GET"},
                                 QString::fromLatin1(strategy))}));
        const Response response = request(running.port(), "GET", "/api/users");
        QCOMPARE(response.status, 503);
        QCOMPARE(response.json().value("error").toString(), QStringLiteral("no_backends"));
    }
}

void TestDiscovery::srvAnswersBecomeWeightedBackends()
{
    DiscoverySettings srv;
    srv.kind = DiscoverySettings::Kind::DnsSrv;
    srv.name = QStringLiteral("_http._tcp.users");
    DnsAnswer answer;
    answer.status = DnsAnswer::Status::Records;
    const auto add = [&answer](int priority, int weight, quint16 port, const char *target, const char *address) {
        DnsRecord record;
        record.priority = priority;
        record.weight = weight;
        record.port = port;
        record.target = QString::fromLatin1(target);
        record.address = QHostAddress(QString::fromLatin1(address));
        answer.records.append(record);
    };
    add(10, 60000, 8001, "a.users.", "10.0.0.1");
    add(10, 0, 8002, "b.users.", "10.0.0.2");
    add(10, 30000, 8003, "c.users.", "10.0.0.3");
    add(20, 5, 8004, "d.users.", "10.0.0.4");  // only when priority 10 is gone
    const QList<Backend> backends = DnsSource::backendsFrom(srv, answer);
    QCOMPARE(backends.size(), 3);
    QCOMPARE(backends[0].host, QStringLiteral("http://a.users"));
    QCOMPARE(backends[0].port, 8001);
    QCOMPARE(backends[0].weight, 1000);  // scaled to the config's range, ratios kept
    QCOMPARE(backends[1].weight, 1);     // weight 0: the least share, not none
    QCOMPARE(backends[2].weight, 500);
    QCOMPARE(backends[2].key(), QStringLiteral("http://10.0.0.3:8003 (c.users)"));

    // Targets go into the Host field: bytes a name may carry but a host name may not are left out,
    // as are addresses connections must not go to.
    DnsAnswer hostile = answer;
    hostile.records = {};
    add(10, 1, 8005, "evil\r\nX-Injected: 1.users.", "10.0.0.5");
    add(10, 1, 8006, "a b.users.", "10.0.0.6");
    add(10, 1, 8007, "e.users.", "0.0.0.0");
    add(10, 1, 8008, "f.users.", "224.0.0.1");
    add(10, 1, 8009, "g.users.", "10.0.0.9");
    hostile.records = answer.records.mid(4);
    QStringList skipped;
    const QList<Backend> kept = DnsSource::backendsFrom(srv, hostile, &skipped);
    QCOMPARE(kept.size(), 1);
    QCOMPARE(kept[0].port, 8009);
    QCOMPARE(skipped.size(), 4);
    answer.records = answer.records.mid(0, 4);

    answer.records.erase(answer.records.begin(), answer.records.begin() + 3);
    const QList<Backend> fallback = DnsSource::backendsFrom(srv, answer);
    QCOMPARE(fallback.size(), 1);
    QCOMPARE(fallback[0].port, 8004);

    DiscoverySettings ttl;
    ttl.name = kName;
    ttl.port = 80;
    ttl.refreshMs = 30'000;
    DnsAnswer short_;
    short_.status = DnsAnswer::Status::Records;
    short_.ttlSeconds = 2;
    QCOMPARE(DnsSource::refreshDelayMs(ttl, short_), 30'000);  // respect_ttl off
    ttl.respectTtl = true;
    QCOMPARE(DnsSource::refreshDelayMs(ttl, short_), 2'000);
    short_.ttlSeconds = 0;
    QCOMPARE(DnsSource::refreshDelayMs(ttl, short_), 500);  // a TTL of 0 is not a busy loop
    ttl.refreshMs = 200;
    QCOMPARE(DnsSource::refreshDelayMs(ttl, short_), 200);  // refresh_ms as written, from 100 up
    DnsAnswer failed;
    QCOMPARE(DnsSource::refreshDelayMs(ttl, failed), 200);
    ttl.refreshMs = 3'600'000;
    QCOMPARE(DnsSource::refreshDelayMs(ttl, failed), 5'000);  // a failure is tried again soon
}

void TestDiscovery::followsARecordsWhileTrafficFlows()
{
    EchoFarm farm(3);
    QVERIFY(farm.port);
    const QString name = QStringLiteral("follow.kairos.test");
    m_dns.setAddresses(name, {EchoFarm::address(0), EchoFarm::address(1)});
    QString error;
    QVERIFY2(m_dns.apply(&error), qPrintable(error));

    RunningService running(serviceConfig(QJsonArray{discoverEntry(
        {{"dns", name}, {"port", farm.port}, {"refresh_ms", 200}, {"nameservers", QJsonArray{m_dns.nameserver()}}})}));
    const QString key = QStringLiteral("dns:%1:%2 @%3").arg(name).arg(farm.port).arg(m_dns.nameserver());
    QTRY_COMPARE_WITH_TIMEOUT(sourceOf(running.port, key).value("state").toString(), QStringLiteral("ok"), 10'000);

    LoadGenerator load(running.port, {"/api/users"}, 4);
    load.start();
    QTRY_VERIFY_WITH_TIMEOUT(farm.served(0) > 20 && farm.served(1) > 20, 10'000);
    QCOMPARE(farm.served(2), 0);

    // A third instance appears: it gets requests once the name lists it.
    m_dns.setAddresses(name, {EchoFarm::address(0), EchoFarm::address(1), EchoFarm::address(2)});
    QVERIFY2(m_dns.apply(&error), qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(farm.served(2) > 20, 10'000);

    // The first goes away from DNS: it drains and gets no more.
    m_dns.setAddresses(name, {EchoFarm::address(1), EchoFarm::address(2)});
    QVERIFY2(m_dns.apply(&error), qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(sourceOf(running.port, key).value("backends").toInt(), 2, 10'000);
    QTest::qWait(300);  // requests that had picked it finish
    const int servedByGone = farm.served(0);
    const int servedByKept = farm.served(1);
    QTRY_VERIFY_WITH_TIMEOUT(farm.served(1) > servedByKept + 50, 10'000);
    QCOMPARE(farm.served(0), servedByGone);

    QVERIFY(load.stop());
    QVERIFY2(load.transportErrors().isEmpty(), qPrintable(load.transportErrors().join("; ")));
    QCOMPARE(load.statuses().keys(), QList<int>{200});

    // /api/backends names the source of each backend it found.
    const QJsonArray report = backendsReport(running.port);
    QCOMPARE(report.size(), 2);
    for (const QJsonValue &entry : report) {
        const QJsonObject backend = entry.toObject();
        QCOMPARE(backend.value("host").toString(), QStringLiteral("http://") + name);
        const QJsonObject source = backend.value("source").toObject();
        QCOMPARE(source.value("kind").toString(), QStringLiteral("dns"));
        QCOMPARE(source.value("key").toString(), key);
        QVERIFY(source.value("record").toString().startsWith("A 127.0.0."));
        QCOMPARE(source.value("state").toString(), QStringLiteral("ok"));
        QVERIFY(!source.value("last_refresh").toString().isEmpty());
        QVERIFY(source.value("lookups").toInt() >= 3);
    }
    const QByteArray metrics = request(running.port, "GET", "/metrics").body;
    QVERIFY(metrics.contains(QStringLiteral("kairos_discovery_backends{source=\"%1\"} 2").arg(key).toUtf8()));
}

void TestDiscovery::srvWeightsAndPrioritiesThroughTheGateway()
{
    EchoFarm farm(3);
    QVERIFY(farm.port);
    const QString service = QStringLiteral("_http._tcp.srv.kairos.test");
    m_dns.setAddresses(QStringLiteral("a.srv.kairos.test"), {EchoFarm::address(0)});
    m_dns.setAddresses(QStringLiteral("b.srv.kairos.test"), {EchoFarm::address(1)});
    m_dns.setAddresses(QStringLiteral("c.srv.kairos.test"), {EchoFarm::address(2)});
    m_dns.setService(service, {{QStringLiteral("a.srv.kairos.test"), farm.port, 10, 3},
                               {QStringLiteral("b.srv.kairos.test"), farm.port, 10, 1},
                               {QStringLiteral("c.srv.kairos.test"), farm.port, 20, 1}});
    QString error;
    QVERIFY2(m_dns.apply(&error), qPrintable(error));

    RunningService running(serviceConfig(
        QJsonArray{discoverEntry(
            {{"dns_srv", service}, {"refresh_ms", 200}, {"nameservers", QJsonArray{m_dns.nameserver()}}})},
        QStringLiteral("Weighted")));
    const QString key = QStringLiteral("dns_srv:%1 @%2").arg(service, m_dns.nameserver());
    QTRY_COMPARE_WITH_TIMEOUT(sourceOf(running.port, key).value("backends").toInt(), 2, 10'000);

    for (int i = 0; i < 400; ++i)
        QCOMPARE(request(running.port, "GET", "/api/users").status, 200);
    // Weighted is a smooth schedule: exactly 3 to 1 over whole rounds; priority 20 takes none.
    QCOMPARE(farm.served(0), 300);
    QCOMPARE(farm.served(1), 100);
    QCOMPARE(farm.served(2), 0);
    const QJsonObject source = sourceOf(running.port, key);
    QVERIFY(source.value("record").toString().startsWith("SRV 10 "));

    // The priority-10 records go: priority 20 takes over.
    m_dns.setService(service, {{QStringLiteral("c.srv.kairos.test"), farm.port, 20, 1}});
    QVERIFY2(m_dns.apply(&error), qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(sourceOf(running.port, key).value("backends").toInt(), 1, 10'000);
    QTRY_COMPARE_WITH_TIMEOUT(request(running.port, "GET", "/api/users").json().value("backend").toString(),
                              QStringLiteral("b4"), 10'000);
}

void TestDiscovery::newBackendsStartSlowly()
{
    EchoFarm farm(2);
    QVERIFY(farm.port);
    const QString name = QStringLiteral("slow.kairos.test");
    m_dns.setAddresses(name, {EchoFarm::address(0)});
    QString error;
    QVERIFY2(m_dns.apply(&error), qPrintable(error));
    QJsonObject config = serviceConfig(QJsonArray{discoverEntry(
        {{"dns", name}, {"port", farm.port}, {"refresh_ms", 200}, {"nameservers", QJsonArray{m_dns.nameserver()}}})});
    config.insert("slow_start_ms", 60'000);
    RunningService running(config);
    const QString key = QStringLiteral("dns:%1:%2 @%3").arg(name).arg(farm.port).arg(m_dns.nameserver());
    QTRY_COMPARE_WITH_TIMEOUT(sourceOf(running.port, key).value("backends").toInt(), 1, 10'000);

    m_dns.setAddresses(name, {EchoFarm::address(0), EchoFarm::address(1)});
    QVERIFY2(m_dns.apply(&error), qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(backendsReport(running.port).size(), 2, 10'000);
    for (const QJsonValue &entry : backendsReport(running.port)) {
        const QJsonObject backend = entry.toObject();
        if (backend.value("address").toString() == EchoFarm::address(1).toString())
            QVERIFY2(backend.value("slow_start_percent").toInt() < 50, qPrintable(QJsonDocument(backend).toJson()));
    }
}

void TestDiscovery::honoursTtlWhenAsked()
{
    EchoFarm farm(2);
    QVERIFY(farm.port);
    const QString name = QStringLiteral("ttl.kairos.test");
    m_dns.setAddresses(name, {EchoFarm::address(0)});
    m_dns.setTtl(1);
    QString error;
    QVERIFY2(m_dns.apply(&error), qPrintable(error));
    // A minute between refreshes, but TTLs of one second: with respect_ttl, changes show within seconds.
    RunningService honouring(
        serviceConfig(QJsonArray{discoverEntry({{"dns", name},
                                                {"port", farm.port},
                                                {"refresh_ms", 60'000},
                                                {"respect_ttl", true},
                                                {"nameservers", QJsonArray{m_dns.nameserver()}}})}));
    RunningService ignoring(
        serviceConfig(QJsonArray{discoverEntry({{"dns", name},
                                                {"port", farm.port},
                                                {"refresh_ms", 60'000},
                                                {"nameservers", QJsonArray{m_dns.nameserver()}}})}));
    const QString key = QStringLiteral("dns:%1:%2 @%3").arg(name).arg(farm.port).arg(m_dns.nameserver());
    QTRY_COMPARE_WITH_TIMEOUT(sourceOf(honouring.port, key).value("backends").toInt(), 1, 10'000);
    QTRY_COMPARE_WITH_TIMEOUT(sourceOf(ignoring.port, key).value("backends").toInt(), 1, 10'000);
    QCOMPARE(sourceOf(honouring.port, key).value("ttl_s").toInt(), 1);

    m_dns.setAddresses(name, {EchoFarm::address(0), EchoFarm::address(1)});
    QVERIFY2(m_dns.apply(&error), qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(sourceOf(honouring.port, key).value("backends").toInt(), 2, 10'000);
    // The other waits out its minute (the next lookup is not due for ~55 s yet).
    QCOMPARE(sourceOf(ignoring.port, key).value("backends").toInt(), 1);
    m_dns.setTtl(0);
    QVERIFY2(m_dns.apply(&error), qPrintable(error));
}

void TestDiscovery::failedLookupKeepsTheLastSet()
{
    EchoFarm farm(2);
    QVERIFY(farm.port);
    DnsmasqServer dns;  // its own server, to stop and start
    QString error;
    QVERIFY2(dns.start(&error), qPrintable(error));
    const QString name = QStringLiteral("fail.kairos.test");
    dns.setAddresses(name, {EchoFarm::address(0), EchoFarm::address(1)});
    QVERIFY2(dns.apply(&error), qPrintable(error));
    RunningService running(serviceConfig(QJsonArray{discoverEntry(
        {{"dns", name}, {"port", farm.port}, {"refresh_ms", 200}, {"nameservers", QJsonArray{dns.nameserver()}}})}));
    const QString key = QStringLiteral("dns:%1:%2 @%3").arg(name).arg(farm.port).arg(dns.nameserver());
    QTRY_COMPARE_WITH_TIMEOUT(sourceOf(running.port, key).value("backends").toInt(), 2, 10'000);

    dns.stop();
    QTRY_COMPARE_WITH_TIMEOUT(sourceOf(running.port, key).value("state").toString(), QStringLiteral("failed"), 15'000);
    const QJsonObject failed = sourceOf(running.port, key);
    QVERIFY2(failed.value("error").toString().contains(QStringLiteral("127.0.0.1")),
             qPrintable(failed.value("error").toString()));
    QCOMPARE(failed.value("backends").toInt(), 2);
    for (int i = 0; i < 20; ++i)
        QCOMPARE(request(running.port, "GET", "/api/users").status, 200);
    QVERIFY(request(running.port, "GET", "/metrics")
                .body.contains(QStringLiteral("kairos_discovery_source_up{source=\"%1\"} 0").arg(key).toUtf8()));

    QVERIFY2(dns.restart(&error), qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(sourceOf(running.port, key).value("state").toString(), QStringLiteral("ok"), 15'000);
    QVERIFY(!sourceOf(running.port, key).contains("error"));
}

void TestDiscovery::noRecordsEmptiesTheGroup()
{
    EchoFarm farm(1);
    QVERIFY(farm.port);
    const QString name = QStringLiteral("gone.kairos.test");
    m_dns.setAddresses(name, {EchoFarm::address(0)});
    QString error;
    QVERIFY2(m_dns.apply(&error), qPrintable(error));
    RunningService running(serviceConfig(QJsonArray{discoverEntry(
        {{"dns", name}, {"port", farm.port}, {"refresh_ms", 200}, {"nameservers", QJsonArray{m_dns.nameserver()}}})}));
    const QString key = QStringLiteral("dns:%1:%2 @%3").arg(name).arg(farm.port).arg(m_dns.nameserver());
    QTRY_COMPARE_WITH_TIMEOUT(request(running.port, "GET", "/api/users").status, 200, 10'000);

    m_dns.setAddresses(name, {});  // the name no longer exists: NXDOMAIN
    QVERIFY2(m_dns.apply(&error), qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(request(running.port, "GET", "/api/users").status, 503, 10'000);
    const Response refused = request(running.port, "GET", "/api/users");
    QCOMPARE(refused.json().value("error").toString(), QStringLiteral("no_backends"));
    QCOMPARE(backendsReport(running.port).size(), 0);
    const std::map<QString, SourceStatus> statuses = running.service.discovery()->statuses();
    QCOMPARE(statuses.at(key).state, QStringLiteral("empty"));
    QCOMPARE(statuses.at(key).backends, 0);

    m_dns.setAddresses(name, {EchoFarm::address(0)});
    QVERIFY2(m_dns.apply(&error), qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(request(running.port, "GET", "/api/users").status, 200, 10'000);
}

// One SRV target whose own lookup fails (here: a name outside dnsmasq's zone once its hosts entry
// is gone, which dnsmasq refuses) does not hold up the others, and keeps the backends it had; an
// address written as a target, never resolved, is left out.
void TestDiscovery::srvTargetThatFailsKeepsItsBackends()
{
    EchoFarm farm(2);
    QVERIFY(farm.port);
    const QString service = QStringLiteral("_http._tcp.partial.kairos.test");
    const QString outside = QStringLiteral("b3.elsewhere.example");
    m_dns.setAddresses(QStringLiteral("b2.partial.kairos.test"), {EchoFarm::address(0)});
    m_dns.setAddresses(outside, {EchoFarm::address(1)});
    m_dns.setService(service,
                     {{QStringLiteral("b2.partial.kairos.test"), farm.port, 10, 1}, {outside, farm.port, 10, 1}});
    QString error;
    QVERIFY2(m_dns.apply(&error), qPrintable(error));
    RunningService running(serviceConfig(QJsonArray{
        discoverEntry({{"dns_srv", service}, {"refresh_ms", 200}, {"nameservers", QJsonArray{m_dns.nameserver()}}})}));
    const QString key = QStringLiteral("dns_srv:%1 @%2").arg(service, m_dns.nameserver());
    QTRY_COMPARE_WITH_TIMEOUT(sourceOf(running.port, key).value("backends").toInt(), 2, 10'000);

    m_dns.setAddresses(outside, {});
    QVERIFY2(m_dns.apply(&error), qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(
        sourceOf(running.port, key).value("error").toString().contains("lookup failed for " + outside), 10'000);
    const QJsonObject partial = sourceOf(running.port, key);
    QCOMPARE(partial.value("state").toString(), QStringLiteral("ok"));
    QCOMPARE(partial.value("backends").toInt(), 2);
    for (int i = 0; i < 20; ++i)
        QCOMPARE(request(running.port, "GET", "/api/users").status, 200);
    QCOMPARE(farm.served(0), 10);
    QCOMPARE(farm.served(1), 10);

    m_dns.setService(service, {{QStringLiteral("b2.partial.kairos.test"), farm.port, 10, 1},
                               {QStringLiteral("10.0.0.5"), farm.port, 10, 1}});
    QVERIFY2(m_dns.apply(&error), qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(sourceOf(running.port, key).value("error").toString().contains("10.0.0.5"), 10'000);
    QCOMPARE(sourceOf(running.port, key).value("backends").toInt(), 1);
    QCOMPARE(sourceOf(running.port, key).value("state").toString(), QStringLiteral("ok"));
}

// A discovered backend is health-checked as a fixed one is: one that stops answering is marked
// unhealthy and left out while the other takes the traffic.
void TestDiscovery::healthChecksActOnDiscoveredBackends()
{
    EchoFarm farm(2);
    QVERIFY(farm.port);
    const QString name = QStringLiteral("checked.kairos.test");
    m_dns.setAddresses(name, {EchoFarm::address(0), EchoFarm::address(1)});
    QString error;
    QVERIFY2(m_dns.apply(&error), qPrintable(error));
    QJsonObject config = serviceConfig(QJsonArray{discoverEntry(
        {{"dns", name}, {"port", farm.port}, {"refresh_ms", 200}, {"nameservers", QJsonArray{m_dns.nameserver()}}},
        {{"health_check_path", "/health"}})});
    config.insert("health_check",
                  QJsonObject{{"interval_ms", 100}, {"unhealthy_threshold", 1}, {"healthy_threshold", 1}});
    RunningService running(config);
    QTRY_COMPARE_WITH_TIMEOUT(backendsReport(running.port).size(), 2, 10'000);

    farm.backends[1].reset();  // 127.0.0.3 stops listening
    const auto healthOf = [&](const QString &address) {
        for (const QJsonValue &entry : backendsReport(running.port)) {
            if (entry.toObject().value("address").toString() == address)
                return entry.toObject().value("healthy").toBool();
        }
        return true;
    };
    QTRY_VERIFY_WITH_TIMEOUT(!healthOf(QStringLiteral("127.0.0.3")), 10'000);
    QVERIFY(healthOf(QStringLiteral("127.0.0.2")));
    for (int i = 0; i < 20; ++i) {
        const Response response = request(running.port, "GET", "/api/users");
        QCOMPARE(response.status, 200);
        QCOMPARE(response.json().value("backend").toString(), QStringLiteral("b2"));
    }
}

void TestDiscovery::httpsBackendsAreVerifiedByName()
{
    TestCertificates certificates;
    QVERIFY2(certificates.isValid(), qPrintable(certificates.error()));
    QVERIFY(certificates.issueServer("secure", "secure.kairos.test", {"secure.kairos.test"}));
    // The gateway's backend connections trust the test's CA for the length of this case.
    const QSslConfiguration systemDefault = QSslConfiguration::defaultConfiguration();
    QSslConfiguration trusting = systemDefault;
    trusting.addCaCertificates(certificates.caFile());
    QSslConfiguration::setDefaultConfiguration(trusting);
    const auto restore = qScopeGuard([&systemDefault] { QSslConfiguration::setDefaultConfiguration(systemDefault); });

    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    tls.setLocalCertificateChain(QSslCertificate::fromPath(certificates.certFile("secure")));
    QFile key(certificates.keyFile("secure"));
    QVERIFY(key.open(QIODevice::ReadOnly));
    tls.setPrivateKey(QSslKey(key.readAll(), QSsl::Ec));
    QSslServer server;
    server.setSslConfiguration(tls);
    QVERIFY(server.listen(EchoFarm::address(0), 0));
    connect(&server, &QTcpServer::pendingConnectionAvailable, this, [&server] {
        QTcpSocket *socket = server.nextPendingConnection();
        connect(socket, &QTcpSocket::readyRead, socket, [socket] {
            if (socket->readAll().contains("\r\n\r\n"))
                socket->write("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecure");
        });
    });
    // Both names lead to the same address; its certificate names only the first.
    m_dns.setAddresses(QStringLiteral("secure.kairos.test"), {EchoFarm::address(0)});
    m_dns.setAddresses(QStringLiteral("impostor.kairos.test"), {EchoFarm::address(0)});
    QString error;
    QVERIFY2(m_dns.apply(&error), qPrintable(error));
    const auto entry = [this, &server](const char *name) {
        return QJsonArray{discoverEntry({{"dns", QString::fromLatin1(name)},
                                         {"port", server.serverPort()},
                                         {"scheme", "https"},
                                         {"nameservers", QJsonArray{m_dns.nameserver()}}})};
    };
    RunningService running(
        QJsonObject{{"version", 1},
                    {"server", QJsonObject{{"host", "127.0.0.1"}, {"workers", 1}}},
                    {"routers", QJsonArray{routeJson("/secure", "/", entry("secure.kairos.test"), {"GET"}),
                                           routeJson("/impostor", "/", entry("impostor.kairos.test"), {"GET"})}}});
    QTRY_COMPARE_WITH_TIMEOUT(backendsReport(running.port).size(), 2, 10'000);
    const Response secure = request(running.port, "GET", "/secure");
    QCOMPARE(secure.status, 200);
    QCOMPARE(secure.body, QByteArray("secure"));
    // Same address, but the certificate does not name impostor.kairos.test.
    QCOMPARE(request(running.port, "GET", "/impostor").status, 502);
}

QTEST_MAIN(TestDiscovery)
#include "tst_discovery.moc"
