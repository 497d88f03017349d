// The Breakpoints tab (offscreen) against a real gateway: a rule made in the table holds a
// request, the tab shows it, and its buttons continue it edited, refuse a bad edit, or answer it.
#include "breakpointsview.h"
#include "demo/echobackend.h"
#include "support/testsupport.h"

#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QSpinBox>
#include <QTableWidget>
#include <QtTest>

using namespace kairos;
using namespace kairos::test;

class TestBreakpointsView : public QObject
{
    Q_OBJECT

private:
    EchoBackend *m_echo = nullptr;
    Breakpoints *m_breakpoints = nullptr;
    std::unique_ptr<Gateway> m_gateway;
    std::unique_ptr<BreakpointsView> m_view;

    quint16 port() const { return m_gateway->serverPort(); }

    // A rule as a person adds it: the button, then the path typed into its cell.
    void addRule(const QString &path, bool responses = false)
    {
        QTableWidget *rules = m_view->rulesTable();
        const int row = rules->rowCount();
        m_view->addRule();
        QCOMPARE(rules->rowCount(), row + 1);
        rules->item(row, 3)->setText(path);
        if (responses) {
            rules->item(row, 0)->setCheckState(Qt::Unchecked);
            rules->item(row, 1)->setCheckState(Qt::Checked);
        }
    }

private slots:
    void init()
    {
        m_echo = new EchoBackend("echo", this);
        QVERIFY(m_echo->listen());
        m_breakpoints = new Breakpoints;
        m_gateway = std::make_unique<Gateway>(
            makeConfig({routeJson("/api/{*rest}", "/{rest}", {backendJson(m_echo->port())})}));
        m_gateway->setBreakpoints(m_breakpoints);
        QVERIFY(m_gateway->listen(QHostAddress::LocalHost, 0, nullptr));
        m_view = std::make_unique<BreakpointsView>(m_breakpoints);
    }

    void cleanup()
    {
        m_view.reset();
        m_gateway.reset();
        delete m_breakpoints;
        delete m_echo;
    }

    void heldRequestIsShownEditedAndSent()
    {
        addRule("/api/orders");
        QVERIFY(m_breakpoints->active());
        QCOMPARE(request(port(), "GET", "/api/other").status, 200);  // not matched: not held
        RawClient client(port());
        client.send("POST /api/orders HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nX-A: 1\r\n\r\n{}");
        QTRY_COMPARE(m_view->waitingList()->count(), 1);
        QVERIFY(m_view->waitingList()->item(0)->text().startsWith("Request POST /orders"));
        QCOMPARE(m_view->methodEdit()->text(), QStringLiteral("POST"));
        QCOMPARE(m_view->bodyEdit()->toPlainText(), QStringLiteral("{}"));
        QVERIFY(m_view->headersEdit()->toPlainText().contains("X-A: 1"));
        if (const QByteArray dir = qgetenv("KAIROS_SCREENSHOT_DIR"); !dir.isEmpty()) {
            m_view->resize(1000, 700);
            m_view->grab().save(QString::fromLocal8Bit(dir) + "/breakpoints.png");
        }

        // A header line that would add a second one on the wire is refused, and nothing is sent.
        m_view->headersEdit()->setPlainText("X-A: 1\nbroken line");
        m_view->continueEdited();
        QVERIFY(m_view->problemLabel()->isVisibleTo(m_view.get()));
        QCOMPARE(m_view->waitingList()->count(), 1);

        m_view->methodEdit()->setText("PUT");
        m_view->targetEdit()->setText("/orders/7");
        m_view->headersEdit()->setPlainText("Host: a\nX-A: 2");
        m_view->bodyEdit()->setPlainText("{\"id\": 7}");
        m_view->continueEdited();
        const Response response = client.readOne();
        const QJsonObject echo = response.json();
        QCOMPARE(echo["method"].toString(), QStringLiteral("PUT"));
        QCOMPARE(echo["target"].toString(), QStringLiteral("/orders/7"));
        QCOMPARE(echo["body"].toString(), QStringLiteral("{\"id\": 7}"));
        QCOMPARE(upstreamHeaderValues(response.body, "x-a"), QList<QByteArray>{"2"});
        QTRY_COMPARE(m_view->waitingList()->count(), 0);
    }

    void aMessageLeftAloneGoesOnAndLeavesTheList()
    {
        addRule("/api/");
        m_breakpoints->setTimeoutMs(300);
        RawClient client(port());
        client.send("GET /api/slow HTTP/1.1\r\nHost: a\r\n\r\n");
        QTRY_COMPARE(m_view->waitingList()->count(), 1);
        const Response response = client.readOne();
        QCOMPARE(response.status, 200);
        QCOMPARE(response.json()["target"].toString(), QStringLiteral("/slow"));
        QTRY_COMPARE(m_view->waitingList()->count(), 0);
    }

    void heldResponseAnsweredWithAnError()
    {
        addRule("/api/", true);
        RawClient client(port());
        client.send("GET /api/x HTTP/1.1\r\nHost: a\r\n\r\n");
        QTRY_COMPARE(m_view->waitingList()->count(), 1);
        QVERIFY(m_view->waitingList()->item(0)->text().startsWith("Response 200 to GET /x"));
        QVERIFY(!m_view->methodEdit()->isEnabled());
        m_view->answerStatus()->setValue(504);
        m_view->answerWithError();
        QCOMPARE(client.readOne().status, 504);
    }
};

QTEST_MAIN(TestBreakpointsView)
#include "tst_breakpointsview.moc"
