// The traffic inspector's breakpoints on real sockets: requests and responses held, edited,
// answered, timed out, and abandoned by their client.
#include "demo/echobackend.h"
#include "proxy/breakpoints.h"
#include "support/testsupport.h"

#include <QtTest>

using namespace kairos;
using namespace kairos::test;

class TestBreakpoints : public QObject
{
    Q_OBJECT

private:
    EchoBackend *m_echo = nullptr;
    Breakpoints *m_breakpoints = nullptr;
    std::unique_ptr<Gateway> m_gateway;

    quint16 startGateway()
    {
        m_gateway = std::make_unique<Gateway>(
            makeConfig({routeJson("/api/{*rest}", "/{rest}", {backendJson(m_echo->port())})}));
        m_gateway->setBreakpoints(m_breakpoints);
        QString error;
        if (!m_gateway->listen(QHostAddress::LocalHost, 0, &error))
            qFatal("gateway cannot listen: %s", qPrintable(error));
        return m_gateway->serverPort();
    }

    static Breakpoints::Rule rule(bool requests, bool responses, const QByteArray &method = {})
    {
        Breakpoints::Rule rule;
        rule.requests = requests;
        rule.responses = responses;
        rule.method = method;
        rule.pathContains = QStringLiteral("/api/");
        return rule;
    }

    // The one message waiting, once it is there.
    Breakpoints::Message waitForHeld()
    {
        if (!QTest::qWaitFor([this] { return m_breakpoints->waiting().size() == 1; }, 5000))
            return {};
        return m_breakpoints->waiting().first();
    }

private slots:
    void init()
    {
        m_echo = new EchoBackend("echo", this);
        QVERIFY(m_echo->listen());
        m_breakpoints = new Breakpoints;
    }

    void cleanup()
    {
        m_gateway.reset();
        delete m_breakpoints;
        delete m_echo;
    }

    void heldRequestIsEditedBeforeItLeaves()
    {
        m_breakpoints->setRules({rule(true, false)});
        RawClient client(startGateway());
        client.send("POST /api/items?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nX-Keep: 1\r\n\r\nhello");
        const Breakpoints::Message held = waitForHeld();
        QCOMPARE(held.method, QByteArray("POST"));
        QCOMPARE(held.target, QByteArray("/items?x=1"));  // what the backend would be asked for
        QCOMPARE(held.body, QByteArray("hello"));
        QVERIFY(held.bodyComplete);
        QCOMPARE(held.route, QStringLiteral("/api/{*rest}"));
        QCOMPARE(m_echo->requestsServed(), 0);

        Breakpoints::Decision decision;
        decision.action = Breakpoints::Action::ContinueEdited;
        decision.edited = held;
        decision.edited.method = "PUT";
        decision.edited.target = "/edited?y=2";
        decision.edited.headers.add("X-Edited", "yes");
        decision.edited.body = "a longer body";
        QVERIFY(m_breakpoints->decide(held.id, decision));
        const Response response = client.readOne();
        QCOMPARE(response.status, 200);
        const QJsonObject echo = response.json();
        QCOMPARE(echo["method"].toString(), QStringLiteral("PUT"));
        QCOMPARE(echo["target"].toString(), QStringLiteral("/edited?y=2"));
        QCOMPARE(echo["body"].toString(), QStringLiteral("a longer body"));
        QCOMPARE(upstreamHeaderValues(response.body, "x-edited"), QList<QByteArray>{"yes"});
        QCOMPARE(upstreamHeaderValues(response.body, "x-keep"), QList<QByteArray>{"1"});
        QCOMPARE(upstreamHeaderValues(response.body, "content-length"), QList<QByteArray>{"13"});
        QVERIFY(m_breakpoints->waiting().isEmpty());
    }

    void heldResponseIsEditedBeforeTheClientSeesIt()
    {
        m_breakpoints->setRules({rule(false, true)});
        RawClient client(startGateway());
        client.send("GET /api/items HTTP/1.1\r\nHost: a\r\n\r\n");
        const Breakpoints::Message held = waitForHeld();
        QVERIFY(held.response);
        QCOMPARE(held.status, 200);
        QVERIFY(held.body.contains("\"target\":\"/items\""));
        QCOMPARE(m_echo->requestsServed(), 1);  // the backend answered; the client waits
        Breakpoints::Decision decision;
        decision.action = Breakpoints::Action::ContinueEdited;
        decision.edited = held;
        decision.edited.status = 418;
        decision.edited.headers = {};
        decision.edited.headers.add("X-Changed", "1");
        decision.edited.body = "teapot";
        QVERIFY(m_breakpoints->decide(held.id, decision));
        const Response response = client.readOne();
        QCOMPARE(response.status, 418);
        QCOMPARE(response.body, QByteArray("teapot"));
        QCOMPARE(response.headers.value("x-changed"), QByteArray("1"));
        QCOMPARE(response.headers.value("content-length"), QByteArray("6"));
        // The connection goes on with the next request.
        client.send("GET /api/next HTTP/1.1\r\nHost: a\r\n\r\n");
        const Breakpoints::Message next = waitForHeld();
        QVERIFY(m_breakpoints->decide(next.id, {}));
        QCOMPARE(client.readOne().status, 200);
    }

