// Discovery from registrations in etcd (docs/DISCOVERY.md): a real etcd on loopback, instances
// registered by `kairos-gateway --register` processes that the tests start, stop and SIGKILL, and
// by etcdctl; a gateway in fleet mode whose route discovers them.
#include "demo/echobackend.h"
#include "discovery/discovery.h"
#include "discovery/serviceregistration.h"
#include "service/gatewayservice.h"
#include "support/etcdcluster.h"
#include "support/testsupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

using namespace kairos;
using namespace kairos::test;

namespace {

constexpr int kLeaseTtlSeconds = 2;  // --register-ttl of the tests' registrars

// Each case's fleet has a prefix of its own in the shared etcd.
QString prefixFor(const QString &service)
{
    return QStringLiteral("/discovery-tests-") + service;
}

// kairos-gateway --register, as an operator would run it beside a service.
class Registrar
{
public:
    Registrar(const QString &etcd, const QString &target)  // target: NAME=URL
    {
        m_process.setProcessChannelMode(QProcess::MergedChannels);
        m_process.start(QStringLiteral(KAIROS_GATEWAY_BINARY),
                        {"--register", target, "--register-ttl", QString::number(kLeaseTtlSeconds), "--etcd", etcd,
                         "--etcd-prefix", prefixFor(target.section(QLatin1Char('='), 0, 0)), "--config",
                         "/nonexistent/config.json"});
        m_process.waitForStarted();
    }
    ~Registrar() { kill(); }
    bool waitRegistered()
    {
        return QTest::qWaitFor([this] { return output().contains("registered "); }, 15'000);
    }
    QByteArray output()
    {
        m_output += m_process.readAll();
        return m_output;
    }
    void kill()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        m_process.kill();  // SIGKILL: no chance to revoke its lease
        m_process.waitForFinished();
    }
    bool terminate()
    {
        m_process.terminate();
        return QTest::qWaitFor([this] { return m_process.state() == QProcess::NotRunning; }, 10'000)
               && m_process.exitCode() == 0;
    }

private:
    QProcess m_process;
    QByteArray m_output;
};

struct FleetGateway {
    // `discover`: the entry's other keys ("scheme", ...).
    FleetGateway(const QString &etcd, const QString &service, QJsonObject discover = {})
    {
        discover.insert("etcd", service);
        const QJsonObject config{
            {"version", 1},
            {"server", QJsonObject{{"host", "127.0.0.1"}, {"workers", 1}}},
            {"cluster", QJsonObject{{"etcd", QJsonObject{{"endpoints", QJsonArray{etcd}},
                                                         {"prefix", prefixFor(service)},
                                                         {"timeout_ms", 1000}}}}},
            {"routers",
             QJsonArray{routeJson("/api/users", "/users", QJsonArray{QJsonObject{{"discover", discover}}}, {"GET"})}}};
        path = dir.filePath("config.json");
        QFile file(path);
        file.open(QIODevice::WriteOnly);
        file.write(QJsonDocument(config).toJson());
        file.close();
        ServiceOptions options;
        options.configPath = path;
        options.listenPort = 0;
        options.accessLog = QStringLiteral("none");
        options.etcdSeed = true;
        QString error;
        started = gateway.start(options, &error);
        if (!started)
            qWarning().noquote() << error;
    }
    quint16 port() const { return gateway.gateway()->serverPort(); }
    QJsonArray report() const { return QJsonDocument::fromJson(request(port(), "GET", "/api/backends").body).array(); }
    int backends() const { return int(report().size()); }
    // What the source left out, "<id or record>: why" (empty before it has backends to show).
    QJsonArray refused() const
    {
        const QJsonArray all = report();
        return all.isEmpty() ? QJsonArray() : all[0].toObject().value("source").toObject().value("refused").toArray();
    }

    QTemporaryDir dir;
    QString path;
    GatewayService gateway;
    bool started = false;
};

}  // namespace

class TestRegistrations : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void parsesRegistrations();
    void registeredInstancesServeAndLeave();
    void refusedRegistrationsAreReported();
    void registrationsCannotChangeTheEntrysScheme();
    void ownListenersAreLeftOutAndIpv6IsBracketed();
    void etcdAwayKeepsTheLastInstances();

private:
    EtcdCluster m_etcd{1};
};

void TestRegistrations::initTestCase()
{
    QVERIFY(m_etcd.start());
}

