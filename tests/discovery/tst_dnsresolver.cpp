// DnsResolver against a real DNS server: Debian's dnsmasq, started by the test on 127.0.0.1
// (tests/support/dnsmasqserver.h), serving records the test writes.
#include "discovery/dnsresolver.h"
#include "support/dnsmasqserver.h"

#include <QPointer>
#include <QUdpSocket>
#include <QtTest>

#include <memory>
#include <optional>

using namespace kairos;
using kairos::test::DnsmasqServer;

namespace {

// Generous: lookups here take milliseconds, and no test measures how long they take.
constexpr int kResolverTimeoutMs = 3000;
constexpr int kWaitMs = 20000;

using Result = std::shared_ptr<std::optional<DnsAnswer>>;

Result lookupAddresses(DnsResolver &resolver, const QString &name)
{
    auto result = std::make_shared<std::optional<DnsAnswer>>();
    resolver.lookupAddresses(name, [result](const DnsAnswer &answer) { *result = answer; });
    (void)QTest::qWaitFor([&] { return result->has_value(); }, kWaitMs);  // the caller checks
    return result;
}

Result lookupService(DnsResolver &resolver, const QString &name)
{
    auto result = std::make_shared<std::optional<DnsAnswer>>();
    resolver.lookupService(name, [result](const DnsAnswer &answer) { *result = answer; });
    (void)QTest::qWaitFor([&] { return result->has_value(); }, kWaitMs);  // the caller checks
    return result;
}

QList<QHostAddress> addressesOf(const DnsAnswer &answer)
{
    QList<QHostAddress> addresses;
    for (const DnsRecord &record : answer.records)
        addresses.append(record.address);
    return addresses;
}

// A UDP port nobody listens on: queries sent there are refused (ICMP port unreachable).
quint16 closedPort()
{
    QUdpSocket socket;
    socket.bind(QHostAddress::LocalHost, 0);
    return socket.localPort();
}

}  // namespace

class TestDnsResolver : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<DnsmasqServer> m_dns;

    bool serve(const std::function<void(DnsmasqServer &)> &records)
    {
        records(*m_dns);
        QString error;
        if (!m_dns->apply(&error))
            qWarning().noquote() << error;
        return error.isEmpty();
    }

