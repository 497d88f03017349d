// The console under QT_QPA_PLATFORM=offscreen, driving a real in-process gateway.
#include "backendsmodel.h"
#include "clusterview.h"
#include "connectioneditor.h"
#include "configeditor.h"
#include "mainwindow.h"
#include "metricsview.h"
#include "overviewview.h"
#include "protectioneditor.h"
#include "routeeditor.h"
#include "routesmodel.h"
#include "trafficview.h"

#include "demo/echobackend.h"
#include "support/testsupport.h"

#include <QChartView>
#include <QCheckBox>
#include <QComboBox>
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
#include <QPointer>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTabWidget>
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
        QCOMPARE(menus, QStringList({"&File", "&View", "&Gateway", "&Help"}));

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
        QMenu *gateway = m_window->menuBar()->actions().at(2)->menu();
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