    void heldRequestAnsweredWithAnErrorNeverReachesTheBackend()
    {
        m_breakpoints->setRules({rule(true, false)});
        RawClient client(startGateway());
        client.send("GET /api/items HTTP/1.1\r\nHost: a\r\n\r\n");
        const Breakpoints::Message held = waitForHeld();
        Breakpoints::Decision decision;
        decision.action = Breakpoints::Action::Answer;
        decision.answerStatus = 503;
        QVERIFY(m_breakpoints->decide(held.id, decision));
        const Response response = client.readOne();
        QCOMPARE(response.status, 503);
        QCOMPARE(response.json()["error"].toString(), QStringLiteral("answered at a breakpoint in the console"));
        QCOMPARE(m_echo->requestsServed(), 0);
    }

    void withoutADecisionTheMessageGoesOnUnchanged()
    {
        m_breakpoints->setRules({rule(true, true)});
        m_breakpoints->setTimeoutMs(200);
        const Response response = request(startGateway(), "GET", "/api/items");
        QCOMPARE(response.status, 200);
        QCOMPARE(response.json()["target"].toString(), QStringLiteral("/items"));
        QVERIFY(m_breakpoints->waiting().isEmpty());
    }

    void aClientGoneTakesItsHeldRequestAway()
    {
        m_breakpoints->setRules({rule(true, false)});
        const quint16 port = startGateway();
        {
            RawClient client(port);
            client.send("GET /api/items HTTP/1.1\r\nHost: a\r\n\r\n");
            const Breakpoints::Message held = waitForHeld();
            QVERIFY(held.id != 0);
        }
        QTRY_VERIFY(m_breakpoints->waiting().isEmpty());
        QCOMPARE(m_echo->requestsServed(), 0);
    }

    void anEditThatWouldSmuggleIsNotApplied()
    {
        Breakpoints::Message message;
        message.method = "GET";
        message.target = "/ok";
        QVERIFY(Breakpoints::isValidEdit(message));
        message.target = "/a HTTP/1.1\r\nHost: b\r\n\r\nGET /b";
        QVERIFY(!Breakpoints::isValidEdit(message));
        message.target = "/ok";
        message.headers.add("X-A", "1\r\nX-Injected: 1");
        QString why;
        QVERIFY(!Breakpoints::isValidEdit(message, &why));
        QCOMPARE(why, QStringLiteral("the value of X-A holds CR, LF or NUL"));

        m_breakpoints->setRules({rule(true, false)});
        RawClient client(startGateway());
        client.send("GET /api/items HTTP/1.1\r\nHost: a\r\n\r\n");
        const Breakpoints::Message held = waitForHeld();
        Breakpoints::Decision decision;
        decision.action = Breakpoints::Action::ContinueEdited;
        decision.edited = held;
        decision.edited.headers.add("X-A", "1\r\nX-Injected: 1");
        QVERIFY(m_breakpoints->decide(held.id, decision));
        const Response response = client.readOne();
        QCOMPARE(response.status, 200);
        QVERIFY(upstreamHeaderValues(response.body, "x-injected").isEmpty());
        QVERIFY(upstreamHeaderValues(response.body, "x-a").isEmpty());  // the whole edit was dropped
    }

    void onlyMatchingRequestsAreHeld()
    {
        m_breakpoints->setRules({rule(true, false, "POST")});
        const quint16 port = startGateway();
        QCOMPARE(request(port, "GET", "/api/items").status, 200);
        QVERIFY(m_breakpoints->waiting().isEmpty());
        m_breakpoints->setRules({});
        QVERIFY(!m_breakpoints->active());
        QCOMPARE(request(port, "POST", "/api/items", {}, "x").status, 200);
    }
};

QTEST_GUILESS_MAIN(TestBreakpoints)
#include "tst_breakpoints.moc"
