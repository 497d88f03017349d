// The console's local-development tools under QT_QPA_PLATFORM=offscreen, on a ConfigStore of
// their own: the route editor's behaviour, CORS, header-rule, fault and compression sections,
// the routes view's fault switch, and the routes the traffic inspector makes from an exchange.
#include "compressioneditor.h"
#include "corseditor.h"
#include "discoverdialog.h"
#include "exchangeroutes.h"
#include "faulteditor.h"
#include "faultswitch.h"
#include "headerruleseditor.h"
#include "routebehavioureditor.h"
#include "routeeditor.h"
#include "routeeditorfixture.h"
#include "routesmodel.h"
#include "ruleformparts.h"
#include "trafficview.h"

#include "config/configwriter.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QGroupBox>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

using namespace kairos;

namespace {

QJsonObject backend(int port = 9001)
{
    return QJsonObject{{"host", "http://127.0.0.1"}, {"port", port}};
}

QJsonObject route(const QString &path, const QJsonObject &extra = {})
{
    QJsonObject json{{"external_path", path},
                     {"internal_path", "/"},
                     {"methods", QJsonArray{"GET", "POST", "OPTIONS"}},
                     {"backends", QJsonArray{backend()}}};
    for (auto it = extra.begin(); it != extra.end(); ++it)
        json.insert(it.key(), it.value());
    return json;
}

void setCell(QTableWidget *table, int row, int column, const QString &text)
{
    if (!table->item(row, column))
        table->setItem(row, column, new QTableWidgetItem);
    table->item(row, column)->setText(text);
}

QJsonObject routeJsonOf(ConfigStore &store, const QString &path)
{
    const Route *found = store.current()->findRoute(path);
    return found ? routeToJson(*found) : QJsonObject();
}

}  // namespace