private slots:
    void init()
    {
        m_dns = std::make_unique<DnsmasqServer>();
        QString error;
        QVERIFY2(m_dns->start(&error), qPrintable(error));
    }

    void cleanup() { m_dns.reset(); }

    void aRecords()
    {
        QVERIFY(serve([](DnsmasqServer &dns) {
            dns.setAddresses("web.test",
                             {QHostAddress("10.0.0.3"), QHostAddress("10.0.0.1"), QHostAddress("10.0.0.2")});
        }));
        DnsResolver resolver({m_dns->nameserver()}, kResolverTimeoutMs);
        QVERIFY(resolver.isValid());
        const Result answer = lookupAddresses(resolver, "web.test");
        QVERIFY(answer->has_value());
        QCOMPARE((*answer)->status, DnsAnswer::Status::Records);
        QCOMPARE(addressesOf(**answer),
                 (QList<QHostAddress>{QHostAddress("10.0.0.1"), QHostAddress("10.0.0.2"), QHostAddress("10.0.0.3")}));
        for (const DnsRecord &record : (*answer)->records) {
            QCOMPARE(record.target, QString("web.test"));
            QCOMPARE(record.port, quint16(0));
        }
        QVERIFY((*answer)->error.isEmpty());
    }

    void aaaaRecords()
    {
        QVERIFY(serve([](DnsmasqServer &dns) {
            dns.setAddresses("six.test", {QHostAddress("2001:db8::2"), QHostAddress("::1")});
        }));
        DnsResolver resolver({m_dns->nameserver()}, kResolverTimeoutMs);
        const Result answer = lookupAddresses(resolver, "six.test");
        QVERIFY(answer->has_value());
        QCOMPARE((*answer)->status, DnsAnswer::Status::Records);
        QCOMPARE(addressesOf(**answer), (QList<QHostAddress>{QHostAddress("::1"), QHostAddress("2001:db8::2")}));
    }

    void aAndAaaaRecords()
    {
        QVERIFY(serve([](DnsmasqServer &dns) {
            dns.setAddresses("both.test", {QHostAddress("2001:db8::7"), QHostAddress("192.0.2.7")});
        }));
        DnsResolver resolver({m_dns->nameserver()}, kResolverTimeoutMs);
        const Result answer = lookupAddresses(resolver, "both.test");
        QVERIFY(answer->has_value());
        QCOMPARE((*answer)->status, DnsAnswer::Status::Records);
        // IPv4 first, then IPv6: the order does not depend on which answer came first.
        QCOMPARE(addressesOf(**answer), (QList<QHostAddress>{QHostAddress("192.0.2.7"), QHostAddress("2001:db8::7")}));

        // The same records give an equal answer; a trailing dot asks the same name.
        const Result again = lookupAddresses(resolver, "both.test.");
        QVERIFY(again->has_value());
        QCOMPARE(**again, **answer);
    }

    void ttlAsConfigured()
    {
        QVERIFY(serve([](DnsmasqServer &dns) {
            dns.setTtl(42);
            dns.setAddresses("web.test", {QHostAddress("10.0.0.1"), QHostAddress("2001:db8::1")});
            dns.setService("_http._tcp.web.test", {{"web.test", 8080, 1, 1}});
        }));
        DnsResolver resolver({m_dns->nameserver()}, kResolverTimeoutMs);
        const Result addresses = lookupAddresses(resolver, "web.test");
        QVERIFY(addresses->has_value());
        QCOMPARE((*addresses)->ttlSeconds, 42u);
        for (const DnsRecord &record : (*addresses)->records)
            QCOMPARE(record.ttlSeconds, 42u);
        const Result service = lookupService(resolver, "_http._tcp.web.test");
        QVERIFY(service->has_value());
        QCOMPARE((*service)->status, DnsAnswer::Status::Records);
        QCOMPARE((*service)->ttlSeconds, 42u);
        QCOMPARE((*service)->records.size(), 2);
    }

    void nxdomainIsNoRecords()
    {
        DnsResolver resolver({m_dns->nameserver()}, kResolverTimeoutMs);
        const Result addresses = lookupAddresses(resolver, "missing.test");
        QVERIFY(addresses->has_value());
        QCOMPARE((*addresses)->status, DnsAnswer::Status::NoRecords);
        QCOMPARE((*addresses)->error, QString("NXDOMAIN"));
        QVERIFY((*addresses)->records.isEmpty());
        QCOMPARE((*addresses)->ttlSeconds, 0u);
        const Result service = lookupService(resolver, "_http._tcp.missing.test");
        QVERIFY(service->has_value());
        QCOMPARE((*service)->status, DnsAnswer::Status::NoRecords);
        QCOMPARE((*service)->error, QString("NXDOMAIN"));
    }

    void serviceRecords()
    {
        QVERIFY(serve([](DnsmasqServer &dns) {
            dns.setAddresses("a.test", {QHostAddress("10.0.1.2"), QHostAddress("10.0.1.1")});
            dns.setAddresses("b.test", {QHostAddress("2001:db8::b")});
            dns.setService("_api._tcp.svc.test",
                           {{"b.test", 9090, 20, 5}, {"a.test", 8080, 10, 60}, {"a.test", 8081, 10, 40}});
        }));
        DnsResolver resolver({m_dns->nameserver()}, kResolverTimeoutMs);
        const Result answer = lookupService(resolver, "_api._tcp.svc.test");
        QVERIFY(answer->has_value());
        QCOMPARE((*answer)->status, DnsAnswer::Status::Records);
        QVERIFY2((*answer)->error.isEmpty(), qPrintable((*answer)->error));
        const QList<DnsRecord> expected = {
            {QHostAddress("10.0.1.1"), 8081, 10, 40, "a.test", 0},
            {QHostAddress("10.0.1.2"), 8081, 10, 40, "a.test", 0},
            {QHostAddress("10.0.1.1"), 8080, 10, 60, "a.test", 0},
            {QHostAddress("10.0.1.2"), 8080, 10, 60, "a.test", 0},
            {QHostAddress("2001:db8::b"), 9090, 20, 5, "b.test", 0},
        };
        QCOMPARE((*answer)->records, expected);
    }

    void serviceTargetWithoutAddressIsLeftOut()
    {
        QVERIFY(serve([](DnsmasqServer &dns) {
            dns.setAddresses("a.test", {QHostAddress("10.0.1.1")});
            dns.setService("_api._tcp.svc.test", {{"a.test", 8080, 10, 10}, {"gone.test", 8080, 10, 10}});
            dns.setService("_api._tcp.none.test", {{"gone.test", 8080, 10, 10}});
        }));
        DnsResolver resolver({m_dns->nameserver()}, kResolverTimeoutMs);
        const Result some = lookupService(resolver, "_api._tcp.svc.test");
        QVERIFY(some->has_value());
        QCOMPARE((*some)->status, DnsAnswer::Status::Records);
        QCOMPARE(addressesOf(**some), QList<QHostAddress>{QHostAddress("10.0.1.1")});
        QVERIFY2((*some)->error.contains("gone.test"), qPrintable((*some)->error));
        const Result none = lookupService(resolver, "_api._tcp.none.test");
        QVERIFY(none->has_value());
        QCOMPARE((*none)->status, DnsAnswer::Status::NoRecords);
        QVERIFY2((*none)->error.contains("gone.test"), qPrintable((*none)->error));
    }

    void nameWithoutSrvIsNoRecords()
    {
        QVERIFY(serve([](DnsmasqServer &dns) { dns.setAddresses("plain.test", {QHostAddress("10.0.0.1")}); }));
        DnsResolver resolver({m_dns->nameserver()}, kResolverTimeoutMs);
        const Result answer = lookupService(resolver, "plain.test");
        QVERIFY(answer->has_value());
        QCOMPARE((*answer)->status, DnsAnswer::Status::NoRecords);
        QCOMPARE((*answer)->error, QString("no SRV records"));
        // And the other way around: a name with SRV records only has no addresses.
        QVERIFY(serve([](DnsmasqServer &dns) { dns.setService("_x._tcp.plain.test", {{"plain.test", 80, 0, 0}}); }));
        const Result addresses = lookupAddresses(resolver, "_x._tcp.plain.test");
        QVERIFY(addresses->has_value());
        QCOMPARE((*addresses)->status, DnsAnswer::Status::NoRecords);
    }

    void serviceNotAvailable()
    {
        QVERIFY(serve([](DnsmasqServer &dns) { dns.setService("_api._tcp.off.test", {{".", 0, 0, 0}}); }));
        DnsResolver resolver({m_dns->nameserver()}, kResolverTimeoutMs);
        const Result answer = lookupService(resolver, "_api._tcp.off.test");
        QVERIFY(answer->has_value());
        QCOMPARE((*answer)->status, DnsAnswer::Status::NoRecords);
        QVERIFY2((*answer)->error.contains("not available"), qPrintable((*answer)->error));
    }

    void stoppedServerFails()
    {
        QVERIFY(serve([](DnsmasqServer &dns) { dns.setAddresses("web.test", {QHostAddress("10.0.0.1")}); }));
        DnsResolver resolver({m_dns->nameserver()}, kResolverTimeoutMs);
        const Result before = lookupAddresses(resolver, "web.test");
        QVERIFY(before->has_value());
        QCOMPARE((*before)->status, DnsAnswer::Status::Records);

        m_dns->stop();
        const Result addresses = lookupAddresses(resolver, "web.test");
        QVERIFY(addresses->has_value());
        QCOMPARE((*addresses)->status, DnsAnswer::Status::Failed);
        QVERIFY2((*addresses)->error.contains(m_dns->nameserver()), qPrintable((*addresses)->error));
        QVERIFY((*addresses)->records.isEmpty());
        const Result service = lookupService(resolver, "_http._tcp.web.test");
        QVERIFY(service->has_value());
        QCOMPARE((*service)->status, DnsAnswer::Status::Failed);
        QVERIFY2((*service)->error.contains(m_dns->nameserver()), qPrintable((*service)->error));

        QVERIFY(m_dns->restart());
        const Result after = lookupAddresses(resolver, "web.test");
        QVERIFY(after->has_value());
        QCOMPARE((*after)->status, DnsAnswer::Status::Records);
    }

    // A server that takes the query and never answers: the lookup fails by its timeout.
    void silentServerTimesOut()
    {
        QUdpSocket silent;
        QVERIFY(silent.bind(QHostAddress::LocalHost, 0));
        const QString nameserver = QString("127.0.0.1:%1").arg(silent.localPort());
        DnsResolver resolver({nameserver}, 500);
        const Result answer = lookupAddresses(resolver, "web.test");
        QVERIFY(answer->has_value());
        QCOMPARE((*answer)->status, DnsAnswer::Status::Failed);
        QCOMPARE((*answer)->error, QString("timeout: %1").arg(nameserver));
    }

    void rewriteSeenOnNextLookup()
    {
        QVERIFY(serve([](DnsmasqServer &dns) {
            dns.setAddresses("web.test", {QHostAddress("10.0.0.1")});
            dns.setAddresses("a.test", {QHostAddress("10.0.1.1")});
            dns.setAddresses("b.test", {QHostAddress("10.0.2.1")});
            dns.setService("_api._tcp.svc.test", {{"a.test", 8080, 0, 0}});
        }));
        DnsResolver resolver({m_dns->nameserver()}, kResolverTimeoutMs);
        const Result first = lookupAddresses(resolver, "web.test");
        QVERIFY(first->has_value());
        QCOMPARE(addressesOf(**first), QList<QHostAddress>{QHostAddress("10.0.0.1")});
        const Result firstService = lookupService(resolver, "_api._tcp.svc.test");
        QVERIFY(firstService->has_value());
        QCOMPARE(addressesOf(**firstService), QList<QHostAddress>{QHostAddress("10.0.1.1")});

        // Addresses only: dnsmasq reads its hosts file again.
        QVERIFY(serve([](DnsmasqServer &dns) { dns.setAddresses("web.test", {QHostAddress("10.0.0.9")}); }));
        const Result second = lookupAddresses(resolver, "web.test");
        QVERIFY(second->has_value());
        QCOMPARE(addressesOf(**second), QList<QHostAddress>{QHostAddress("10.0.0.9")});

        // SRV records: dnsmasq starts again with them.
        QVERIFY(serve([](DnsmasqServer &dns) { dns.setService("_api._tcp.svc.test", {{"b.test", 8080, 0, 0}}); }));
        const Result secondService = lookupService(resolver, "_api._tcp.svc.test");
        QVERIFY(secondService->has_value());
        QCOMPARE(addressesOf(**secondService), QList<QHostAddress>{QHostAddress("10.0.2.1")});

        // Removed: no records, not a failure.
        QVERIFY(serve([](DnsmasqServer &dns) { dns.setAddresses("web.test", {}); }));
        const Result third = lookupAddresses(resolver, "web.test");
        QVERIFY(third->has_value());
        QCOMPARE((*third)->status, DnsAnswer::Status::NoRecords);
    }

    void firstNameserverDeadSecondAnswers()
    {
        QVERIFY(serve([](DnsmasqServer &dns) { dns.setAddresses("web.test", {QHostAddress("10.0.0.1")}); }));
        {
            DnsResolver refusing({QString("127.0.0.1:%1").arg(closedPort()), m_dns->nameserver()}, kResolverTimeoutMs);
            const Result answer = lookupAddresses(refusing, "web.test");
            QVERIFY(answer->has_value());
            QCOMPARE((*answer)->status, DnsAnswer::Status::Records);
            QCOMPARE(addressesOf(**answer), QList<QHostAddress>{QHostAddress("10.0.0.1")});
        }
        {
            QUdpSocket silent;
            QVERIFY(silent.bind(QHostAddress::LocalHost, 0));
            DnsResolver timingOut({QString("127.0.0.1:%1").arg(silent.localPort()), m_dns->nameserver()},
                                  kResolverTimeoutMs);
            const Result answer = lookupAddresses(timingOut, "web.test");
            QVERIFY(answer->has_value());
            QCOMPARE((*answer)->status, DnsAnswer::Status::Records);
        }
    }

    void invalidNameservers_data()
    {
        QTest::addColumn<QString>("nameserver");
        QTest::newRow("name") << "dns.example";
        QTest::newRow("port too large") << "127.0.0.1:65536";
        QTest::newRow("port zero") << "127.0.0.1:0";
        QTest::newRow("empty port") << "127.0.0.1:";
        QTest::newRow("unclosed bracket") << "[::1:53";
        QTest::newRow("text after bracket") << "[::1]53";
        QTest::newRow("empty") << "";
    }

    void invalidNameservers()
    {
        QFETCH(QString, nameserver);
        DnsResolver resolver({m_dns->nameserver(), nameserver}, kResolverTimeoutMs);
        QString error;
        QVERIFY(!resolver.isValid(&error));
        QVERIFY2(error.contains(QString("\"%1\"").arg(nameserver)), qPrintable(error));
        const Result answer = lookupAddresses(resolver, "web.test");
        QVERIFY(answer->has_value());
        QCOMPARE((*answer)->status, DnsAnswer::Status::Failed);
        QCOMPARE((*answer)->error, error);
    }

    void validNameservers()
    {
        DnsResolver resolver({"127.0.0.1:5353", "[::1]:5353", "10.0.0.2", "::1"}, kResolverTimeoutMs);
        QString error;
        QVERIFY2(resolver.isValid(&error), qPrintable(error));
        QCOMPARE(resolver.nameserverText(), QString("127.0.0.1:5353, [::1]:5353, 10.0.0.2:53, [::1]:53"));
        // The system's nameservers (/etc/resolv.conf), whatever they are.
        DnsResolver system({}, kResolverTimeoutMs);
        QVERIFY2(system.isValid(&error), qPrintable(error));
        QVERIFY(!system.nameserverText().isEmpty());
    }

    void invalidName()
    {
        DnsResolver resolver({m_dns->nameserver()}, kResolverTimeoutMs);
        const Result empty = lookupAddresses(resolver, "");
        QVERIFY(empty->has_value());
        QCOMPARE((*empty)->status, DnsAnswer::Status::Failed);
        const Result emptyLabel = lookupService(resolver, "a..test");
        QVERIFY(emptyLabel->has_value());
        QCOMPARE((*emptyLabel)->status, DnsAnswer::Status::Failed);
    }

    // ~DnsResolver with lookups in flight: their callbacks never run (and ASan sees no use after
    // free of what they captured).
    void destroyedWithLookupsPending()
    {
        QVERIFY(serve([](DnsmasqServer &dns) {
            dns.setAddresses("web.test", {QHostAddress("10.0.0.1")});
            dns.setService("_api._tcp.web.test", {{"web.test", 80, 0, 0}});
        }));
        QUdpSocket silent;
        QVERIFY(silent.bind(QHostAddress::LocalHost, 0));
        auto calls = std::make_shared<int>(0);
        {
            DnsResolver answering({m_dns->nameserver()}, kResolverTimeoutMs);
            DnsResolver timingOut({QString("127.0.0.1:%1").arg(silent.localPort())}, 200);
            for (DnsResolver *resolver : {&answering, &timingOut}) {
                resolver->lookupAddresses("web.test", [calls](const DnsAnswer &) { ++*calls; });
                resolver->lookupService("_api._tcp.web.test", [calls](const DnsAnswer &) { ++*calls; });
            }
        }
        // A lookup made after both resolvers are gone: by its answer, anything they could still
        // have delivered would have come (the silent server's lookups had a shorter timeout).
        DnsResolver control({m_dns->nameserver()}, kResolverTimeoutMs);
        const Result answer = lookupService(control, "_api._tcp.web.test");
        QVERIFY(answer->has_value());
        QCOMPARE(*calls, 0);
    }

    // `done` may destroy the resolver; the other lookups then never call back.
    void destroyedFromCallback()
    {
        QVERIFY(serve([](DnsmasqServer &dns) { dns.setAddresses("web.test", {QHostAddress("10.0.0.1")}); }));
        auto resolver = new DnsResolver({m_dns->nameserver()}, kResolverTimeoutMs);
        QPointer<DnsResolver> guard(resolver);
        auto calls = std::make_shared<int>(0);
        for (int i = 0; i < 4; ++i) {
            resolver->lookupAddresses("web.test", [calls, resolver](const DnsAnswer &answer) {
                QCOMPARE(answer.status, DnsAnswer::Status::Records);
                ++*calls;
                delete resolver;
            });
        }
        QTRY_VERIFY_WITH_TIMEOUT(guard.isNull(), kWaitMs);
        DnsResolver control({m_dns->nameserver()}, kResolverTimeoutMs);
        const Result answer = lookupAddresses(control, "web.test");
        QVERIFY(answer->has_value());
        QCOMPARE(*calls, 1);
    }
};

QTEST_MAIN(TestDnsResolver)
#include "tst_dnsresolver.moc"
