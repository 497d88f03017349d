// The Canary tab (offscreen) on a running gateway with a route split between a stable and a
// canary group under a steady load: the groups with their weights, live shares and counters, the
// share chart, and the shift buttons driving the gateway's ShiftController. KAIROS_SCREENSHOT_DIR
// keeps the picture.
#include "canaryview.h"
#include "mainwindow.h"

#include "demo/echobackend.h"
#include "proxy/gateway.h"
#include "support/loadgenerator.h"
#include "support/runningservice.h"
#include "support/testsupport.h"

#include <QComboBox>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableWidget>
#include <QtTest>

#include <memory>

using namespace kairos;
using namespace kairos::test;

class TestCanaryView : public QObject
{
    Q_OBJECT

private:
    EchoBackend *m_stable = nullptr;
    EchoBackend *m_canary = nullptr;
    std::unique_ptr<RunningService> m_running;

    GatewayService &service() const { return m_running->service; }
    const SplitState &state() const { return *service().gateway()->snapshot()->split(0)->state; }
    QString cell(const CanaryView &view, int row, int column) const
    {
        const QTableWidgetItem *item = view.groupsTable()->item(row, column);
        return item ? item->text() : QString();
    }

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setApplicationName(
            QStringLiteral("tst_canaryview-%1").arg(QCoreApplication::applicationPid()));
    }

    void init()
    {
        m_stable = new EchoBackend("stable");
        m_canary = new EchoBackend("canary");
        QVERIFY(m_stable->listen());
        QVERIFY(m_canary->listen());
        const QJsonObject shift{{"group", "canary"}, {"step_percent", 10}, {"interval_s", 600}, {"min_requests", 100}};
        const QJsonObject route{
            {"external_path", "/api"},
            {"internal_path", "/"},
            {"methods", QJsonArray{"GET"}},
            {"split", QJsonArray{QJsonObject{{"name", "stable"},
                                             {"weight", 80},
                                             {"backends", QJsonArray{backendJson(m_stable->port())}}},
                                 QJsonObject{{"name", "canary"},
                                             {"weight", 20},
                                             {"backends", QJsonArray{backendJson(m_canary->port())}}}}},
            {"shift", shift}};
        m_running = std::make_unique<RunningService>(
            QJsonObject{{"version", 1},
                        {"server", QJsonObject{{"workers", 1}}},
                        {"routers", QJsonArray{route, routeJson("/plain", "/", {backendJson(m_stable->port())})}}});
    }

    void cleanup()
    {
        m_running.reset();
        delete m_canary;
        delete m_stable;
    }

    void showsGroupsAndSharesUnderLoad()
    {
        CanaryView view(service());
        view.resize(900, 560);
        view.show();
        QCOMPARE(view.routeBox()->count(), 1);  // the plain route is not listed
        QCOMPARE(view.selectedRoute(), QStringLiteral("/api"));
        LoadGenerator load(service().gateway()->serverPort(), {"/api"}, 4);
        load.start();
        bool servedShown = false;  // the share of the requests since the previous sample
        for (int second = 0; second < 12; ++second) {
            QTest::qWait(250);
            view.refresh();
            servedShown = servedShown || cell(view, 1, CanaryView::ShareColumn).endsWith(" %");
        }
        // The chart's samples come from the test's refreshes and the view's own timer: some
        // cover a few requests only, so the canary's share is judged over all of them.
        double canaryShare = 0;
        for (const std::vector<double> &point : view.chart()->history())
            canaryShare += point.at(1) / double(view.chart()->history().size());
        const size_t groupsCharted = view.chart()->history().back().size();
        const QString dir = qEnvironmentVariable("KAIROS_SCREENSHOT_DIR", m_running->dir.path());
        QVERIFY(view.grab().save(dir + "/canary.png"));
        QVERIFY(load.stop());
        QVERIFY(load.completed() > 50);

        QCOMPARE(view.groupsTable()->rowCount(), 2);
        QCOMPARE(cell(view, 0, CanaryView::GroupColumn), QStringLiteral("stable"));
        QCOMPARE(cell(view, 1, CanaryView::GroupColumn), QStringLiteral("canary"));
        QCOMPARE(cell(view, 0, CanaryView::WeightColumn), QStringLiteral("80"));
        QCOMPARE(cell(view, 1, CanaryView::PercentColumn), QStringLiteral("20 %"));
        QVERIFY(cell(view, 0, CanaryView::RequestsColumn).toInt() > cell(view, 1, CanaryView::RequestsColumn).toInt());
        QVERIFY(cell(view, 1, CanaryView::RequestsColumn).toInt() > 0);
        QCOMPARE(cell(view, 0, CanaryView::ErrorsColumn), QStringLiteral("0"));
        QVERIFY(view.chart()->history().size() >= 12);
        QCOMPARE(groupsCharted, size_t(2));
        QVERIFY2(canaryShare > 8 && canaryShare < 35, qPrintable(QString::number(canaryShare)));  // about 20 %
        QVERIFY(servedShown);
        QVERIFY(view.shiftLabel()->text().contains("shifting"));
        QVERIFY(view.button(SplitState::Action::Pause)->isEnabled());
        QVERIFY(!view.button(SplitState::Action::Resume)->isEnabled());
    }

    void buttonsDriveTheShift()
    {
        CanaryView view(service());
        view.show();
        view.button(SplitState::Action::Pause)->click();
        QCOMPARE(state().phase(), SplitState::Phase::Paused);
        QVERIFY(view.shiftLabel()->text().contains("paused"));
        QVERIFY(!view.button(SplitState::Action::Pause)->isEnabled());
        QVERIFY(view.button(SplitState::Action::Resume)->isEnabled());
        QVERIFY(view.errorLabel()->isHidden());

        view.button(SplitState::Action::Rollback)->click();
        QCOMPARE(state().phase(), SplitState::Phase::RolledBack);
        QCOMPARE(state().figures(1).percent, 0.0);
        QCOMPARE(cell(view, 1, CanaryView::PercentColumn), QStringLiteral("0 %"));
        QVERIFY(!view.button(SplitState::Action::Rollback)->isEnabled());

        // Refused by the controller (the button is disabled, the action is not): its reason is shown.
        QVERIFY(!view.act(SplitState::Action::Rollback));
        QVERIFY(!view.errorLabel()->isHidden());
        QVERIFY2(view.errorLabel()->text().contains("rolled back already"), qPrintable(view.errorLabel()->text()));

        // Resumed after a rollback, the shift starts over from the configured share.
        view.button(SplitState::Action::Resume)->click();
        QCOMPARE(state().phase(), SplitState::Phase::Shifting);
        QCOMPARE(state().figures(1).percent, 20.0);
        QVERIFY(view.errorLabel()->isHidden());

        view.button(SplitState::Action::Promote)->click();
        QCOMPARE(state().phase(), SplitState::Phase::Promoted);
        QCOMPARE(state().figures(1).percent, 100.0);
        QCOMPARE(cell(view, 1, CanaryView::PercentColumn), QStringLiteral("100 %"));
        QVERIFY(view.errorLabel()->isHidden());
        QVERIFY(!view.button(SplitState::Action::Promote)->isEnabled());
    }

    void isATabOfTheWindow()
    {
        QSettings().remove("window/view");
        MainWindow window(service());
        QCOMPARE(window.tabs()->indexOf(window.canaryView()) >= 0, true);
        QCOMPARE(window.canaryView()->routeBox()->count(), 1);
        // A config without splits leaves the tab with nothing to show.
        QVERIFY(service()
                    .configStore()
                    .replaceJson(
                        QJsonDocument(QJsonObject{{"version", 1},
                                                  {"server", QJsonObject{{"workers", 1}}},
                                                  {"routers", QJsonArray{routeJson("/plain", "/",
                                                                                   {backendJson(m_stable->port())})}}})
                            .toJson(),
                        ConfigStore::Source::Api)
                    .applied());
        QCOMPARE(window.canaryView()->routeBox()->count(), 0);
        QCOMPARE(window.canaryView()->groupsTable()->rowCount(), 0);
        QVERIFY(!window.canaryView()->button(SplitState::Action::Pause)->isEnabled());
    }
};

QTEST_MAIN(TestCanaryView)
#include "tst_canaryview.moc"