class TestRouteEditorDevtools : public kairos::test::RouteEditorFixture
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setApplicationName(
            QStringLiteral("tst_routeeditor_devtools-%1").arg(QCoreApplication::applicationPid()));
        QSettings().clear();
    }

    void init() { m_store = new ConfigStore; }

    void cleanup()
    {
        delete m_store;
        m_store = nullptr;
    }

    void cleanupTestCase()
    {
        QSettings settings;
        settings.clear();
        settings.sync();
        QFile::remove(settings.fileName());
    }

    void corsRoundTripKeepsUnknownKeys()
    {
        useRoutes({route("/api", {{"cors", QJsonObject{{"allow_origins", QJsonArray{"http://a.test"}},
                                                       {"x_team_note", "keep me"}}}})});
        std::unique_ptr<RouteEditor> editor(editorFor("/api"));
        CorsEditor *cors = editor->corsEditor();
        QCOMPARE(cors->modeChoice()->mode(), OverrideChoice::Own);
        cors->originsEdit()->setPlainText("http://a.test\nhttp://localhost:5173");
        cors->methodsEdit()->setText("GET, POST");
        cors->headersEdit()->setText("X-Token");
        cors->exposeEdit()->setText("X-Total");
        cors->credentialsBox()->setChecked(true);
        cors->maxAgeBox()->setValue(120);
        apply(editor.get());
        const QJsonObject written = routeJsonOf(*m_store, "/api").value("cors").toObject();
        QCOMPARE(written.value("allow_origins").toArray(), (QJsonArray{"http://a.test", "http://localhost:5173"}));
        QCOMPARE(written.value("allow_methods").toArray(), (QJsonArray{"GET", "POST"}));
        QCOMPARE(written.value("allow_headers").toArray(), QJsonArray{"X-Token"});
        QCOMPARE(written.value("expose_headers").toArray(), QJsonArray{"X-Total"});
        QCOMPARE(written.value("allow_credentials").toBool(), true);
        QCOMPARE(written.value("max_age_s").toInt(), 120);
        QCOMPARE(written.value("x_team_note").toString(), QStringLiteral("keep me"));
    }

    void corsOffWritesNullAndInvalidOriginIsRefused()
    {
        useRoutes({route("/api")}, {{"cors", QJsonObject{{"allow_origins", QJsonArray{"*"}}}}});
        std::unique_ptr<RouteEditor> editor(editorFor("/api"));
        CorsEditor *cors = editor->corsEditor();
        QCOMPARE(cors->modeChoice()->mode(), OverrideChoice::Inherit);
        cors->modeChoice()->setMode(OverrideChoice::Own);
        cors->originsEdit()->setPlainText("not an origin");
        QVERIFY(!editor->applyButton()->isEnabled());
        QVERIFY2(editor->problems().join('\n').contains("cors"), qPrintable(editor->problems().join('\n')));
        cors->modeChoice()->setMode(OverrideChoice::Off);
        apply(editor.get());
        QVERIFY(routeJsonOf(*m_store, "/api").value("cors").isNull());
        QVERIFY(!m_store->current()->corsFor(*m_store->current()->findRoute("/api")));
    }

    void headerRulesRoundTrip()
    {
        useRoutes({route("/api")});
        std::unique_ptr<RouteEditor> editor(editorFor("/api"));
        HeaderRulesEditor *request = editor->requestHeadersEditor();
        request->modeChoice()->setMode(OverrideChoice::Own);
        setCell(request->setTable(), 0, 0, "X-Route");
        setCell(request->setTable(), 0, 1, "{route}");
        setCell(request->addTable(), 0, 0, "X-Trace");
        setCell(request->addTable(), 0, 1, "{request_id}");
        request->removeEdit()->setText("Cookie, X-Debug");
        HeaderRulesEditor *response = editor->responseHeadersEditor();
        response->modeChoice()->setMode(OverrideChoice::Own);
        setCell(response->setTable(), 0, 0, "Access-Control-Allow-Origin");  // CORS fields are the policy's
        QVERIFY(!editor->applyButton()->isEnabled());
        setCell(response->setTable(), 0, 0, "X-Served-By");
        setCell(response->setTable(), 0, 1, "kairos");
        apply(editor.get());
        const QJsonObject json = routeJsonOf(*m_store, "/api");
        const QJsonObject requestJson = json.value("request_headers").toObject();
        QCOMPARE(requestJson.value("set").toObject().value("X-Route").toString(), QStringLiteral("{route}"));
        QCOMPARE(requestJson.value("add").toObject().value("X-Trace").toString(), QStringLiteral("{request_id}"));
        QCOMPARE(requestJson.value("remove").toArray(), (QJsonArray{"Cookie", "X-Debug"}));
        QCOMPARE(json.value("response_headers").toObject().value("set").toObject().value("X-Served-By").toString(),
                 QStringLiteral("kairos"));
    }

    void faultAndCompressionRoundTrip()
    {
        useRoutes({route("/api")});
        std::unique_ptr<RouteEditor> editor(editorFor("/api"));
        FaultEditor *fault = editor->faultEditor();
        fault->modeChoice()->setMode(OverrideChoice::Own);
        fault->delayBox()->setChecked(true);
        fault->delayPercentBox()->setValue(25);
        fault->delayMsBox()->setValue(1500);
        fault->abortBox()->setChecked(true);
        fault->abortPercentBox()->setValue(5);
        fault->abortStatusBox()->setValue(504);
        fault->headerEdit()->setText("X-Fault");
        CompressionEditor *compression = editor->compressionEditor();
        compression->modeChoice()->setMode(OverrideChoice::Own);
        compression->encodingsEdit()->setText("gzip, br");
        compression->minBytesBox()->setValue(2048);
        apply(editor.get());
        const QJsonObject json = routeJsonOf(*m_store, "/api");
        const QJsonObject faultJson = json.value("fault").toObject();
        QCOMPARE(faultJson.value("delay").toObject().value("percent").toDouble(), 25.0);
        QCOMPARE(faultJson.value("delay").toObject().value("ms").toInt(), 1500);
        QCOMPARE(faultJson.value("abort").toObject().value("percent").toDouble(), 5.0);
        QCOMPARE(faultJson.value("abort").toObject().value("status").toInt(), 504);
        QCOMPARE(faultJson.value("header").toString(), QStringLiteral("X-Fault"));
        const QJsonObject compressionJson = json.value("compression").toObject();
        QCOMPARE(compressionJson.value("encodings").toArray(), (QJsonArray{"gzip", "br"}));
        QCOMPARE(compressionJson.value("min_bytes").toInteger(), 2048);

        std::unique_ptr<RouteEditor> again(editorFor("/api"));
        again->compressionEditor()->modeChoice()->setMode(OverrideChoice::Off);
        apply(again.get());
        QVERIFY(routeJsonOf(*m_store, "/api").value("compression").isNull());
    }

    void mockHidesBackendsAndValidates()
    {
        useRoutes({route("/api")});
        std::unique_ptr<RouteEditor> editor(editorFor("/api"));
        editor->show();
        QVERIFY(editor->backendsTable()->isVisible());
        RouteBehaviourEditor *behaviour = editor->behaviourEditor();
        behaviour->setKind(RouteBehaviourEditor::Mock);
        QVERIFY(!editor->backendsTable()->isVisible());
        QVERIFY(behaviour->mockBodyEdit()->isVisible());
        QVERIFY(!behaviour->redirectToEdit()->isVisible());
        behaviour->mockStatusBox()->setValue(700);
        QVERIFY(!editor->applyButton()->isEnabled());
        QVERIFY(editor->problems().join('\n').contains("mock.status"));
        behaviour->mockStatusBox()->setValue(201);
        setCell(behaviour->mockHeadersTable(), 0, 0, "Content-Type");
        setCell(behaviour->mockHeadersTable(), 0, 1, "application/json");
        behaviour->mockBodyEdit()->setPlainText("{\"ok\":true}");
        behaviour->mockDelayBox()->setValue(50);
        apply(editor.get());
        const QJsonObject json = routeJsonOf(*m_store, "/api");
        QVERIFY(json.value("backends").toArray().isEmpty());
        const QJsonObject mock = json.value("mock").toObject();
        QCOMPARE(mock.value("status").toInt(), 201);
        QCOMPARE(mock.value("body").toString(), QStringLiteral("{\"ok\":true}"));
        QCOMPARE(mock.value("delay_ms").toInt(), 50);
        QVERIFY(QJsonDocument(mock).toJson().contains("application/json"));
        QVERIFY(Config::answersItself(*m_store->current()->findRoute("/api")));
        RoutesModel routes;
        routes.setConfig(m_store->current());
        QCOMPARE(routes.data(routes.index(0, RoutesModel::Backends)).toString(), QStringLiteral("mock answer 201"));
    }

    void redirectAndStaticRoundTrip()
    {
        QTemporaryDir site;
        useRoutes({route("/old"), route("/site/{*path}")});
        std::unique_ptr<RouteEditor> redirect(editorFor("/old"));
        redirect->behaviourEditor()->setKind(RouteBehaviourEditor::Redirect);
        redirect->behaviourEditor()->redirectToEdit()->setText("https://new.test{path}");
        redirect->behaviourEditor()->redirectStatusChoice()->setCurrentText("302");
        apply(redirect.get());
        QCOMPARE(routeJsonOf(*m_store, "/old").value("redirect").toObject().value("status").toInt(), 302);

        std::unique_ptr<RouteEditor> files(editorFor("/site/{*path}"));
        RouteBehaviourEditor *behaviour = files->behaviourEditor();
        behaviour->setKind(RouteBehaviourEditor::Static);
        behaviour->staticRootEdit()->setText(site.path() + "/missing");
        QVERIFY(!files->applyButton()->isEnabled());
        behaviour->staticRootEdit()->setText(site.path());
        behaviour->spaFallbackBox()->setChecked(true);
        apply(files.get());
        const QJsonObject json = routeJsonOf(*m_store, "/site/{*path}").value("static").toObject();
        QCOMPARE(json.value("root").toString(), site.path());
        QCOMPARE(json.value("spa_fallback").toBool(), true);
    }

    void faultSwitchTurnsFaultsOffAndBack()
    {
        useRoutes({route("/api", {{"fault", QJsonObject{{"abort", QJsonObject{{"percent", 50}, {"status", 502}}}}}}),
                   route("/fresh")});
        QSettings kept;
        QVERIFY(faultsInjected(*m_store->current(), *m_store->current()->findRoute("/api")));
        RoutesModel routes;
        routes.setConfig(m_store->current());
        QCOMPARE(routes.data(routes.index(0, RoutesModel::Faults)).toString(), QStringLiteral("injected"));
        QVERIFY(setFaultsInjected(*m_store, "/api", false, kept).applied());
        QVERIFY(routeJsonOf(*m_store, "/api").value("fault").isNull());
        routes.setConfig(m_store->current());
        QCOMPARE(routes.data(routes.index(0, RoutesModel::Faults)).toString(), QString());
        QVERIFY(!faultsInjected(*m_store->current(), *m_store->current()->findRoute("/api")));
        QVERIFY(setFaultsInjected(*m_store, "/api", true, kept).applied());
        const QJsonObject restored = routeJsonOf(*m_store, "/api").value("fault").toObject();
        QCOMPARE(restored.value("abort").toObject().value("status").toInt(), 502);
        QCOMPARE(restored.value("abort").toObject().value("percent").toDouble(), 50.0);

        QVERIFY(setFaultsInjected(*m_store, "/fresh", true, kept).applied());
        const QJsonObject fresh = routeJsonOf(*m_store, "/fresh").value("fault").toObject();
        QCOMPARE(fresh, faultToJson(defaultFaults()));
        QCOMPARE(fresh.value("abort").toObject().value("status").toInt(), 503);
    }

    void mockThisResponseMakesAWinningRoute()
    {
        useRoutes({route("/api/users/{id}")});
        RequestRecord record;
        record.method = "GET";
        record.target = "/api/users/42?full=1";
        record.routePath = "/api/users/{id}";
        record.status = 404;
        record.responseHeaders.add("Content-Type", "application/json");
        record.responseHeaders.add("X-Backend", "users-1");
        record.responseHeaders.add("Transfer-Encoding", "chunked");
        record.responseHeaders.add("Connection", "keep-alive");
        record.responseBody = "{\"error\":\"no such us";
        record.responseBodyTruncated = true;
        const ExchangeRoute made = mockRouteFor(record, *m_store->current());
        QVERIFY(made.original.isEmpty());
        QCOMPARE(made.route.externalPath, QStringLiteral("/api/users/42"));
        QCOMPARE(made.route.methods, QStringList{"GET"});
        QVERIFY(made.route.backends.isEmpty());
        const MockSettings &mock = *made.route.overrides->mock;
        QCOMPARE(mock.status, 404);
        QCOMPARE(mock.body, QStringLiteral("{\"error\":\"no such us"));
        QCOMPARE(mock.headers, (NamedValues{{"Content-Type", "application/json"}, {"X-Backend", "users-1"}}));
        QCOMPARE(made.warnings.size(), 1);
        QVERIFY(made.warnings.first().contains(QString::number(record.responseBody.size())));

        std::unique_ptr<RouteEditor> editor(new RouteEditor(*m_store, made.original, made.route));
        QVERIFY(editor->behaviourEditor()->kind() == RouteBehaviourEditor::Mock);
        apply(editor.get());
        QCOMPARE(m_store->current()->routes.size(), 2);
        QVERIFY(m_store->current()->findRoute("/api/users/42"));
        QVERIFY(m_store->current()->findRoute("/api/users/{id}"));  // the served route stays
    }

    void addCorsForThisOrigin()
    {
        useRoutes({route("/api", {{"cors", QJsonObject{{"allow_origins", QJsonArray{"http://a.test"}},
                                                       {"allow_methods", QJsonArray{"GET"}},
                                                       {"allow_headers", QJsonArray{"X-One"}}}}}),
                   route("/plain")});
        RequestRecord refused;
        refused.method = "OPTIONS";
        refused.target = "/api";
        refused.routePath = "/api";
        refused.status = 403;
        refused.note = "cors_refused";
        refused.requestHeaders.add("Origin", "http://localhost:5173");
        refused.requestHeaders.add("Access-Control-Request-Method", "POST");
        refused.requestHeaders.add("Access-Control-Request-Headers", "x-token, content-type");
        QVERIFY(wantsCors(refused));
        const std::optional<ExchangeRoute> made = corsRouteFor(refused, *m_store->current());
        QVERIFY(made);
        QCOMPARE(made->original, QStringLiteral("/api"));
        std::unique_ptr<RouteEditor> editor(new RouteEditor(*m_store, made->original, made->route));
        QVERIFY(made->seen);
        editor->setSeen(*made->seen);
        QVERIFY(editor->corsEditor()->originsEdit()->toPlainText().contains("http://localhost:5173"));
        apply(editor.get());
        QVERIFY(editor->conflictBar()->isHidden());
        const QJsonObject cors = routeJsonOf(*m_store, "/api").value("cors").toObject();
        QCOMPARE(cors.value("allow_origins").toArray(), (QJsonArray{"http://a.test", "http://localhost:5173"}));
        QCOMPARE(cors.value("allow_methods").toArray(), (QJsonArray{"GET", "POST"}));
        QCOMPARE(cors.value("allow_headers").toArray(), (QJsonArray{"X-One", "x-token", "content-type"}));

        RequestRecord plain;
        plain.method = "GET";
        plain.target = "/plain";
        plain.routePath = "/plain";
        plain.status = 200;
        plain.requestHeaders.add("Origin", "http://localhost:5173");
        QVERIFY(wantsCors(plain));
        plain.responseHeaders.add("Access-Control-Allow-Origin", "*");
        QVERIFY(!wantsCors(plain));
        plain.responseHeaders = http::Headers();
        const std::optional<ExchangeRoute> created = corsRouteFor(plain, *m_store->current());
        QVERIFY(created);
        QCOMPARE(created->route.overrides->cors->allowOrigins, QStringList{"http://localhost:5173"});
        QVERIFY(!created->route.overrides->cors->allowMethods);
    }

    // Every section at the editor's default size leaves its fields room to be read and typed in.
    // KAIROS_SCREENSHOT_DIR keeps the pictures.
    // Discover entries go through the editor as they came, template fields and unknown keys
    // included, while another field of the route changes; the table shows their source.
    void discoverEntriesRoundTrip()
    {
        const QJsonArray backends{
            QJsonObject{{"host", "http://127.0.0.1"},
                        {"port", 9001},
                        {"weight", 1},
                        {"rate_limit", QJsonObject{{"requests_per_second", 0.0123456789}, {"key", "route"}}}},
            QJsonObject{{"discover", QJsonObject{{"dns", "users.internal"},
                                                 {"port", 8443},
                                                 {"scheme", "https"},
                                                 {"refresh_ms", 2000},
                                                 {"respect_ttl", true},
                                                 {"nameservers", QJsonArray{"127.0.0.1:5353"}},
                                                 {"weight", 3},
                                                 {"x_note", "kept"}}},
                        {"health_check_path", "/health"},
                        {"max_connections", 5},
                        {"tls_verify", false},
                        {"protocol", "h2"},
                        {"rate_limit", QJsonObject{{"requests_per_second", 50}, {"burst", 10}, {"key", "client_ip"}}},
                        {"x_owner", "team-a"}},
            QJsonObject{{"discover", QJsonObject{{"dns_srv", "_http._tcp.orders.service.consul"}}}},
            QJsonObject{{"discover", QJsonObject{{"etcd", "billing"}}}, {"health_check_path", "/ready"}}};
        useRoutes({route("/api", {{"backends", backends}})});
        const QJsonObject before = routeJsonOf(*m_store, "/api");
        QCOMPARE(before.value("backends").toArray().size(), 4);

        std::unique_ptr<RouteEditor> editor(editorFor("/api"));
        QTableWidget *table = editor->backendsTable();
        QCOMPARE(table->rowCount(), 4);
        QCOMPARE(table->item(1, 0)->text(), QStringLiteral("DNS users.internal:8443 @127.0.0.1:5353"));
        QCOMPARE(table->item(1, 1)->text(), QStringLiteral("8443"));
        QCOMPARE(table->item(1, 2)->text(), QStringLiteral("3"));
        QVERIFY(!(table->item(1, 0)->flags() & Qt::ItemIsEditable));
        QVERIFY(table->item(1, 3)->flags() & Qt::ItemIsEditable);  // the health check path applies to each
        QCOMPARE(table->item(2, 0)->text(), QStringLiteral("DNS SRV _http._tcp.orders.service.consul"));
        QCOMPARE(table->item(2, 1)->text(), QStringLiteral("per record"));
        QCOMPARE(table->item(3, 0)->text(), QStringLiteral("etcd billing"));
        QCOMPARE(table->item(3, 2)->text(), QStringLiteral("per instance"));
        QCOMPARE(routeToJson(editor->route()), before);

        table->setCurrentCell(1, 3);
        QVERIFY(editor->editDiscoveredButton()->isEnabled());
        table->setCurrentCell(0, 3);
        QVERIFY(!editor->editDiscoveredButton()->isEnabled());

        editor->internalPathEdit()->setText("/v2/");
        apply(editor.get());
        const QJsonObject after = routeJsonOf(*m_store, "/api");
        QCOMPARE(after.value("internal_path").toString(), QStringLiteral("/v2/"));
        QCOMPARE(after.value("backends"), before.value("backends"));
    }

    // "Add discovered…": the dialog shows what the validator finds wrong with the entry and
    // accepts it only once there is nothing; the row's other cells apply to the backends found.
    // Changing an entry later keeps what its row says. KAIROS_SCREENSHOT_DIR keeps the pictures.
    void addAndChangeADiscoverEntry()
    {
        useRoutes({route("/api")});
        QTemporaryDir scratch;
        const QString dir = qEnvironmentVariable("KAIROS_SCREENSHOT_DIR", scratch.path());
        std::unique_ptr<RouteEditor> editor(editorFor("/api"));
        editor->show();
        QVERIFY(QTest::qWaitForWindowExposed(editor.get()));
        editor->addDiscoveredButton()->click();
        DiscoverDialog *dialog = editor->findChild<DiscoverDialog *>();
        QVERIFY(dialog);
        QVERIFY(QTest::qWaitForWindowExposed(dialog));
        QPushButton *ok = dialog->buttons()->button(QDialogButtonBox::Ok);
        QVERIFY(!ok->isEnabled());  // no name yet
        QCOMPARE(dialog->problemsList()->item(0)->text(), QStringLiteral("discover.dns: must not be empty"));

        dialog->kindBox()->setCurrentIndex(dialog->kindBox()->findData(int(DiscoverySettings::Kind::DnsSrv)));
        QVERIFY(!dialog->portBox()->isVisibleTo(dialog));  // SRV records carry the port
        QVERIFY(dialog->nameserversEdit()->isVisibleTo(dialog));
        QTest::keyClicks(dialog->nameEdit(), "_http._tcp.orders");
        dialog->nameserversEdit()->setText("127.0.0.1:5353, nameserver");
        QVERIFY(!ok->isEnabled());
        QVERIFY2(dialog->problemsList()->item(0)->text().startsWith("discover.nameservers[1]: must be an IP address"),
                 qPrintable(dialog->problemsList()->item(0)->text()));
        dialog->nameserversEdit()->setText("127.0.0.1:5353");
        dialog->respectTtlBox()->setChecked(true);
        QVERIFY2(ok->isEnabled(), qPrintable(dialog->problemsList()->item(0)->text()));
        QCoreApplication::processEvents();  // the layout settles on posted events
        QVERIFY(dialog->grab().save(dir + "/discoverdialog.png"));
        ok->click();

        QTableWidget *table = editor->backendsTable();
        QCOMPARE(table->rowCount(), 2);
        QCOMPARE(table->item(1, 0)->text(), QStringLiteral("DNS SRV _http._tcp.orders @127.0.0.1:5353"));
        QCOMPARE(table->currentRow(), 1);
        setCell(table, 1, 3, "/ready");
        setCell(table, 1, 5, "8");
        QCoreApplication::processEvents();
        QVERIFY(editor->grab().save(dir + "/routeeditor-discover.png"));

        // Changed to an etcd service: what only DNS has goes, the row's fields stay.
        QTRY_VERIFY(!editor->findChild<DiscoverDialog *>());  // the first dialog is gone
        editor->editDiscovered(1);
        dialog = editor->findChild<DiscoverDialog *>();
        QVERIFY(dialog);
        QCOMPARE(dialog->nameEdit()->text(), QStringLiteral("_http._tcp.orders"));
        QVERIFY(dialog->respectTtlBox()->isChecked());
        dialog->kindBox()->setCurrentIndex(dialog->kindBox()->findData(int(DiscoverySettings::Kind::Etcd)));
        QVERIFY(!dialog->nameserversEdit()->isVisibleTo(dialog));
        dialog->nameEdit()->setText("orders");
        dialog->buttons()->button(QDialogButtonBox::Ok)->click();
        QCOMPARE(table->item(1, 0)->text(), QStringLiteral("etcd orders"));
        QCOMPARE(table->item(1, 3)->text(), QStringLiteral("/ready"));

        apply(editor.get());
        const QJsonArray backends = routeJsonOf(*m_store, "/api").value("backends").toArray();
        QCOMPARE(backends.size(), 2);
        QCOMPARE(backends[0].toObject(), (QJsonObject{{"host", "http://127.0.0.1"}, {"port", 9001}, {"weight", 1}}));
        QCOMPARE(backends[1].toObject(), (QJsonObject{{"discover", QJsonObject{{"etcd", "orders"}}},
                                                      {"health_check_path", "/ready"},
                                                      {"max_connections", 8}}));
    }

    void editorSectionsHaveRoom()
    {
        useRoutes({route("/api", {{"cors", QJsonObject{{"allow_origins", QJsonArray{"http://a.test"}}}},
                                  {"fault", QJsonObject{{"abort", QJsonObject{{"percent", 10}, {"status", 503}}}}}})});
        QTemporaryDir scratch;
        const QString dir = qEnvironmentVariable("KAIROS_SCREENSHOT_DIR", scratch.path());
        std::unique_ptr<RouteEditor> editor(editorFor("/api"));
        editor->show();
        QVERIFY(QTest::qWaitForWindowExposed(editor.get()));
        const int before = editor->minimumSizeHint().height();
        for (int tab = 0; tab < editor->sectionTabs()->count(); ++tab) {
            editor->sectionTabs()->setCurrentIndex(tab);
            QCoreApplication::processEvents();  // the layout settles on posted events
            QVERIFY(editor->grab().save(QStringLiteral("%1/routeeditor-tab%2.png").arg(dir).arg(tab)));
        }
        QVERIFY(editor->corsEditor()->originsEdit()->height() >= 50);
        editor->behaviourEditor()->setKind(RouteBehaviourEditor::Mock);
        QCOMPARE(editor->sectionTabs()->currentWidget(), editor->behaviourEditor());
        QCoreApplication::processEvents();
        QVERIFY(editor->grab().save(dir + "/routeeditor-mock.png"));
        QVERIFY(editor->minimumSizeHint().height() <= before);  // the mock's fields take the backends' room
        QVERIFY(editor->behaviourEditor()->mockBodyEdit()->height() >= 50);
        QVERIFY(editor->behaviourEditor()->mockHeadersTable()->height() >= 80);
    }

    void inspectorOffersTheActions()
    {
        TrafficView view(nullptr);
        RequestRecord record;
        record.requestId = "one";
        record.method = "GET";
        record.target = "/plain";
        record.routePath = "/plain";
        record.status = 200;
        record.requestHeaders.add("Origin", "http://localhost:5173");
        RequestRecord refused = record;
        refused.requestId = "two";
        refused.note = "fault_abort";
        refused.requestHeaders = http::Headers();
        view.model()->append({record, refused});
        view.table()->selectRow(1);  // newest first: the first record
        QVERIFY(view.currentRecord() && view.currentRecord()->requestId == "one");
        QVERIFY(view.mockButton()->isEnabled());
        QVERIFY(view.corsButton()->isEnabled());
        QSignalSpy mock(&view, &TrafficView::mockRequested);
        view.mockButton()->click();
        QCOMPARE(mock.size(), 1);
        view.table()->selectRow(0);
        QVERIFY(!view.corsButton()->isEnabled());
        QCOMPARE(view.model()->data(view.model()->index(0, TrafficModel::Note)).toString(),
                 QStringLiteral("fault_abort"));
    }
};

QTEST_MAIN(TestRouteEditorDevtools)
#include "tst_routeeditor_devtools.moc"
