// The console under QT_QPA_PLATFORM=offscreen, driving a real in-process gateway.
#include "backendchart.h"
#include "backendsmodel.h"
#include "backendsview.h"
#include "clusterview.h"
#include "connectioneditor.h"
#include "configeditor.h"
#include "mainwindow.h"
#include "responsivenesswatch.h"
#include "metricsview.h"
#include "overviewview.h"
#include "protectioneditor.h"
#include "routeeditor.h"
#include "routesmodel.h"
#include "bodyview.h"
#include "exchangeexport.h"
#include "trafficview.h"

#include "demo/echobackend.h"
#include "support/testsupport.h"

#include <QBuffer>
#include <QChartView>
#include <QClipboard>
#include <QCryptographicHash>
#include <QCheckBox>
#include <QComboBox>
#include <QDialog>
#include <QValueAxis>
#include <QDoubleSpinBox>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPointer>
#include <QPushButton>
#include <QSettings>
#include <QThread>
#include <QStandardPaths>
#include <QTableWidget>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTextBlock>
#include <QTextLayout>
#include <QTranslator>
#include <QtTest>

using namespace kairos;
using namespace kairos::test;

class TestGui : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir *m_dir = nullptr;
    EchoBackend *m_backend = nullptr;
    GatewayService *m_service = nullptr;
    MainWindow *m_window = nullptr;

    quint16 port() const { return m_service->gateway()->serverPort(); }

    // Clicks `answer` in the question box the next modal loop shows.
    static void answerNextQuestion(QMessageBox::StandardButton answer)
    {
        QTimer::singleShot(0, [answer] {
            auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget());
            QVERIFY(box);
            box->button(answer)->click();
        });
    }

    QByteArray configWith(const QJsonArray &routes) const
    {
        return QJsonDocument(QJsonObject{{"version", 1}, {"server", QJsonObject{{"workers", 1}}}, {"routers", routes}})
            .toJson();
    }

    // The inspector's routes: /api/echo and below it take any method to the echo backend; `extra`
    // goes to the top level.
    void useEchoRoute(const QJsonObject &extra = {})
    {
        const QJsonObject echo = routeJson("/api/echo", "/echo", {backendJson(m_backend->port())});
        const QJsonObject below = routeJson("/api/echo/{*rest}", "/echo/{rest}", {backendJson(m_backend->port())});
        QJsonObject config{
            {"version", 1},
            {"server", QJsonObject{{"workers", 1}}},
            {"routers",
             QJsonArray{echo, below, routeJson("/api/users", "/users", {backendJson(m_backend->port())}, {"GET"})}}};
        for (auto it = extra.begin(); it != extra.end(); ++it)
            config.insert(it.key(), it.value());
        QVERIFY(
            m_service->configStore().replaceJson(QJsonDocument(config).toJson(), ConfigStore::Source::Api).applied());
    }

    // Polls the inspector until it holds the request with this X-Request-Id. The pointer holds
    // until the next poll.
    const RequestRecord *waitForRecord(const QByteArray &requestId)
    {
        TrafficView *view = m_window->trafficView();
        for (int i = 0; i < 200; ++i) {
            view->poll();
            for (int row = 0; row < view->model()->rowCount(); ++row) {
                if (view->model()->record(row).requestId == requestId)
                    return &view->model()->record(row);
            }
            QTest::qWait(10);
        }
        return nullptr;
    }

    // Selects the request in the inspector's table (as a click would); false when the filter hides it.
    bool selectRecord(const QByteArray &requestId)
    {
        TrafficView *view = m_window->trafficView();
        QAbstractItemModel *shown = view->table()->model();
        for (int row = 0; row < shown->rowCount(); ++row) {
            const QModelIndex source = view->filter()->mapToSource(shown->index(row, 0));
            if (view->model()->record(source.row()).requestId == requestId) {
                view->table()->selectRow(row);
                return view->currentRecord() && view->currentRecord()->requestId == requestId;
            }
        }
        return false;
    }

    int shownRows() const { return m_window->trafficView()->table()->model()->rowCount(); }

    // Runs a command line with /bin/sh, the event loop turning meanwhile (the backends answer on it).
    static QByteArray runShell(const QString &command)
    {
        QProcess process;
        process.start(QStringLiteral("/bin/sh"), {QStringLiteral("-c"), command});
        if (!process.waitForStarted(5000))
            return {};
        if (!QTest::qWaitFor([&process] { return process.state() == QProcess::NotRunning; }, 15000))
            return {};
        if (process.exitCode() != 0)
            qWarning() << "sh exited with" << process.exitCode() << process.readAllStandardError();
        return process.readAllStandardOutput();
    }