void TestRegistrations::parsesRegistrations()
{
    QString error;
    const std::optional<ServiceRegistration::Target> target =
        ServiceRegistration::parseTarget("users=http://10.0.0.5:8080", &error);
    QVERIFY2(target, qPrintable(error));
    QCOMPARE(target->service, QStringLiteral("users"));
    QCOMPARE(target->id, QStringLiteral("10.0.0.5:8080"));
    QCOMPARE(target->registration.toJson(), (QJsonObject{{"host", "http://10.0.0.5"}, {"port", 8080}, {"weight", 1}}));
    QCOMPARE(ServiceRegistration::parseTarget("api=https://[::1]:9443", &error)->id, QStringLiteral("[::1]:9443"));
    QCOMPARE(ServiceRegistration::parseTarget("api=10.0.0.5:80", &error)->registration.scheme, QStringLiteral("http"));
    // What every gateway would refuse is refused here too, and nothing is silently dropped.
    for (const char *bad :
         {"users", "=http://10.0.0.5:80", "us/ers=http://10.0.0.5:80", "users=http://db.internal:80",
          "users=http://10.0.0.5", "users=ftp://10.0.0.5:21", "users=http://10.0.0.5:80/path", "..=http://10.0.0.5:80",
          ".=http://10.0.0.5:80", "users=http://0.0.0.0:80", "users=http://224.0.0.1:80",
          "users=http://255.255.255.255:80", "users=http://169.254.169.254:80", "users=http://[fe80::1]:80",
          "users=http://user:pw@10.0.0.5:80", "users=http://10.0.0.5:80#here"})
        QVERIFY2(!ServiceRegistration::parseTarget(QString::fromLatin1(bad), &error), bad);

    QVERIFY(Registration::parse("{\"host\": \"10.0.0.5\", \"port\": 80}", &error));
    QCOMPARE(Registration::parse(
                 "{\"host\": \"https://[::1]\", \"port\": 443, \"weight\": 5, \"metadata\": {\"zone\": \"a\"}}", &error)
                 ->toJson(),
             (QJsonObject{
                 {"host", "https://[::1]"}, {"port", 443}, {"weight", 5}, {"metadata", QJsonObject{{"zone", "a"}}}}));
    for (const char *bad :
         {"{\"host\": \"users.internal\", \"port\": 80}", "{\"host\": \"10.0.0.5\", \"port\": 0}",
          "{\"host\": \"10.0.0.5\", \"port\": 80.5}", "{\"host\": \"10.0.0.5\", \"port\": 80, \"weight\": 0}",
          "{\"host\": \"gopher://10.0.0.5\", \"port\": 80}", "{\"host\": \"0.0.0.0\", \"port\": 80}",
          "{\"host\": \"[::]\", \"port\": 80}", "{\"host\": \"224.0.0.1\", \"port\": 80}",
          "{\"host\": \"169.254.169.254\", \"port\": 80}", "{\"host\": \"[::ffff:169.254.169.254]\", \"port\": 80}",
          "{\"host\": \"::ffff:0.0.0.0\", \"port\": 80}", "[1, 2]", "not json"})
        QVERIFY2(!Registration::parse(bad, &error), bad);
}

void TestRegistrations::registeredInstancesServeAndLeave()
{
    EchoBackend first(QStringLiteral("first"));
    EchoBackend second(QStringLiteral("second"));
    QVERIFY(first.listen(QHostAddress(QStringLiteral("127.0.0.2"))));
    QVERIFY(second.listen(QHostAddress(QStringLiteral("127.0.0.3"))));
    const QString etcd = m_etcd.endpoints().first();
    FleetGateway fleet(etcd, QStringLiteral("users"));
    QVERIFY(fleet.started);
    QCOMPARE(request(fleet.port(), "GET", "/api/users").json().value("error").toString(),
             QStringLiteral("no_backends"));

    Registrar killed(etcd, QStringLiteral("users=http://127.0.0.2:%1").arg(first.port()));
    Registrar stopped(etcd, QStringLiteral("users=127.0.0.3:%1").arg(second.port()));
    QVERIFY2(killed.waitRegistered(), killed.output().constData());
    QVERIFY2(stopped.waitRegistered(), stopped.output().constData());
    QTRY_COMPARE_WITH_TIMEOUT(fleet.backends(), 2, 10'000);
    for (int i = 0; i < 20; ++i)
        QCOMPARE(request(fleet.port(), "GET", "/api/users").status, 200);
    QVERIFY(first.requestsServed() >= 5 && second.requestsServed() >= 5);
    const QJsonObject source = QJsonDocument::fromJson(request(fleet.port(), "GET", "/api/backends").body)
                                   .array()[0]
                                   .toObject()
                                   .value("source")
                                   .toObject();
    QCOMPARE(source.value("kind").toString(), QStringLiteral("etcd"));
    QCOMPARE(source.value("state").toString(), QStringLiteral("ok"));
    QVERIFY(source.value("record").toString().startsWith("instance 127.0.0."));
    QCOMPARE(m_etcd.get("/discovery-tests-users/services/users/").size(), size_t(2));

    // SIGKILL: the instance stays registered until its lease runs out, then leaves by itself:
    // within the TTL of its last renewal, and etcd's expiry check and the watch after it.
    QElapsedTimer sinceKill;
    sinceKill.start();
    killed.kill();
    QTRY_COMPARE_WITH_TIMEOUT(fleet.backends(), 1, (kLeaseTtlSeconds + 5) * 1000);
    qInfo() << "left the group" << sinceKill.elapsed() << "ms after SIGKILL";
    QVERIFY2(sinceKill.elapsed() < kLeaseTtlSeconds * 1000 + 2000, qPrintable(QString::number(sinceKill.elapsed())));
    for (int i = 0; i < 10; ++i)
        QCOMPARE(request(fleet.port(), "GET", "/api/users").json().value("backend").toString(),
                 QStringLiteral("second"));

    // A clean stop revokes the lease: the instance leaves at once (well within the TTL).
    QVERIFY(stopped.terminate());
    QVERIFY(stopped.output().contains("stopped registering"));
    QCOMPARE(m_etcd.get("/discovery-tests-users/services/users/").size(), size_t(0));
    QTRY_COMPARE_WITH_TIMEOUT(request(fleet.port(), "GET", "/api/users").status, 503, 5'000);
    QCOMPARE(request(fleet.port(), "GET", "/api/users").json().value("error").toString(),
             QStringLiteral("no_backends"));
}

void TestRegistrations::refusedRegistrationsAreReported()
{
    EchoBackend backend(QStringLiteral("good"));
    QVERIFY(backend.listen(QHostAddress(QStringLiteral("127.0.0.2"))));
    const QString etcd = m_etcd.endpoints().first();
    FleetGateway fleet(etcd, QStringLiteral("orders"));
    QVERIFY(fleet.started);
    const QString good = QStringLiteral("{\"host\": \"127.0.0.2\", \"port\": %1, \"weight\": 2}").arg(backend.port());
    QCOMPARE(m_etcd.ctl({"put", "/discovery-tests-orders/services/orders/good", good}).exitCode, 0);
    // A name (the gateway does not resolve on the request path) and a broken value: both left out.
    QCOMPARE(m_etcd
                 .ctl({"put", "/discovery-tests-orders/services/orders/named",
                       "{\"host\": \"orders.internal\", \"port\": 80}"})
                 .exitCode,
             0);
    QCOMPARE(m_etcd.ctl({"put", "/discovery-tests-orders/services/orders/broken", "{"}).exitCode, 0);
    QTRY_COMPARE_WITH_TIMEOUT(fleet.backends(), 1, 10'000);
    QCOMPARE(request(fleet.port(), "GET", "/api/users").json().value("backend").toString(), QStringLiteral("good"));
    const QJsonArray report = QJsonDocument::fromJson(request(fleet.port(), "GET", "/api/backends").body).array();
    QCOMPARE(report[0].toObject().value("host").toString(), QStringLiteral("http://127.0.0.2"));
    QCOMPARE(report[0].toObject().value("weight").toInt(), 2);
    const auto refusedNow = [&fleet] {
        return QJsonDocument::fromJson(request(fleet.port(), "GET", "/api/backends").body)
            .array()[0]
            .toObject()
            .value("source")
            .toObject()
            .value("refused")
            .toArray();
    };
    QTRY_COMPARE_WITH_TIMEOUT(refusedNow().size(), 2, 10'000);
    const QJsonArray refused = refusedNow();
    QVERIFY(refused[0].toString().startsWith("broken: not a JSON object"));
    QVERIFY(refused[1].toString().startsWith("named: host must be a unicast, non-link-local IP address"));
    QCOMPARE(m_etcd.ctl({"del", "/discovery-tests-orders/services/orders/", "--prefix"}).exitCode, 0);
    QTRY_COMPARE_WITH_TIMEOUT(fleet.backends(), 0, 10'000);
}

// An https entry's connections are never cleartext: a registration naming http:// is left out,
// one naming no scheme is reached over https.
void TestRegistrations::registrationsCannotChangeTheEntrysScheme()
{
    const QString etcd = m_etcd.endpoints().first();
    FleetGateway fleet(etcd, QStringLiteral("secure"), QJsonObject{{"scheme", "https"}});
    QVERIFY(fleet.started);
    const QString prefix = prefixFor("secure") + "/services/secure/";
    QCOMPARE(m_etcd.ctl({"put", prefix + "plain", "{\"host\": \"http://127.0.0.2\", \"port\": 8080}"}).exitCode, 0);
    QCOMPARE(m_etcd.ctl({"put", prefix + "tls", "{\"host\": \"127.0.0.3\", \"port\": 8443}"}).exitCode, 0);
    QTRY_COMPARE_WITH_TIMEOUT(fleet.refused().size(), 1, 10'000);
    QCOMPARE(fleet.refused()[0].toString(),
             QStringLiteral("plain: host names http://, the discover entry's scheme is https"));
    const QJsonArray report = fleet.report();
    QCOMPARE(report.size(), 1);
    QCOMPARE(report[0].toObject().value("backend").toString(), QStringLiteral("https://127.0.0.3:8443 (127.0.0.3)"));
}

// A registration naming the gateway's own listener would reach the admin API from loopback: left
// out. An IPv6 registration is reached with a bracketed Host.
void TestRegistrations::ownListenersAreLeftOutAndIpv6IsBracketed()
{
    EchoBackend v6(QStringLiteral("v6"));
    if (!v6.listen(QHostAddress(QHostAddress::LocalHostIPv6)))
        QSKIP("no IPv6 loopback here");
    const QString etcd = m_etcd.endpoints().first();
    FleetGateway fleet(etcd, QStringLiteral("mixed"));
    QVERIFY(fleet.started);
    const QString prefix = prefixFor("mixed") + "/services/mixed/";
    const QString self = QStringLiteral("{\"host\": \"127.0.0.1\", \"port\": %1}").arg(fleet.port());
    QCOMPARE(m_etcd.ctl({"put", prefix + "self", self}).exitCode, 0);
    const QString ipv6 = QStringLiteral("{\"host\": \"[::1]\", \"port\": %1}").arg(v6.port());
    QCOMPARE(m_etcd.ctl({"put", prefix + "v6", ipv6}).exitCode, 0);
    QTRY_COMPARE_WITH_TIMEOUT(fleet.backends(), 1, 10'000);
    QTRY_COMPARE_WITH_TIMEOUT(fleet.refused().size(), 1, 10'000);
    QVERIFY2(fleet.refused()[0].toString().contains(QStringLiteral("is this gateway's own listener")),
             qPrintable(fleet.refused()[0].toString()));
    for (int i = 0; i < 5; ++i) {
        const Response response = request(fleet.port(), "GET", "/api/users");
        QCOMPARE(response.status, 200);
        QCOMPARE(response.json().value("backend").toString(), QStringLiteral("v6"));
        QString host;
        for (const QJsonValue &field : response.json().value("headers").toArray()) {
            if (field.toArray()[0].toString().compare("host", Qt::CaseInsensitive) == 0)
                host = field.toArray()[1].toString();
        }
        QCOMPARE(host, QStringLiteral("[::1]:%1").arg(v6.port()));
    }
}

// etcd going away is a failure, not an empty service: the instances known last keep serving.
void TestRegistrations::etcdAwayKeepsTheLastInstances()
{
    EchoBackend backend(QStringLiteral("kept"));
    QVERIFY(backend.listen(QHostAddress(QStringLiteral("127.0.0.2"))));
    FleetGateway fleet(m_etcd.endpoints().first(), QStringLiteral("kept"));
    QVERIFY(fleet.started);
    const QString registration = QStringLiteral("{\"host\": \"127.0.0.2\", \"port\": %1}").arg(backend.port());
    QCOMPARE(m_etcd.ctl({"put", prefixFor("kept") + "/services/kept/one", registration}).exitCode, 0);
    QTRY_COMPARE_WITH_TIMEOUT(fleet.backends(), 1, 10'000);
    const auto state = [&fleet] {
        const QJsonArray report = fleet.report();
        return report.isEmpty() ? QString() : report[0].toObject().value("source").toObject().value("state").toString();
    };

    m_etcd.member(0).stop();
    QTRY_COMPARE_WITH_TIMEOUT(state(), QStringLiteral("failed"), 15'000);
    for (int i = 0; i < 10; ++i)
        QCOMPARE(request(fleet.port(), "GET", "/api/users").json().value("backend").toString(), QStringLiteral("kept"));
    QVERIFY(m_etcd.restart(0));
    QTRY_COMPARE_WITH_TIMEOUT(state(), QStringLiteral("ok"), 15'000);
    QCOMPARE(fleet.backends(), 1);
}

QTEST_MAIN(TestRegistrations)
#include "tst_registrations.moc"