private slots:
    void initTestCase()
    {
        // QSettings (recent configs) away from the user's, and from other runs at the same time.
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setApplicationName(QStringLiteral("tst_gui-%1").arg(QCoreApplication::applicationPid()));
        QSettings().clear();
    }

    void cleanupTestCase()
    {
        QSettings settings;
        settings.clear();
        settings.sync();
        QFile::remove(settings.fileName());
    }

    void init()
    {
        m_dir = new QTemporaryDir;
        m_backend = new EchoBackend("echo");
        QVERIFY(m_backend->listen());
        QFile file(m_dir->filePath("config.json"));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(configWith({routeJson("/api/users", "/users", {backendJson(m_backend->port())}, {"GET"})}));
        file.close();
        m_service = new GatewayService;
        ServiceOptions options;
        options.configPath = file.fileName();
        options.listenPort = 0;
        options.watchConfigFile = false;
        options.accessLog = "none";
        options.recentRequests = 50;
        QString error;
        QVERIFY2(m_service->start(options, &error), qPrintable(error));
        QSettings().remove("window/view");  // each test starts on the Overview
        m_window = new MainWindow(*m_service);
        m_window->show();
    }

    void cleanup()
    {
        delete m_window;
        delete m_service;
        delete m_backend;
        delete m_dir;
    }

    void aFrozenConsoleIsLogged()
    {
        ResponsivenessWatch watch;
        QTest::qWait(120);
        QVERIFY(watch.longestPauseMs() < ResponsivenessWatch::kWarnAfterMs);
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression("^the console did not respond for \\d+ ms$"));
        QThread::msleep(250);  // the thread busy, as a slow view would keep it
        QTRY_VERIFY(watch.longestPauseMs() >= 200);
    }

    void reopensOnTheLastView()
    {
        QCOMPARE(m_window->tabs()->currentWidget()->objectName(), QStringLiteral("overview"));
        m_window->tabs()->setCurrentWidget(m_window->trafficView());
        delete m_window;
        m_window = new MainWindow(*m_service);
        QCOMPARE(m_window->tabs()->currentWidget()->objectName(), QStringLiteral("traffic"));
    }

    void modelsFollowConfigChanges()
    {
        QCOMPARE(m_window->routesModel()->rowCount(), 1);
        const QByteArray two =
            configWith({routeJson("/api/users", "/users", {backendJson(m_backend->port())}, {"GET"}),
                        routeJson("/api/orders", "/orders", {backendJson(m_backend->port())}, {"GET"})});
        QVERIFY(m_service->configStore().replaceJson(two, ConfigStore::Source::Api).applied());
        QTRY_COMPARE(m_window->routesModel()->rowCount(), 2);
        m_window->tabs()->setCurrentWidget(m_window->configEditor());  // loaded when shown
        QVERIFY(m_window->configEditor()->editor()->toPlainText().contains("/api/orders"));
        m_window->refresh();
        QCOMPARE(m_window->backendsModel()->rowCount(), 1);
        QCOMPARE(m_window->routesModel()->data(m_window->routesModel()->index(0, RoutesModel::Health)).toString(),
                 QStringLiteral("1/1 up"));
        BackendsModel *backends = m_window->backendsModel();
        QCOMPARE(backends->data(backends->index(0, BackendsModel::Limited)).toString(), QStringLiteral("–"));

        // A backend's own limit: the requests it refused, and the policy on hover.
        QJsonObject limited = backendJson(m_backend->port());
        limited.insert("rate_limit", QJsonObject{{"requests_per_second", 0.01}, {"burst", 1}, {"key", "route"}});
        QVERIFY(m_service->configStore()
                    .replaceJson(configWith({routeJson("/api/users", "/users", {limited}, {"GET"})}),
                                 ConfigStore::Source::Api)
                    .applied());
        QCOMPARE(request(port(), "GET", "/api/users").status, 200);
        QCOMPARE(request(port(), "GET", "/api/users").status, 429);
        m_window->refresh();
        QCOMPARE(backends->data(backends->index(0, BackendsModel::Limited)).toString(), QStringLiteral("1"));
        QVERIFY(backends->data(backends->index(0, BackendsModel::Limited), Qt::ToolTipRole)
                    .toString()
                    .contains(QStringLiteral("0.01;w=1;burst=1")));
    }

    void routeEditorRejectsInvalidAndAppliesValid()
    {
        m_window->openRouteEditor("/api/users");
        RouteEditor *editor = m_window->findChild<RouteEditor *>("routeEditor");
        QVERIFY(editor);
        QLineEdit *path = editor->externalPathEdit();
        path->selectAll();
        QTest::keyClicks(path, "no-leading-slash");
        QVERIFY(!editor->applyButton()->isEnabled());
        QVERIFY(editor->problems().join('\n').contains("external_path: must start with \"/\""));

        path->selectAll();
        QTest::keyClicks(path, "/gui/renamed");
        QVERIFY(editor->applyButton()->isEnabled());
        QTest::mouseClick(editor->applyButton(), Qt::LeftButton);
        QVERIFY(m_service->configStore().current()->findRoute("/gui/renamed"));
        QVERIFY(!m_service->configStore().current()->findRoute("/api/users"));
        const Response response = request(port(), "GET", "/gui/renamed");
        QCOMPARE(response.status, 200);
        QCOMPARE(response.json()["target"].toString(), QStringLiteral("/users"));
        QTRY_COMPARE(m_window->routesModel()->data(m_window->routesModel()->index(0, 0)).toString(),
                     QStringLiteral("/gui/renamed"));
    }

    // The route's rate limit and a backend's, edited with the same live validation as the rest.
    void routeEditorEditsRateLimits()
    {
        m_window->openRouteEditor("/api/users");
        RouteEditor *editor = m_window->findChild<RouteEditor *>("routeEditor");
        QVERIFY(editor);
        ProtectionEditor *protection = editor->protectionEditor();
        QComboBox *mode = protection->limitModeBox();
        mode->setCurrentIndex(mode->findData(int(ProtectionEditor::LimitMode::Own)));
        QVERIFY(protection->keyNameEdit()->isEnabled() == false);  // client_ip: no name to give
        protection->keyBox()->setCurrentIndex(protection->keyBox()->findData(int(RateLimitSettings::Key::Header)));
        QVERIFY(protection->keyNameEdit()->isEnabled());
        QVERIFY(!editor->applyButton()->isEnabled());  // header: without a name
        QVERIFY2(editor->problems().join('\n').contains("rate_limit.key: header:NAME needs a field name"),
                 qPrintable(editor->problems().join('\n')));
        QTest::keyClicks(protection->keyNameEdit(), "X-Api-Key");
        protection->rateBox()->setValue(0.01);

        QTableWidget *backends = editor->backendsTable();
        backends->item(0, 4)->setText("none");
        QVERIFY(editor->problems().join('\n').contains(
            "backends[0].rate_limit.requests_per_second: must be greater than 0"));
        backends->item(0, 4)->setText("0.01");
        QVERIFY2(editor->applyButton()->isEnabled(), qPrintable(editor->problems().join('\n')));
        QTest::mouseClick(editor->applyButton(), Qt::LeftButton);

        const Route *route = m_service->configStore().current()->findRoute("/api/users");
        QVERIFY(route);
        QVERIFY(route->overrides->rateLimit);
        QCOMPARE(route->overrides->rateLimit->keyText(), QStringLiteral("header:x-api-key"));
        QVERIFY(route->backends[0].rateLimit);
        QCOMPARE(route->backends[0].rateLimit->key, RateLimitSettings::Key::Route);
        QCOMPARE(request(port(), "GET", "/api/users", {{"X-Api-Key", "k1"}}).status, 200);
        // k2 passes the route's limit, but the backend's bucket (key route) is spent: 429.
        QCOMPARE(request(port(), "GET", "/api/users", {{"X-Api-Key", "k2"}}).status, 429);

        // The traffic inspector says why it was refused.
        QTRY_VERIFY([&] {
            m_window->trafficView()->poll();
            TrafficModel *traffic = m_window->trafficView()->model();
            for (int row = 0; row < traffic->rowCount(); ++row) {
                if (traffic->record(row).status == 429)
                    return traffic->data(traffic->index(row, TrafficModel::Note)).toString()
                           == QStringLiteral("rate_limited");
            }
            return false;
        }());

        // Back to the top level's (none here): the route's own block is gone.
        m_window->openRouteEditor("/api/users");
        editor = m_window->findChildren<RouteEditor *>("routeEditor").constLast();
        mode = editor->protectionEditor()->limitModeBox();
        QCOMPARE(mode->currentData().toInt(), int(ProtectionEditor::LimitMode::Own));
        mode->setCurrentIndex(mode->findData(int(ProtectionEditor::LimitMode::TopLevel)));
        QTest::mouseClick(editor->applyButton(), Qt::LeftButton);
        QVERIFY(!m_service->configStore().current()->findRoute("/api/users")->overrides->rateLimit);
    }

    // The queue, outlier detection, slow start and max_connections, edited like the rest.
    void routeEditorEditsQueueOutliersAndSlowStart()
    {
        m_window->openRouteEditor("/api/users");
        RouteEditor *editor = m_window->findChild<RouteEditor *>("routeEditor");
        QVERIFY(editor);
        ProtectionEditor *protection = editor->protectionEditor();
        QVERIFY(!protection->queueSizeBox()->isEnabled());
        protection->queueModeBox()->setCurrentIndex(
            protection->queueModeBox()->findData(int(ProtectionEditor::LimitMode::Own)));
        QVERIFY(protection->queueSizeBox()->isEnabled());
        protection->queueSizeBox()->setValue(0);
        QVERIFY(!editor->applyButton()->isEnabled());
        QVERIFY2(editor->problems().join('\n').contains("queue.max_size"), qPrintable(editor->problems().join('\n')));
        protection->queueSizeBox()->setValue(7);
        protection->queueTimeoutBox()->setValue(900);
        protection->outlierModeBox()->setCurrentIndex(
            protection->outlierModeBox()->findData(int(ProtectionEditor::LimitMode::Own)));
        protection->consecutive5xxBox()->setValue(3);
        protection->slowStartBox()->setValue(2000);
        editor->backendsTable()->item(0, 5)->setText("-1");
        QVERIFY(editor->problems().join('\n').contains("backends[0].max_connections"));
        editor->backendsTable()->item(0, 5)->setText("4");
        QCOMPARE(editor->backendsTable()->item(0, 6)->text(), QStringLiteral("http/1.1"));
        editor->backendsTable()->item(0, 6)->setText("h2");  // HTTP/2 over TLS, on an http:// backend
        QVERIFY2(editor->problems().join('\n').contains("backends[0].protocol"),
                 qPrintable(editor->problems().join('\n')));
        editor->backendsTable()->item(0, 6)->setText("http/1.1");
        QVERIFY2(editor->applyButton()->isEnabled(), qPrintable(editor->problems().join('\n')));
        QTest::mouseClick(editor->applyButton(), Qt::LeftButton);

        const ConfigSnapshot config = m_service->configStore().current();
        const Route *route = config->findRoute("/api/users");
        QVERIFY(route);
        QVERIFY(config->queueFor(*route));
        QCOMPARE(config->queueFor(*route)->maxSize, 7);
        QCOMPARE(config->queueFor(*route)->timeoutMs, 900);
        QVERIFY(config->outlierDetectionFor(*route));
        QCOMPARE(config->outlierDetectionFor(*route)->consecutive5xx, 3);
        QCOMPARE(config->slowStartMsFor(*route), 2000);
        QCOMPARE(route->backends[0].maxConnections, 4);

        // The Backends view: in flight against the limit, and the outlier's state.
        m_window->refresh();
        BackendsModel *backends = m_window->backendsModel();
        QCOMPARE(backends->data(backends->index(0, BackendsModel::Active)).toString(), QStringLiteral("0 / 4"));
        QCOMPARE(backends->data(backends->index(0, BackendsModel::Queued)).toInt(), 0);
        QCOMPARE(backends->data(backends->index(0, BackendsModel::Ejection)).toString(), QStringLiteral("in"));
    }

    // A backend answering 500s is ejected, and the Backends view says for how long.
    void routeEditorEditsConnectionSettings()
    {
        m_window->openRouteEditor("/api/users");
        RouteEditor *editor = m_window->findChild<RouteEditor *>("routeEditor");
        QVERIFY(editor);
        ConnectionEditor *connection = editor->connectionEditor();
        connection->preserveHostBox()->setChecked(true);
        connection->forwardAuthorizationBox()->setChecked(false);
        connection->retryNonIdempotentBox()->setChecked(true);
        connection->timeoutBox()->setValue(12'000);
        connection->connectTimeoutBox()->setValue(700);
        connection->maxBodyBox()->setValue(64);
        connection->upgradesEdit()->setText(QStringLiteral("none"));
        connection->circuitModeBox()->setCurrentIndex(1);
        connection->failureThresholdBox()->setValue(9);
        connection->healthModeBox()->setCurrentIndex(1);
        connection->healthIntervalBox()->setValue(50);  // what the validator refuses, shown live
        QVERIFY(!editor->applyButton()->isEnabled());
        QVERIFY(editor->problems().join('\n').contains(QStringLiteral("health_check.interval_ms")));
        connection->healthIntervalBox()->setValue(250);
        QVERIFY2(editor->applyButton()->isEnabled(), qPrintable(editor->problems().join('\n')));
        QTest::mouseClick(editor->applyButton(), Qt::LeftButton);

        const Route *route = m_service->configStore().current()->findRoute("/api/users");
        QVERIFY(route->preserveHost);
        QVERIFY(!route->forwardAuthorization);
        QVERIFY(route->retryNonIdempotent);
        QCOMPARE(route->timeoutMs, 12'000);
        QCOMPARE(route->overrides->connectTimeoutMs, std::optional<int>(700));
        QVERIFY(!route->overrides->responseTimeoutMs);  // left at the server's
        QCOMPARE(route->overrides->maxBodyBytes, std::optional<qint64>(64 * 1024));
        QCOMPARE(route->overrides->allowedUpgrades, std::optional<QStringList>(QStringList()));
        QCOMPARE(route->overrides->circuitBreaker.keys.value("failure_threshold").toInt(), 9);
        QCOMPARE(route->overrides->healthCheck.keys.value("interval_ms").toInt(), 250);

        // Opened again, the form shows what was applied; the top level's again removes the keys.
        m_window->openRouteEditor("/api/users");
        QTRY_VERIFY(m_window->findChildren<RouteEditor *>("routeEditor").size() >= 1);
        editor = m_window->findChildren<RouteEditor *>("routeEditor").last();
        connection = editor->connectionEditor();
        QCOMPARE(connection->connectTimeoutBox()->value(), 700);
        QCOMPARE(connection->upgradesEdit()->text(), QStringLiteral("none"));
        QCOMPARE(connection->failureThresholdBox()->value(), 9);
        connection->circuitModeBox()->setCurrentIndex(0);
        connection->connectTimeoutBox()->setValue(-1);
        connection->upgradesEdit()->clear();
        QTest::mouseClick(editor->applyButton(), Qt::LeftButton);
        route = m_service->configStore().current()->findRoute("/api/users");
        QVERIFY(route->overrides->circuitBreaker.keys.isEmpty());
        QVERIFY(!route->overrides->connectTimeoutMs);
        QVERIFY(!route->overrides->allowedUpgrades);
        QCOMPARE(request(port(), "GET", "/api/users").status, 200);
    }

    void backendsViewShowsAnEjection()
    {
        EchoBackend second("second");
        QVERIFY(second.listen());
        QJsonObject route =
            routeJson("/api/users", "/users", {backendJson(m_backend->port()), backendJson(second.port())}, {"GET"});
        route.insert("outlier_detection", QJsonObject{{"consecutive_5xx", 2}, {"max_ejection_percent", 50}});
        QVERIFY(m_service->configStore().replaceJson(configWith({route}), ConfigStore::Source::Api).applied());
        for (int i = 0; i < 4; ++i)
            request(port(), "GET", "/api/users?status=500");
        m_window->refresh();
        BackendsModel *backends = m_window->backendsModel();
        QCOMPARE(backends->rowCount(), 2);
        QStringList states;
        for (int row = 0; row < 2; ++row)
            states.append(backends->data(backends->index(row, BackendsModel::Ejection)).toString());
        states.sort();
        QVERIFY2(states[0].startsWith(QStringLiteral("ejected, ")) && states[0].endsWith(QStringLiteral(" s left")),
                 qPrintable(states.join(" | ")));
        QCOMPARE(states[1], QStringLiteral("in"));  // the cap: one of two at most
    }

    // A discover entry's source has its group in the Backends view before it finds anything
    // (here never: the nameserver does not answer), under the backends the config lists.
    void backendsViewGroupsADiscoverySource()
    {
        QJsonObject discovered{
            {"discover",
             QJsonObject{{"dns", "users.internal"}, {"port", 8080}, {"nameservers", QJsonArray{"127.0.0.1:9"}}}}};
        const QJsonObject route =
            routeJson("/api/users", "/users", {backendJson(m_backend->port()), discovered}, {"GET"});
        QVERIFY(m_service->configStore().replaceJson(configWith({route}), ConfigStore::Source::Api).applied());
        BackendsModel *backends = m_window->backendsModel();
        const QString key = QStringLiteral("dns:users.internal:8080 @127.0.0.1:9");
        QTRY_VERIFY([&] {
            m_window->refresh();
            return backends->grouped() && backends->rowCount() == 2;
        }());
        const QModelIndex config = backends->index(0, 0);
        QCOMPARE(config.data(BackendsModel::SourceKeyRole).toString(), QString());
        QCOMPARE(backends->rowCount(config), 1);
        const QModelIndex source = backends->index(1, 0);
        QCOMPARE(source.data(BackendsModel::SourceKeyRole).toString(), key);
        QCOMPARE(source.data().toString(), QStringLiteral("DNS users.internal:8080 @127.0.0.1:9"));
        QCOMPARE(backends->rowCount(source), 0);
        QVERIFY(!m_window->backendsView()->isColumnHidden(BackendsModel::Record));
    }

    void configViewApplyWithABrokenDocumentChangesNothing()
    {
        ConfigEditor *view = m_window->configEditor();
        m_window->tabs()->setCurrentWidget(view);
        const quint64 revision = m_service->configStore().revision();
        view->editor()->setPlainText("{ \"version\": 1, \"routers\": [ ");
        QTest::mouseClick(view->applyButton(), Qt::LeftButton);
        QCOMPARE(m_service->configStore().revision(), revision);
        QVERIFY(view->problems()->count() > 0);
        QVERIFY(view->problems()->item(0)->text().startsWith("invalid JSON at line 1"));
        QCOMPARE(request(port(), "GET", "/api/users").status, 200);

        view->editor()->setPlainText(
            QString::fromUtf8(configWith({routeJson("/api/edited", "/e", {backendJson(m_backend->port())}, {"GET"})})));
        QTest::mouseClick(view->applyButton(), Qt::LeftButton);
        QCOMPARE(m_service->configStore().revision(), revision + 1);
        QCOMPARE(request(port(), "GET", "/api/edited").status, 200);
    }

    // An edit made in the Config view while the API changed the running config is not applied
    // over that change without the user seeing it and choosing.
    void configViewShowsWhereAProblemIs()
    {
        ConfigEditor *view = m_window->configEditor();
        view->showRunningConfig(true);
        QString text = view->editor()->toPlainText();
        const int portLine = int(text.left(text.indexOf(QStringLiteral("\"port\""))).count(QLatin1Char('\n')));
        text.replace(QRegularExpression(QStringLiteral("\"port\": \\d+")), QStringLiteral("\"port\": 0"));
        view->editor()->setPlainText(text);
        view->editor()->document()->setModified(true);
        QTest::mouseClick(view->applyButton(), Qt::LeftButton);
        QVERIFY(view->problems()->count() >= 1);
        QListWidgetItem *problem = view->problems()->item(0);
        QVERIFY2(problem->text().contains(QStringLiteral("routers[0].backends[0].port")), qPrintable(problem->text()));
        QCOMPARE(view->editor()->extraSelections().size(), view->problems()->count());
        QCOMPARE(view->editor()->extraSelections().first().cursor.blockNumber(), portLine);
        view->editor()->moveCursor(QTextCursor::Start);
        emit view->problems()->itemClicked(problem);
        QCOMPARE(view->editor()->textCursor().blockNumber(), portLine);

        // A JSON syntax error: the line and column it names.
        view->editor()->setPlainText(QStringLiteral("{\n  \"version\": 1,\n  \"routers\": [,]\n}\n"));
        QTest::mouseClick(view->applyButton(), Qt::LeftButton);
        QCOMPARE(view->problems()->count(), 1);
        emit view->problems()->itemClicked(view->problems()->item(0));
        QCOMPARE(view->editor()->textCursor().blockNumber(), 2);

        // Revert asks before dropping edits; No keeps them.
        view->editor()->document()->setModified(true);
        QPushButton *revert = nullptr;
        for (QPushButton *button : view->findChildren<QPushButton *>())
            revert = button->text() == QLatin1String("Revert") ? button : revert;
        QVERIFY(revert);
        answerNextQuestion(QMessageBox::No);
        QTest::mouseClick(revert, Qt::LeftButton);
        QVERIFY(view->editor()->toPlainText().contains(QStringLiteral("[,]")));
        answerNextQuestion(QMessageBox::Yes);
        QTest::mouseClick(revert, Qt::LeftButton);
        QVERIFY(!view->editor()->toPlainText().contains(QStringLiteral("[,]")));
    }

    void configViewDoesNotOverwriteAChangeMadeMeanwhile()
    {
        ConfigEditor *view = m_window->configEditor();
        view->showRunningConfig(true);
        QString text = view->editor()->toPlainText();
        text.replace(QStringLiteral("\"/users\""), QStringLiteral("\"/people\""));
        view->editor()->setPlainText(text);
        view->editor()->document()->setModified(true);  // as typing leaves it
        QJsonObject orders = routeJson("/api/orders", "/orders", {backendJson(m_backend->port())}, {"GET"});
        QCOMPARE(jsonRequest(port(), "POST", "/api/routes", orders).status, 201);
        const quint64 revision = m_service->configStore().revision();

        QTest::mouseClick(view->applyButton(), Qt::LeftButton);
        QCOMPARE(m_service->configStore().revision(), revision);  // nothing applied
        QVERIFY(m_service->configStore().current()->findRoute("/api/orders"));
        QVERIFY(!view->conflictBar()->isHidden());
        QVERIFY2(view->conflictText()->text().contains(QStringLiteral("routes added: /api/orders")),
                 qPrintable(view->conflictText()->text()));

        // Overwrite: the user's text, as seen; the API's route goes, by the user's choice.
        QTest::mouseClick(view->overwriteButton(), Qt::LeftButton);
        QCOMPARE(m_service->configStore().revision(), revision + 1);
        QVERIFY(!m_service->configStore().current()->findRoute("/api/orders"));
        QCOMPARE(m_service->configStore().current()->findRoute("/api/users")->internalPath, QStringLiteral("/people"));
        QVERIFY(view->conflictBar()->isHidden());

        // Discard: the running config comes back into the view, the other change kept.
        text = view->editor()->toPlainText();
        view->editor()->setPlainText(text.replace(QStringLiteral("\"/people\""), QStringLiteral("\"/staff\"")));
        view->editor()->document()->setModified(true);
        QCOMPARE(jsonRequest(port(), "POST", "/api/routes", orders).status, 201);
        QTest::mouseClick(view->applyButton(), Qt::LeftButton);
        QVERIFY(!view->conflictBar()->isHidden());
        QTest::mouseClick(view->discardButton(), Qt::LeftButton);
        QVERIFY(view->conflictBar()->isHidden());
        QVERIFY(view->editor()->toPlainText().contains(QStringLiteral("/api/orders")));
        QCOMPARE(m_service->configStore().current()->findRoute("/api/users")->internalPath, QStringLiteral("/people"));
    }

    void configViewMergesEditsOntoAChangeMadeMeanwhile()
    {
        ConfigEditor *view = m_window->configEditor();
        view->showRunningConfig(true);
        QString text = view->editor()->toPlainText();
        view->editor()->setPlainText(text.replace(QStringLiteral("\"/users\""), QStringLiteral("\"/people\"")));
        view->editor()->document()->setModified(true);
        const QJsonObject orders = routeJson("/api/orders", "/orders", {backendJson(m_backend->port())}, {"GET"});
        QCOMPARE(jsonRequest(port(), "POST", "/api/routes", orders).status, 201);

        QTest::mouseClick(view->applyButton(), Qt::LeftButton);
        QVERIFY(!view->conflictBar()->isHidden());
        QVERIFY(view->mergeButton()->isEnabled());
        QTest::mouseClick(view->mergeButton(), Qt::LeftButton);
        QVERIFY(view->conflictBar()->isHidden());
        const ConfigSnapshot merged = m_service->configStore().current();
        QVERIFY(merged->findRoute("/api/orders"));                                           // the API's route kept
        QCOMPARE(merged->findRoute("/api/users")->internalPath, QStringLiteral("/people"));  // and the edit

        // Both sides changed /api/users: no merge, the bar names the route.
        text = view->editor()->toPlainText();
        view->editor()->setPlainText(text.replace(QStringLiteral("\"/people\""), QStringLiteral("\"/staff\"")));
        view->editor()->document()->setModified(true);
        const QJsonObject users = routeJson("/api/users", "/members", {backendJson(m_backend->port())}, {"GET"});
        QCOMPARE(jsonRequest(port(), "PUT", "/api/routes/api/users", users).status, 200);
        const quint64 revision = m_service->configStore().revision();
        QTest::mouseClick(view->applyButton(), Qt::LeftButton);
        QVERIFY(!view->conflictBar()->isHidden());
        QVERIFY(!view->mergeButton()->isEnabled());
        QVERIFY2(view->conflictText()->text().contains(QStringLiteral("route /api/users")),
                 qPrintable(view->conflictText()->text()));
        QCOMPARE(m_service->configStore().revision(), revision);
        QCOMPARE(m_service->configStore().current()->findRoute("/api/users")->internalPath, QStringLiteral("/members"));
    }

    void routeEditorDoesNotOverwriteAChangeMadeMeanwhile()
    {
        // Another route changes while the editor is open: the edit applies, the other change stays.
        m_window->openRouteEditor("/api/users");
        QPointer<RouteEditor> editor = m_window->findChild<RouteEditor *>("routeEditor");
        QVERIFY(editor);
        editor->internalPathEdit()->setText(QStringLiteral("/people"));
        const QJsonObject orders = routeJson("/api/orders", "/orders", {backendJson(m_backend->port())}, {"GET"});
        QCOMPARE(jsonRequest(port(), "POST", "/api/routes", orders).status, 201);
        QTest::mouseClick(editor->applyButton(), Qt::LeftButton);
        QVERIFY(editor->conflictBar()->isHidden());
        QVERIFY(m_service->configStore().current()->findRoute("/api/orders"));
        QCOMPARE(m_service->configStore().current()->findRoute("/api/users")->internalPath, QStringLiteral("/people"));
        delete editor.data();  // closed on Apply, deleted later

        // The same route changes while the editor is open: nothing applied until the user chooses.
        m_window->openRouteEditor("/api/users");
        editor = m_window->findChild<RouteEditor *>("routeEditor");
        QVERIFY(editor);
        editor->internalPathEdit()->setText(QStringLiteral("/staff"));
        const QJsonObject users = routeJson("/api/users", "/members", {backendJson(m_backend->port())}, {"GET"});
        QCOMPARE(jsonRequest(port(), "PUT", "/api/routes/api/users", users).status, 200);
        QTest::mouseClick(editor->applyButton(), Qt::LeftButton);
        QVERIFY(!editor->conflictBar()->isHidden());
        QVERIFY2(editor->conflictText()->text().contains(QStringLiteral("changed since you opened it")),
                 qPrintable(editor->conflictText()->text()));
        QCOMPARE(m_service->configStore().current()->findRoute("/api/users")->internalPath, QStringLiteral("/members"));
        QTest::mouseClick(editor->overwriteButton(), Qt::LeftButton);
        QCOMPARE(m_service->configStore().current()->findRoute("/api/users")->internalPath, QStringLiteral("/staff"));
        QVERIFY(m_service->configStore().current()->findRoute("/api/orders"));
        delete editor.data();
    }

    void deleteRefusesARouteChangedMeanwhile()
    {
        const Route seen = *m_service->configStore().current()->findRoute("/api/users");
        const QJsonObject users = routeJson("/api/users", "/members", {backendJson(m_backend->port())}, {"GET"});
        QCOMPARE(jsonRequest(port(), "PUT", "/api/routes/api/users", users).status, 200);
        QString why;
        QVERIFY(!m_window->deleteRoute(seen, &why));
        QVERIFY2(why.contains(QStringLiteral("changed meanwhile")), qPrintable(why));
        QVERIFY(m_service->configStore().current()->findRoute("/api/users"));

        const Route now = *m_service->configStore().current()->findRoute("/api/users");
        QVERIFY2(m_window->deleteRoute(now, &why), qPrintable(why));
        QVERIFY(!m_service->configStore().current()->findRoute("/api/users"));
        QVERIFY(!m_window->deleteRoute(now, &why));
        QVERIFY2(why.contains(QStringLiteral("removed meanwhile")), qPrintable(why));
    }

    void menuBarOpensSavesAndReloadsConfigs()
    {
        QStringList menus;
        for (QAction *action : m_window->menuBar()->actions())
            menus.append(action->text());
        QCOMPARE(menus, QStringList({"&File", "&Edit", "&View", "&Gateway", "&Help"}));

        // Save as: the running config in a new file, which becomes the one edits are saved to.
        const QString saved = m_dir->filePath("saved.json");
        QVERIFY(m_window->saveConfigAs(saved));
        QCOMPARE(m_service->configStore().filePath(), saved);
        QVERIFY(loadConfigFile(saved).ok());

        // Open: another file's config applied; both files in the recent list, the newest first.
        const QString two = m_dir->filePath("two.json");
        QFile file(two);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(configWith({routeJson("/api/users", "/users", {backendJson(m_backend->port())}, {"GET"}),
                               routeJson("/api/orders", "/orders", {backendJson(m_backend->port())}, {"GET"})}));
        file.close();
        QVERIFY(m_window->openConfig(two));
        QCOMPARE(m_service->configStore().current()->routes.size(), 2);
        QCOMPARE(request(port(), "GET", "/api/orders").status, 200);
        QCOMPARE(m_window->recentConfigs().mid(0, 2),
                 QStringList({QFileInfo(two).absoluteFilePath(), QFileInfo(saved).absoluteFilePath()}));

        // An invalid file changes nothing.
        const QString broken = m_dir->filePath("broken.json");
        QFile brokenFile(broken);
        QVERIFY(brokenFile.open(QIODevice::WriteOnly));
        brokenFile.write("{\"routers\": [");
        brokenFile.close();
        QVERIFY(!m_window->openConfig(broken));
        QCOMPARE(m_service->configStore().filePath(), two);
        QCOMPARE(m_service->configStore().current()->routes.size(), 2);

        // Gateway > Reload config applies the file as it is now (the watcher is off here).
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write(configWith({routeJson("/api/users", "/users", {backendJson(m_backend->port())}, {"GET"})}));
        file.close();
        QMenu *gateway = m_window->menuBar()->actions().at(3)->menu();
        QAction *reload = nullptr;
        for (QAction *action : gateway->actions())
            reload = action->text() == QLatin1String("&Reload config") ? action : reload;
        QVERIFY(reload);
        reload->trigger();
        QCOMPARE(m_service->configStore().current()->routes.size(), 1);

        QVERIFY(m_window->aboutText().contains(QStringLiteral(KAIROS_VERSION)));
        QVERIFY(m_window->aboutText().contains(QString::fromLatin1(qVersion())));
    }

    void metricsChartsSpanWhatWasCollected()
    {
        MetricsView view;
        view.setGateway(m_service->gateway());
        view.resize(900, 700);
        view.show();
        for (int i = 0; i < 3; ++i)
            view.sample();
        for (QValueAxis *axis : view.timeAxes())
            QCOMPARE(axis->min(), -10.0);  // the shortest axis: three points are not squeezed right
        for (int i = 0; i < 20; ++i)
            view.sample();
        for (QValueAxis *axis : view.timeAxes())
            QCOMPARE(axis->min(), -22.0);  // 23 points, the oldest 22 s ago at the left edge
        view.rangeBox()->setCurrentIndex(view.rangeBox()->findData(300));
        for (QValueAxis *axis : view.timeAxes())
            QCOMPARE(axis->min(), -300.0);

        // The latency chart, with its legend, plots as tall as the others.
        QApplication::processEvents();
        const QList<QChartView *> charts = view.chartViews();
        QCOMPARE(charts.size(), 3);
        const qreal rateHeight = charts[0]->chart()->plotArea().height();
        const qreal latencyHeight = charts[2]->chart()->plotArea().height();
        QVERIFY2(rateHeight > 100, qPrintable(QString::number(rateHeight)));
        QVERIFY2(latencyHeight >= rateHeight * 0.9,
                 qPrintable(QStringLiteral("%1 against %2").arg(latencyHeight).arg(rateHeight)));
    }

    void notificationsSayWhatChangedElsewhere()
    {
        m_window->setNotificationsEnabled(true);
        // A change through the API is announced; one made in this window is not.
        const QJsonObject orders = routeJson("/api/orders", "/orders", {backendJson(m_backend->port())}, {"GET"});
        QCOMPARE(jsonRequest(port(), "POST", "/api/routes", orders).status, 201);
        QVERIFY2(m_window->lastNotification().startsWith(
                     QStringLiteral("Config changed: Config version 2 applied (from api)")),
                 qPrintable(m_window->lastNotification()));
        const Route seen = *m_service->configStore().current()->findRoute("/api/orders");
        QString why;
        QVERIFY(m_window->deleteRoute(seen, &why));
        QVERIFY(m_window->lastNotification().contains(QStringLiteral("version 2")));

        // A backend whose health checks fail.
        QJsonObject gone = backendJson(closedPort());
        gone.insert("health_check_path", "/health");
        QJsonObject config = QJsonDocument::fromJson(configWith({routeJson("/h", "/", {gone}, {"GET"})})).object();
        config.insert("health_check", QJsonObject{{"interval_ms", 100}, {"unhealthy_threshold", 1}});
        QVERIFY(
            m_service->configStore().replaceJson(QJsonDocument(config).toJson(), ConfigStore::Source::Gui).applied());
        QTRY_VERIFY_WITH_TIMEOUT(m_window->lastNotification().startsWith(QStringLiteral("Backend down: ")), 5000);
        // The Backends view lists it too, newest first.
        QVERIFY(!m_window->healthChanges()->isHidden());
        QVERIFY2(m_window->healthChanges()->item(0)->text().contains(QStringLiteral(" down: ")),
                 qPrintable(m_window->healthChanges()->item(0)->text()));

        // Turned off: nothing more.
        m_window->setNotificationsEnabled(false);
        QCOMPARE(jsonRequest(port(), "POST", "/api/routes", orders).status, 201);
        QVERIFY(m_window->lastNotification().startsWith(QStringLiteral("Backend down: ")));
        m_window->setNotificationsEnabled(true);
    }

    void darkPaletteKeepsTheConfigReadable()
    {
        const QPalette light = QApplication::palette();
        QPalette dark = light;
        dark.setColor(QPalette::Base, QColor(0x20, 0x20, 0x20));
        dark.setColor(QPalette::Text, QColor(0xe0, 0xe0, 0xe0));
        for (const QPalette &palette : {light, dark}) {
            QApplication::setPalette(palette);
            ConfigEditor view(m_service->configStore());
            view.showRunningConfig(true);
            const QTextBlock block = view.editor()->document()->findBlockByNumber(1);  // "  \"version\": 1,"
            const QList<QTextLayout::FormatRange> formats = block.layout()->formats();
            QVERIFY(!formats.isEmpty());
            const int keyLightness = formats.last().format.foreground().color().lightness();
            const int baseLightness = palette.color(QPalette::Base).lightness();
            QVERIFY2(std::abs(keyLightness - baseLightness) > 80,
                     qPrintable(QStringLiteral("key %1 on base %2").arg(keyLightness).arg(baseLightness)));
        }
        QApplication::setPalette(light);
    }

    void overviewMatchesTheMetrics()
    {
        QCOMPARE(m_window->tabs()->tabText(0), QStringLiteral("Overview"));
        // One of the routes fails: its backend is gone.
        const QJsonObject broken = routeJson("/broken", "/", {backendJson(closedPort())}, {"GET"});
        QCOMPARE(jsonRequest(port(), "POST", "/api/routes", broken).status, 201);
        OverviewView overview(*m_service);
        overview.sample();
        for (int i = 0; i < 12; ++i)
            QCOMPARE(request(port(), "GET", "/api/users").status, 200);
        for (int i = 0; i < 4; ++i)
            QCOMPARE(request(port(), "GET", "/broken").status, 502);
        overview.sample();
        overview.show();
        // The rate is what the route counters moved by between the two samples.
        QCOMPARE(overview.requestsText(), QStringLiteral("16"));
        QCOMPARE(overview.errorsText(), QStringLiteral("25.0 %"));
        QCOMPARE(overview.backendsText(), QStringLiteral("2 of 2"));
        QCOMPARE(overview.busiestRoutes()->rowCount(), 2);
        QCOMPARE(overview.busiestRoutes()->item(0, 0)->text(), QStringLiteral("/api/users"));
        QCOMPARE(overview.busiestRoutes()->item(1, 2)->text(), QStringLiteral("4"));
        QCOMPARE(overview.latestErrors()->count(), 4);
        QVERIFY(overview.latestErrors()->item(0)->text().contains(QStringLiteral("502  GET /broken")));

        // Double-clicking a busy route opens it in the Routes view.
        QSignalSpy opened(&overview, &OverviewView::routeActivated);
        emit overview.busiestRoutes()->cellDoubleClicked(1, 0);
        QCOMPARE(opened.size(), 1);
        QCOMPARE(opened.first().first().toString(), QStringLiteral("/broken"));
    }

    void backendChartFollowsTheSelectedBackend()
    {
        BackendChart chart;
        const QString key = QStringLiteral("http://127.0.0.1:%1").arg(m_backend->port());
        chart.sample(*m_service->gateway()->snapshot());
        for (int i = 0; i < 3; ++i)
            QCOMPARE(request(port(), "GET", "/api/users").status, 200);
        QCOMPARE(request(port(), "GET", "/api/users?status=500").status, 500);
        chart.sample(*m_service->gateway()->snapshot());
        const std::deque<BackendChart::Point> points = chart.history(key);
        QCOMPARE(points.size(), size_t(2));
        QCOMPARE(points.back().errorPercent, 25.0);  // one 5xx of four answers in that second
        QVERIFY(points.back().p99Ms > 0);
        chart.sample(*m_service->gateway()->snapshot());
        QCOMPARE(chart.history(key).back().errorPercent, 0.0);  // nothing that second

        // A backend that leaves the config leaves the chart's memory.
        QVERIFY(m_service->configStore()
                    .replaceJson(configWith({routeJson("/other", "/", {backendJson(closedPort())}, {"GET"})}),
                                 ConfigStore::Source::Api)
                    .applied());
        chart.sample(*m_service->gateway()->snapshot());
        QVERIFY(chart.history(key).empty());
    }

    // "Config applied" comes and goes over the views: the tabs stay where the pointer aims.
    void infoNoteDoesNotMoveTheTabs()
    {
        m_window->show();
        QApplication::processEvents();
        const QPoint before = m_window->tabs()->mapTo(m_window, QPoint(0, 0));
        m_window->showInfo(QStringLiteral("Config applied (version 7)."));
        QApplication::processEvents();
        QVERIFY(m_window->infoNote()->isVisible());
        QCOMPARE(m_window->tabs()->mapTo(m_window, QPoint(0, 0)), before);
        QVERIFY(m_window->tabs()->geometry().contains(m_window->infoNote()->geometry()));  // over the views
    }

    void trafficShowsRequestsWithHeaders()
    {
        QCOMPARE(request(port(), "GET", "/api/users", {{"X-Trace", "abc"}}).status, 200);
        QTRY_VERIFY([&] {
            m_window->trafficView()->poll();
            return m_window->trafficView()->model()->rowCount() >= 1;
        }());
        const RequestRecord &record = m_window->trafficView()->model()->record(0);
        QCOMPARE(record.routePath, QStringLiteral("/api/users"));
        QCOMPARE(record.requestHeaders.value("x-trace"), QByteArray("abc"));
        QVERIFY(record.responseHeaders.contains("x-request-id"));
    }

    // A 200 KiB body each way is kept up to console.capture_body_bytes (64 KiB by default), said
    // to be truncated; with 0 no body is kept at all, and the sizes are still known.
    void trafficCapturesBodiesUpToTheLimit()
    {
        useEchoRoute();
        const QByteArray big(200 * 1024, 'k');
        Response posted = request(port(), "POST", "/api/echo", {{"Content-Type", "text/plain"}}, big);
        QCOMPARE(posted.status, 200);
        const RequestRecord *record = waitForRecord(posted.headers.value("x-request-id"));
        QVERIFY(record);
        QCOMPARE(record->requestBody.size(), 65536);
        QVERIFY(record->requestBodyTruncated);
        QCOMPARE(record->requestBytes, 200 * 1024);
        QCOMPARE(record->requestBody, big.left(65536));

        Response streamed = request(port(), "GET", "/api/echo?bytes=204800&chunked=1");
        QCOMPARE(streamed.status, 200);
        QCOMPARE(streamed.body.size(), 204800);
        record = waitForRecord(streamed.headers.value("x-request-id"));
        QVERIFY(record);
        QCOMPARE(record->responseBody.size(), 65536);
        QCOMPARE(record->responseBody, streamed.body.left(65536));
        QVERIFY(record->responseBodyTruncated);
        QCOMPARE(record->responseBytes, 204800);
        QVERIFY(selectRecord(record->requestId));
        BodyView *responseView = m_window->trafficView()->responseBodyView();
        QCOMPARE(responseView->mode(), BodyView::Mode::Hex);  // application/octet-stream
        QVERIFY2(responseView->note().contains(QStringLiteral("Truncated at 65536 bytes (of 204800)")),
                 qPrintable(responseView->note()));
        QVERIFY(responseView->text().startsWith(QStringLiteral("00000000  ")));

        useEchoRoute({{"console", QJsonObject{{"capture_body_bytes", 0}}}});
        posted = request(port(), "POST", "/api/echo", {{"Content-Type", "text/plain"}}, big);
        QCOMPARE(posted.status, 200);
        record = waitForRecord(posted.headers.value("x-request-id"));
        QVERIFY(record);
        QVERIFY(record->requestBody.isEmpty());
        QVERIFY(record->responseBody.isEmpty());
        QVERIFY(!record->requestBodyTruncated);
        QCOMPARE(record->requestBytes, 200 * 1024);
        QVERIFY(record->responseBytes > 0);
    }

    // JSON indented, text as it came, an image as the picture, a compressed body as bytes with a note.
    void bodiesShownForWhatTheyAre()
    {
        useEchoRoute();
        const Response posted =
            request(port(), "POST", "/api/echo", {{"Content-Type", "application/json"}}, R"({"name":"ana","n":[1,2]})");
        QCOMPARE(posted.status, 200);
        QVERIFY(waitForRecord(posted.headers.value("x-request-id")));
        QVERIFY(selectRecord(posted.headers.value("x-request-id")));
        TrafficView *view = m_window->trafficView();
        QCOMPARE(view->requestBodyView()->mode(), BodyView::Mode::Json);
        QVERIFY2(view->requestBodyView()->text().contains(QStringLiteral("    \"name\": \"ana\"")),
                 qPrintable(view->requestBodyView()->text()));
        QCOMPARE(view->responseBodyView()->mode(), BodyView::Mode::Json);  // the echo's description
        QVERIFY(view->responseBodyView()->text().contains(QStringLiteral("\"method\": \"POST\"")));
        QVERIFY(view->responseBodyView()->note().isEmpty());

        BodyView body;
        http::Headers text;
        text.add("Content-Type", "text/plain; charset=utf-8");
        body.setBody("hola\nmundo", text, false, 10);
        QCOMPARE(body.mode(), BodyView::Mode::Text);
        QCOMPARE(body.text(), QStringLiteral("hola\nmundo"));

        QImage image(3, 2, QImage::Format_RGB32);
        image.fill(Qt::red);
        QByteArray png;
        QBuffer buffer(&png);
        QVERIFY(buffer.open(QIODevice::WriteOnly));
        QVERIFY(image.save(&buffer, "PNG"));
        http::Headers pictured;
        pictured.add("Content-Type", "image/png");
        body.setBody(png, pictured, false, png.size());
        QCOMPARE(body.mode(), BodyView::Mode::Image);
        QCOMPARE(body.imageSize(), QSize(3, 2));
        body.setBody(png.left(20), pictured, true, png.size());  // cut short: not an image any more
        QCOMPARE(body.mode(), BodyView::Mode::Hex);
        QVERIFY(body.note().contains(QStringLiteral("Truncated at 20 bytes")));

        http::Headers gzipped;
        gzipped.add("Content-Type", "application/json");
        gzipped.add("Content-Encoding", "gzip");
        body.setBody(QByteArray("\x1f\x8b\x08\x00", 4), gzipped, false, 4);
        QCOMPARE(body.mode(), BodyView::Mode::Hex);
        QVERIFY(body.note().contains(QStringLiteral("gzip")));
        QCOMPARE(body.text(), QStringLiteral("00000000  1f 8b 08 00%1  ....\n").arg(QString(), 47 - 11));

        body.setBody({}, text, false, 0);
        QCOMPARE(body.mode(), BodyView::Mode::Empty);
    }

    // Queued, connect (or reused), first byte and total; each try with its backend and outcome.
    void trafficShowsTimingAndTries()
    {
        QJsonObject retry{{"max_attempts", 2}, {"initial_backoff_ms", 1}, {"max_backoff_ms", 2}};
        QJsonObject echo = routeJson("/api/echo", "/echo", {backendJson(closedPort()), backendJson(m_backend->port())});
        echo.insert("retry", retry);
        QJsonObject config{{"version", 1}, {"server", QJsonObject{{"workers", 1}}}, {"routers", QJsonArray{echo}}};
        QVERIFY(
            m_service->configStore().replaceJson(QJsonDocument(config).toJson(), ConfigStore::Source::Api).applied());
        // Copies: the list moves its records as new ones come in.
        std::optional<RequestRecord> retried;
        std::optional<RequestRecord> direct;
        for (int i = 0; i < 4 && (!retried || !direct); ++i) {
            const Response response = request(port(), "GET", "/api/echo");
            QCOMPARE(response.status, 200);
            const RequestRecord *record = waitForRecord(response.headers.value("x-request-id"));
            QVERIFY(record);
            if (record->tries.size() == 2)
                retried = *record;
            else if (record->tries.size() == 1)
                direct = *record;
        }
        QVERIFY(retried);
        QVERIFY(direct);
        QCOMPARE(retried->attempts, 2);
        QCOMPARE(retried->tries[0].status, 0);
        QVERIFY(!retried->tries[0].error.isEmpty());
        QCOMPARE(retried->tries[1].status, 200);
        QVERIFY(retried->tries[1].error.isEmpty());
        QVERIFY(retried->tries[1].startUs >= retried->tries[0].startUs);
        QCOMPARE(retried->tries[1].backend, retried->backend);
        QVERIFY(retried->tries[0].backend != retried->tries[1].backend);
        QVERIFY(retried->tries[1].firstByteUs >= 0);
        QVERIFY(direct->tries[0].reusedConnection || direct->tries[0].connectUs >= 0);
        QVERIFY(direct->firstByteUs >= 0);
        QVERIFY(direct->firstByteUs <= direct->durationUs);
        QVERIFY(!direct->gatewayResponse);

        QVERIFY(selectRecord(retried->requestId));
        const QString timing = m_window->trafficView()->timingView()->toPlainText();
        QVERIFY2(timing.contains(QStringLiteral("Queued: not queued")), qPrintable(timing));
        QVERIFY(timing.contains(QStringLiteral("Time to first byte: ")));
        QVERIFY(timing.contains(QStringLiteral("Total: ")));
        QVERIFY(timing.contains(QStringLiteral("  1. ")));
        QVERIFY(timing.contains(QStringLiteral("  2. ")));
        QVERIFY(timing.contains(QStringLiteral("→ 200")));
        QVERIFY(timing.contains(QString::fromUtf8(retried->tries[0].error)));
        QVERIFY(timing.contains(retried->tries[0].backend));
    }

    void filterBarNarrowsTheList()
    {
        useEchoRoute();
        TrafficView *view = m_window->trafficView();
        QByteArray lastId;
        for (int i = 0; i < 3; ++i)
            lastId = request(port(), "GET", "/api/users", {{"X-Trace", "t" + QByteArray::number(i)}})
                         .headers.value("x-request-id");
        const QByteArray postId =
            request(port(), "POST", "/api/echo", {{"Content-Type", "text/plain"}}, "find the Needle here")
                .headers.value("x-request-id");
        const QByteArray notFoundId = request(port(), "GET", "/nowhere").headers.value("x-request-id");
        const QByteArray refusedId = request(port(), "DELETE", "/api/users").headers.value("x-request-id");
        const QByteArray failedId = request(port(), "GET", "/api/echo?status=503").headers.value("x-request-id");
        for (const QByteArray &id : {lastId, postId, notFoundId, refusedId, failedId})
            QVERIFY(waitForRecord(id));
        QCOMPARE(shownRows(), 7);

        auto pick = [](QComboBox *box, const QString &text) {
            const int index = box->findText(text);
            QVERIFY2(index >= 0, qPrintable(text));
            box->setCurrentIndex(index);
        };
        const QList<QComboBox *> boxes = view->findChildren<QComboBox *>();
        QCOMPARE(boxes.size(), 4);  // method, status, route, backend
        pick(boxes[0], "POST");
        QCOMPARE(shownRows(), 1);
        pick(boxes[0], "Any method");
        pick(boxes[1], "Gateway errors");
        QCOMPARE(shownRows(), 2);  // the 404 and the 405, not the backend's 503
        QVERIFY(selectRecord(notFoundId));
        QVERIFY(selectRecord(refusedId));
        QVERIFY(!selectRecord(failedId));
        pick(boxes[1], "5xx");
        QCOMPARE(shownRows(), 1);
        pick(boxes[1], "4xx");
        QCOMPARE(shownRows(), 2);
        pick(boxes[1], "2xx");
        QCOMPARE(shownRows(), 4);
        pick(boxes[2], "/api/users");
        QCOMPARE(shownRows(), 3);
        pick(boxes[1], "Any status");
        QCOMPARE(shownRows(), 3);  // the 405 matched no route: the path did, its method did not
        pick(boxes[2], "Any route");
        pick(boxes[3], QStringLiteral("http://127.0.0.1:%1").arg(m_backend->port()));
        QCOMPARE(shownRows(), 5);

        pick(boxes[3], "Any backend");
        QLineEdit *search = view->findChild<QLineEdit *>();
        search->setText("needle");  // the request body, whatever the case
        QTRY_COMPARE(shownRows(), 1);
        QVERIFY(selectRecord(postId));
        search->setText("T2");  // a header value
        QTRY_VERIFY(selectRecord(lastId));
        QCOMPARE(shownRows(), 1);
        search->setText("/NOWHERE");
        QTRY_VERIFY(selectRecord(notFoundId));
        QCOMPARE(shownRows(), 1);
        search->clear();
        QTRY_COMPARE(shownRows(), 7);

        // Status colours: one per class, the gateway's own answers apart.
        TrafficModel *model = view->model();
        QSet<QRgb> colours;
        for (int row = 0; row < model->rowCount(); ++row)
            colours.insert(
                model->data(model->index(row, TrafficModel::Status), Qt::ForegroundRole).value<QColor>().rgb());
        QCOMPARE(colours.size(), 3);  // 2xx, 5xx, gateway

        // Pause: nothing new is taken; Resume takes what comes next; Clear empties the list.
        view->setPaused(true);
        const QByteArray whilePaused = request(port(), "GET", "/api/users").headers.value("x-request-id");
        QTest::qWait(50);
        view->poll();
        QCOMPARE(model->rowCount(), 7);
        view->setPaused(false);
        const QByteArray afterPause = request(port(), "GET", "/api/users").headers.value("x-request-id");
        QVERIFY(waitForRecord(afterPause));
        QCOMPARE(model->rowCount(), 8);
        view->clear();
        QCOMPARE(model->rowCount(), 0);
        QCOMPARE(shownRows(), 0);
    }

    // 500 exchanges with 64 KiB bodies each way: a search through all of them stays interactive.
    void filteringFiveHundredExchangesIsFast()
    {
        TrafficModel model(500);
        QList<RequestRecord> records;
        QByteArray body(64 * 1024, 'a');
        for (int i = 0; i < 500; ++i) {
            RequestRecord record;
            record.method = i % 2 ? "GET" : "POST";
            record.target = "/api/items/" + QByteArray::number(i);
            record.status = 200;
            record.requestHeaders.add("Accept", "application/json");
            record.requestBody = body;
            record.responseBody = body;
            records.append(record);
        }
        records[321].responseBody = QByteArray(64 * 1024 - 10, 'a') + "Zebra";
        model.append(records);
        TrafficFilter filter;
        filter.setSourceModel(&model);
        QElapsedTimer clock;
        clock.start();
        filter.setText("zebra");
        const int found = filter.rowCount();  // the proxy filters when asked
        const qint64 elapsed = clock.elapsed();
        QCOMPARE(found, 1);
        qInfo() << "searched 500 exchanges (64 MB of bodies) in" << elapsed << "ms";
        QVERIFY2(elapsed < 250, qPrintable(QString::number(elapsed)));
        filter.setText(QString());
        filter.setMethod("POST");
        QCOMPARE(filter.rowCount(), 250);
    }

    // The copied command, run by /bin/sh, sends the same method, path, fields and body again.
    void copyAsCurlSendsTheSameRequest()
    {
        useEchoRoute();
        const QByteArray textBody = "it's \"quoted\" $HOME `id` \\n\nsecond line ñ";
        QByteArray binaryBody("\x00\x01\xff%s\\'x", 8);
        for (const QByteArray &body : {textBody, binaryBody}) {
            const Response sent = request(port(), "PUT", "/api/echo/items?q=a%20b&x=1",
                                          {{"Content-Type", "application/octet-stream"}, {"X-Quote", "O'Brien"}}, body);
            QCOMPARE(sent.status, 200);
            QVERIFY(waitForRecord(sent.headers.value("x-request-id")));
            QVERIFY(selectRecord(sent.headers.value("x-request-id")));
            QApplication::clipboard()->clear();
            m_window->trafficView()->copyCurl();
            const QString command = QApplication::clipboard()->text();
            QVERIFY2(command.contains(QStringLiteral("curl ")), qPrintable(command));
            QVERIFY(command.contains(QStringLiteral("--data-binary")));
            const QJsonObject seen = QJsonDocument::fromJson(runShell(command + " --silent")).object();
            QVERIFY2(!seen.isEmpty(), qPrintable(command));
            QCOMPARE(seen["method"].toString(), QStringLiteral("PUT"));
            QCOMPARE(seen["target"].toString(), QStringLiteral("/echo/items?q=a%20b&x=1"));
            QCOMPARE(seen["body_sha256"].toString(),
                     QString::fromLatin1(QCryptographicHash::hash(body, QCryptographicHash::Sha256).toHex()));
            bool quoteSeen = false;
            for (const QJsonValue &field : seen["headers"].toArray())
                quoteSeen = quoteSeen || field.toArray() == QJsonArray{"X-Quote", "O'Brien"};
            QVERIFY(quoteSeen);
        }

        // The response body, as it came, on the clipboard.
        const Response listed = request(port(), "GET", "/api/users");
        QVERIFY(waitForRecord(listed.headers.value("x-request-id")));
        QVERIFY(selectRecord(listed.headers.value("x-request-id")));
        m_window->trafficView()->copyResponseBody();
        QCOMPARE(QApplication::clipboard()->text().toUtf8(), listed.body);
    }

    void curlCommandQuoting()
    {
        QCOMPARE(shellQuoted("a b"), QStringLiteral("'a b'"));
        QCOMPARE(shellQuoted("it's"), QStringLiteral("'it'\\''s'"));
        RequestRecord record;
        record.method = "HEAD";
        record.target = "/x";
        record.requestHeaders.add("Host", "example");
        record.requestHeaders.add("Connection", "keep-alive");
        record.requestHeaders.add("Authorization", "Bearer [redacted]");
        record.requestHeaders.add("Accept", "*/*");
        const QString command = curlCommand(record, "http://127.0.0.1:5900");
        QCOMPARE(command, QStringLiteral("# Authorization was not captured; add it with -H\n"
                                         "curl --head --header 'Host: example' --header 'Accept: */*' "
                                         "'http://127.0.0.1:5900/x'"));
        record.requestHeaders.set("Host", "127.0.0.1:5900");  // the gateway's own address: curl's
        QVERIFY(!curlCommand(record, "http://127.0.0.1:5900").contains(QStringLiteral("Host")));
        record.alpn = "h2c";  // HTTP/2 with prior knowledge: curl must not start in HTTP/1.1
        QVERIFY(curlCommand(record, "http://127.0.0.1:5900")
                    .contains(QStringLiteral("curl --http2-prior-knowledge --head")));
    }

    // A HAR from a browser has none of Kairos's own fields: its entries still show, bodies decoded.
    void harFromElsewhereImports()
    {
        const QJsonObject request{
            {"method", "POST"},
            {"url", "https://example.com/v1/items?page=2"},
            {"httpVersion", "HTTP/2"},
            {"headers", QJsonArray{QJsonObject{{"name", "content-type"}, {"value", "application/json"}}}},
            {"queryString", QJsonArray{QJsonObject{{"name", "page"}, {"value", "2"}}}},
            {"cookies", QJsonArray()},
            {"postData", QJsonObject{{"mimeType", "application/json"}, {"text", "{\"id\":7}"}}},
            {"headersSize", -1},
            {"bodySize", 8}};
        const QJsonObject response{
            {"status", 201},
            {"statusText", "Created"},
            {"httpVersion", "HTTP/2"},
            {"headers", QJsonArray{QJsonObject{{"name", "content-type"}, {"value", "image/png"}}}},
            {"cookies", QJsonArray()},
            {"content",
             QJsonObject{{"size", 4}, {"mimeType", "image/png"}, {"text", "iVBORw=="}, {"encoding", "base64"}}},
            {"redirectURL", ""},
            {"headersSize", -1},
            {"bodySize", 4}};
        const QJsonObject entry{{"startedDateTime", "2026-03-01T10:00:00.250+01:00"},
                                {"time", 12.5},
                                {"request", request},
                                {"response", response},
                                {"cache", QJsonObject()},
                                {"timings", QJsonObject{{"send", 0}, {"wait", 10}, {"receive", 2.5}}}};
        const QJsonObject har{{"log", QJsonObject{{"version", "1.2"},
                                                  {"creator", QJsonObject{{"name", "Firefox"}, {"version", "128"}}},
                                                  {"entries", QJsonArray{entry}}}}};
        QString error;
        const QList<RequestRecord> records = recordsFromHar(har, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(records.size(), 1);
        const RequestRecord &record = records[0];
        QCOMPARE(record.method, QByteArray("POST"));
        QCOMPARE(record.target, QByteArray("/v1/items?page=2"));
        QCOMPARE(record.status, 201);
        QCOMPARE(record.requestBody, QByteArray("{\"id\":7}"));
        QCOMPARE(record.responseBody, QByteArray("\x89PNG"));
        QVERIFY(!record.responseBodyTruncated);
        QCOMPARE(record.durationUs, 12500);
        QCOMPARE(record.finishedAtMs,
                 QDateTime::fromString("2026-03-01T09:00:00.262Z", Qt::ISODateWithMs).toMSecsSinceEpoch());
        QCOMPARE(QByteArray(record.note), QByteArray("imported"));
        QCOMPARE(record.queuedUs, -1);
        QVERIFY(record.tries.isEmpty());
    }

    // HAR 1.2: every field the format requires, of the right type; and read back into the list.
    void harExportFollowsTheFormatAndImportsBack()
    {
        useEchoRoute();
        TrafficView *view = m_window->trafficView();
        view->clear();
        const QList<Response> sent{
            request(port(), "POST", "/api/echo?lang=es&q=a%20b", {{"Content-Type", "application/json"}}, R"({"a":1})"),
            request(port(), "GET", "/api/echo?bytes=300"),
            request(port(), "GET", "/nowhere"),
        };
        for (const Response &response : sent)
            QVERIFY(waitForRecord(response.headers.value("x-request-id")));
        QCOMPARE(view->model()->rowCount(), 3);
        const QString path = m_dir->filePath("all.har");
        QString error;
        QVERIFY2(view->exportHar(path, false, &error), qPrintable(error));

        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QJsonParseError parseError;
        const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &parseError);
        QCOMPARE(parseError.error, QJsonParseError::NoError);
        const QJsonObject log = document.object()["log"].toObject();
        QCOMPARE(log["version"].toString(), QStringLiteral("1.2"));
        QVERIFY(log["creator"].toObject()["name"].isString());
        QVERIFY(log["creator"].toObject()["version"].isString());
        QVERIFY(log["entries"].isArray());
        const QJsonArray entries = log["entries"].toArray();
        QCOMPARE(entries.size(), 3);
        auto checkNameValues = [](const QJsonValue &list) {
            QVERIFY(list.isArray());
            for (const QJsonValue &item : list.toArray()) {
                QVERIFY(item.toObject()["name"].isString());
                QVERIFY(item.toObject()["value"].isString());
            }
        };
        qint64 previousStart = 0;
        for (int i = 0; i < entries.size(); ++i) {
            const QJsonObject entry = entries[i].toObject();
            const QDateTime started = QDateTime::fromString(entry["startedDateTime"].toString(), Qt::ISODateWithMs);
            QVERIFY2(started.isValid(), qPrintable(entry["startedDateTime"].toString()));
            QVERIFY(entry["startedDateTime"].toString().contains(QLatin1Char('T')));
            QVERIFY(started.toMSecsSinceEpoch() >= previousStart);  // oldest first
            previousStart = started.toMSecsSinceEpoch();
            QVERIFY(entry["time"].isDouble());
            QVERIFY(entry["cache"].isObject());

            const QJsonObject request = entry["request"].toObject();
            QVERIFY(request["method"].isString());
            QVERIFY(request["url"].toString().startsWith(QStringLiteral("http://127.0.0.1:%1/").arg(port())));
            QCOMPARE(request["httpVersion"].toString(), QStringLiteral("HTTP/1.1"));
            QVERIFY(request["cookies"].isArray());
            checkNameValues(request["headers"]);
            checkNameValues(request["queryString"]);
            QVERIFY(request["headersSize"].isDouble());
            QVERIFY(request["bodySize"].isDouble());

            const QJsonObject response = entry["response"].toObject();
            QVERIFY(response["status"].isDouble());
            QVERIFY(response["statusText"].isString());
            QCOMPARE(response["httpVersion"].toString(), QStringLiteral("HTTP/1.1"));
            QVERIFY(response["cookies"].isArray());
            checkNameValues(response["headers"]);
            QVERIFY(response["redirectURL"].isString());
            QVERIFY(response["headersSize"].isDouble());
            QVERIFY(response["bodySize"].isDouble());
            const QJsonObject content = response["content"].toObject();
            QVERIFY(content["size"].isDouble());
            QVERIFY(content["mimeType"].isString());

            const QJsonObject timings = entry["timings"].toObject();
            double sum = 0;
            for (const char *key : {"blocked", "dns", "connect", "send", "wait", "receive"}) {
                QVERIFY2(timings[key].isDouble(), key);
                QVERIFY2(timings[key].toDouble() >= -1, key);
                sum += std::max(0.0, timings[key].toDouble());
            }
            for (const char *key : {"send", "wait", "receive"})
                QVERIFY2(timings[key].toDouble() >= 0, key);  // never -1 in HAR 1.2
            QCOMPARE(timings["dns"].toDouble(), -1.0);
            QVERIFY(qAbs(sum - entry["time"].toDouble()) < 0.01);
        }
        const QJsonObject post = entries[0].toObject()["request"].toObject();
        QCOMPARE(post["method"].toString(), QStringLiteral("POST"));
        QCOMPARE(post["queryString"].toArray().size(), 2);
        QCOMPARE(post["queryString"].toArray()[1].toObject()["value"].toString(), QStringLiteral("a b"));
        QCOMPARE(post["postData"].toObject()["mimeType"].toString(), QStringLiteral("application/json"));
        QCOMPARE(post["postData"].toObject()["text"].toString(), QStringLiteral(R"({"a":1})"));
        QVERIFY(post["postData"].toObject()["params"].isArray());
        QCOMPARE(post["bodySize"].toInt(), 7);
        const QJsonObject binary = entries[1].toObject()["response"].toObject()["content"].toObject();
        QCOMPARE(binary["encoding"].toString(), QStringLiteral("base64"));
        QCOMPARE(binary["size"].toInt(), 300);
        QCOMPARE(QByteArray::fromBase64(binary["text"].toString().toLatin1()), sent[1].body);
        QCOMPARE(entries[1].toObject()["response"].toObject()["status"].toInt(), 200);
        QCOMPARE(entries[1].toObject()["response"].toObject()["statusText"].toString(), QStringLiteral("OK"));
        QCOMPARE(entries[2].toObject()["response"].toObject()["status"].toInt(), 404);
        QVERIFY(!entries[2].toObject().contains("postData"));

        // Selected only: one entry.
        QVERIFY(selectRecord(sent[1].headers.value("x-request-id")));
        const QString onePath = m_dir->filePath("one.har");
        QVERIFY2(view->exportHar(onePath, true, &error), qPrintable(error));
        QFile one(onePath);
        QVERIFY(one.open(QIODevice::ReadOnly));
        QCOMPARE(QJsonDocument::fromJson(one.readAll())["log"]["entries"].toArray().size(), 1);

        // Back in: the same exchanges, bodies and all.
        const QList<RequestRecord> original = view->model()->records();
        view->clear();
        QVERIFY2(view->importHar(path, &error), qPrintable(error));
        QCOMPARE(view->model()->rowCount(), 3);
        for (int row = 0; row < 3; ++row) {
            const RequestRecord &back = view->model()->record(row);
            const RequestRecord &before = original[row];
            QCOMPARE(back.method, before.method);
            QCOMPARE(back.target, before.target);
            QCOMPARE(back.status, before.status);
            QCOMPARE(back.requestBody, before.requestBody);
            QCOMPARE(back.responseBody, before.responseBody);
            QCOMPARE(back.responseHeaders.fields(), before.responseHeaders.fields());
            QCOMPARE(back.requestHeaders.fields(), before.requestHeaders.fields());
            QCOMPARE(back.routePath, before.routePath);
            QCOMPARE(back.requestId, before.requestId);
            QCOMPARE(back.gatewayResponse, before.gatewayResponse);
            QCOMPARE(back.tries.size(), before.tries.size());
            QCOMPARE(back.durationUs, before.durationUs);
        }
        const QString broken = m_dir->filePath("broken.har");
        QFile brokenFile(broken);
        QVERIFY(brokenFile.open(QIODevice::WriteOnly));
        brokenFile.write("{\"log\": {}}");
        brokenFile.close();
        QVERIFY(!view->importHar(broken, &error));
        QVERIFY(error.contains(QStringLiteral("log.entries")));
    }

    // Replay sends the request again through the gateway; the new exchange is selected beside the old.
    void replayAndEditAndResend()
    {
        useEchoRoute();
        TrafficView *view = m_window->trafficView();
        const Response sent = request(port(), "POST", "/api/echo/orders?x=1",
                                      {{"Content-Type", "text/plain"}, {"X-Trace", "r1"}}, "replay me");
        const QByteArray firstId = sent.headers.value("x-request-id");
        QVERIFY(waitForRecord(firstId));
        QVERIFY(selectRecord(firstId));
        QSignalSpy shown(view, &TrafficView::resentShown);
        view->replay();
        QTRY_COMPARE_WITH_TIMEOUT(shown.size(), 1, 10000);
        const QByteArray replayedId = shown.at(0).at(0).toByteArray();
        QVERIFY(replayedId != firstId);
        QVERIFY(view->currentRecord());
        QCOMPARE(view->currentRecord()->requestId, replayedId);
        QCOMPARE(view->currentRecord()->method, QByteArray("POST"));
        QCOMPARE(view->currentRecord()->target, QByteArray("/api/echo/orders?x=1"));
        QCOMPARE(view->currentRecord()->requestBody, QByteArray("replay me"));
        QCOMPARE(view->currentRecord()->requestHeaders.value("x-trace"), QByteArray("r1"));
        const QJsonObject seen = QJsonDocument::fromJson(view->currentRecord()->responseBody).object();
        QCOMPARE(seen["method"].toString(), QStringLiteral("POST"));
        QCOMPARE(seen["target"].toString(), QStringLiteral("/echo/orders?x=1"));
        QCOMPARE(seen["body"].toString(), QStringLiteral("replay me"));
        QVERIFY(selectRecord(firstId));  // the original is still there

        QPointer<QDialog> dialog = view->openResendDialog();
        QVERIFY(dialog);
        dialog->findChild<QLineEdit *>("method")->setText("PATCH");
        dialog->findChild<QLineEdit *>("path")->setText("/api/echo/edited");
        dialog->findChild<QPlainTextEdit *>("headers")->setPlainText("Content-Type: text/plain\nX-Edited: yes\n");
        dialog->findChild<QPlainTextEdit *>("body")->setPlainText("changed body");
        QPushButton *sendButton = nullptr;
        for (QPushButton *button : dialog->findChildren<QPushButton *>()) {
            if (button->text() == QStringLiteral("Send"))
                sendButton = button;
        }
        QVERIFY(sendButton);
        sendButton->click();
        QTRY_COMPARE_WITH_TIMEOUT(shown.size(), 2, 10000);
        QTRY_VERIFY(!dialog);  // closed and deleted
        const RequestRecord *edited = view->currentRecord();
        QVERIFY(edited);
        QCOMPARE(edited->requestId, shown.at(1).at(0).toByteArray());
        QCOMPARE(edited->method, QByteArray("PATCH"));
        QCOMPARE(edited->target, QByteArray("/api/echo/edited"));
        QCOMPARE(edited->requestBody, QByteArray("changed body"));
        QCOMPARE(edited->requestHeaders.value("x-edited"), QByteArray("yes"));
        QVERIFY(!edited->requestHeaders.contains("x-trace"));
        const QJsonObject editedSeen = QJsonDocument::fromJson(edited->responseBody).object();
        QCOMPARE(editedSeen["method"].toString(), QStringLiteral("PATCH"));
        QCOMPARE(editedSeen["target"].toString(), QStringLiteral("/echo/edited"));
        QCOMPARE(editedSeen["body"].toString(), QStringLiteral("changed body"));
    }

    void everyViewRendersToPng()
    {
        const QString path = m_dir->filePath("shot.png");
        QVERIFY(m_window->saveScreenshots(path));
        for (const char *view : {"overview", "routes", "backends", "metrics", "traffic", "config"})
            QVERIFY2(QImage(m_dir->filePath(QStringLiteral("shot-%1.png").arg(view))).width() > 100, view);
    }

    void stopAndStartListening()
    {
        QCOMPARE(request(port(), "GET", "/api/users").status, 200);
        m_service->stop();
        QVERIFY(!m_service->isListening());
        QString error;
        QVERIFY2(m_service->restart(&error), qPrintable(error));
        QVERIFY(m_service->isListening());
        QCOMPARE(request(port(), "GET", "/api/users").status, 200);
    }

    // Fleet mode's tab: the members with their revisions, and the refused documents only when there are some.
    void clusterViewShowsMembersAndProblems()
    {
        const QJsonObject status =
            QJsonDocument::fromJson(
                "{\"mode\":\"etcd\",\"instance\":\"a:1\",\"store\":{\"up\":false,\"endpoints\":[\"http://"
                "127.0.0.1:2379\"],\"prefix\":\"/kairos\",\"revision\":42,\"error\":\"connection "
                "refused\"},\"members\":[{\"name\":\"a:1\",\"address\":\"http://"
                "a:1\",\"revision\":42,\"version\":\"0.3.0\",\"started\":\"t\"},{\"name\":\"b:1\",\"address\":\"http://"
                "b:1\",\"revision\":41,\"version\":\"0.3.0\",\"started\":\"t\"}],\"problems\":[{\"key\":\"/kairos/"
                "routes/x\",\"revision\":40,\"error\":\"not JSON\"}]}")
                .object();
        ClusterView view;
        view.setStatus(status);
        const QList<QTableWidget *> tables = view.findChildren<QTableWidget *>();
        QCOMPARE(tables.size(), 2);
        QCOMPARE(tables[0]->rowCount(), 2);
        QCOMPARE(tables[0]->item(1, 0)->text(), QStringLiteral("b:1"));
        QCOMPARE(tables[0]->item(1, 2)->text(), QStringLiteral("41"));
        QCOMPARE(tables[1]->rowCount(), 1);
        QCOMPARE(tables[1]->item(0, 2)->text(), QStringLiteral("not JSON"));
        QVERIFY(!tables[1]->isHidden());
        QCOMPARE(ClusterView::summary(status), QStringLiteral("Fleet: 2 instance(s) · revision 42 · etcd down"));
        QJsonObject clean = status;
        clean.insert("problems", QJsonArray());
        view.setStatus(clean);
        QVERIFY(tables[1]->isHidden());
    }

    void spanishTranslationLoads()
    {
        QTranslator translator;
        QVERIFY(translator.load(QLocale(QLocale::Spanish), "kairos", "_", ":/kairos/translations"));
        QCOMPARE(translator.translate("kairos::MainWindow", "Routes"), QStringLiteral("Rutas"));
        QCOMPARE(translator.translate("kairos::ProtectionEditor", "Request queue"),
                 QStringLiteral("Cola de peticiones"));
    }
};

QTEST_MAIN(TestGui)
#include "tst_gui.moc"
