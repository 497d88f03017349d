// The route editor's Split tab under QT_QPA_PLATFORM=offscreen, on a ConfigStore of its own: a split
// route round-trips unchanged (unknown keys and priority included), a weight, the shift and the
// route's priority are edited, the backends table lists the chosen group's backends, a plain route becomes a
// split one, and the validator's problems (a duplicate group name, weights that add up to 0) keep
// Apply disabled and are shown at their fields.
#include "discoverdialog.h"
#include "routeeditor.h"
#include "routeeditorfixture.h"
#include "spliteditor.h"

#include "config/configwriter.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QListWidget>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QGroupBox>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableWidget>
#include <QtTest>

#include <memory>

using namespace kairos;

namespace {

QJsonObject backend(int port)
{
    return QJsonObject{{"host", "http://127.0.0.1"}, {"port", port}};
}

QJsonObject splitRoute()
{
    return QJsonObject{{"external_path", "/api"},
                       {"internal_path", "/"},
                       {"methods", QJsonArray{"GET"}},
                       {"priority", "high"},
                       {"split", QJsonArray{QJsonObject{{"name", "stable"},
                                                        {"weight", 90},
                                                        {"backends", QJsonArray{backend(9001), backend(9002)}},
                                                        {"x_note", "kept"}},
                                            QJsonObject{{"name", "canary"},
                                                        {"weight", 10},
                                                        {"strategy", "LeastConnections"},
                                                        {"backends", QJsonArray{backend(9003)}}}}},
                       {"split_key", "header:X-User"},
                       {"canary_header", "X-Canary"},
                       {"shift", QJsonObject{{"group", "canary"},
                                             {"step_percent", 5},
                                             {"interval_s", 0.125},
                                             {"max_error_rate", 0.0125},
                                             {"min_requests", 50},
                                             {"max_p99_ms", 800}}}};
}

QJsonObject routeJsonOf(ConfigStore &store, const QString &path)
{
    const Route *found = store.current()->findRoute(path);
    return found ? routeToJson(*found) : QJsonObject();
}

QSpinBox *weightBox(SplitEditor *split, int row)
{
    return qobject_cast<QSpinBox *>(split->groupsTable()->cellWidget(row, SplitEditor::WeightColumn));
}

QStringList visibleHosts(RouteEditor *editor)
{
    QStringList ports;
    QTableWidget *table = editor->backendsTable();
    for (int row = 0; row < table->rowCount(); ++row) {
        if (!table->isRowHidden(row))
            ports.append(table->item(row, 1)->text());
    }
    return ports;
}

}  // namespace

class TestRouteEditorSplit : public kairos::test::RouteEditorFixture
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setApplicationName(
            QStringLiteral("tst_routeeditor_split-%1").arg(QCoreApplication::applicationPid()));
    }

    void init() { m_store = new ConfigStore; }

    void cleanup()
    {
        delete m_store;
        m_store = nullptr;
    }

    void splitRouteRoundTripsUnchanged()
    {
        useRoutes({splitRoute()});
        const QJsonObject before = routeJsonOf(*m_store, "/api");
        std::unique_ptr<RouteEditor> editor(editorFor("/api"));
        SplitEditor *split = editor->splitEditor();
        QVERIFY(split->splitBox()->isChecked());
        QCOMPARE(split->groupsTable()->rowCount(), 2);
        QCOMPARE(split->groupsTable()->item(1, SplitEditor::NameColumn)->text(), QStringLiteral("canary"));
        QCOMPARE(weightBox(split, 0)->value(), 90);
        QVERIFY(split->shiftBox()->isChecked());
        QCOMPARE(split->shiftGroupChoice()->currentText(), QStringLiteral("canary"));
        QCOMPARE(split->canaryHeaderEdit()->text(), QStringLiteral("X-Canary"));
        QCOMPARE(split->keyNameEdit()->text(), QStringLiteral("X-User"));
        // The table lists the chosen group's backends.
        QCOMPARE(editor->backendGroupChoice()->currentText(), QStringLiteral("stable"));
        QCOMPARE(visibleHosts(editor.get()), (QStringList{"9001", "9002"}));
        editor->backendGroupChoice()->setCurrentIndex(1);
        QCOMPARE(visibleHosts(editor.get()), (QStringList{"9003"}));

        QCOMPARE(routeToJson(editor->route()), before);
        apply(editor.get());
        QCOMPARE(routeJsonOf(*m_store, "/api"), before);
    }

    void editsAWeightAGroupAndTheShift()
    {
        useRoutes({splitRoute()});
        std::unique_ptr<RouteEditor> editor(editorFor("/api"));
        SplitEditor *split = editor->splitEditor();
        weightBox(split, 0)->setValue(70);
        weightBox(split, 1)->setValue(30);
        split->stepBox()->setValue(20);
        QCOMPARE(editor->priorityChoice()->currentData().toInt(), int(RoutePriority::High));
        editor->priorityChoice()->setCurrentIndex(editor->priorityChoice()->findData(int(RoutePriority::Low)));
        // A backend added while the canary group is listed goes to the canary.
        editor->backendGroupChoice()->setCurrentIndex(1);
        QPushButton *add = nullptr;
        for (QPushButton *button : editor->findChildren<QPushButton *>()) {
            if (button->text() == "Add backend")
                add = button;
        }
        QVERIFY(add);
        add->click();
        QCOMPARE(visibleHosts(editor.get()), (QStringList{"9003", "8080"}));
        apply(editor.get());
        const Route *route = m_store->current()->findRoute("/api");
        QVERIFY(route && route->split());
        QCOMPARE(route->split()->groups[0].weight, 70);
        QCOMPARE(route->split()->groups[1].weight, 30);
        QCOMPARE(route->split()->groups[0].backendCount, 2);
        QCOMPARE(route->split()->groups[1].backendCount, 2);
        QCOMPARE(route->backends[3].port, 8080);
        QCOMPARE(route->split()->shift->stepPercent, 20);
        QCOMPARE(route->split()->shift->intervalS, 0.125);  // not edited: as written
        QCOMPARE(route->split()->groups[0].unknownKeys.value("x_note").toString(), QStringLiteral("kept"));
        QCOMPARE(route->priority, RoutePriority::Low);
    }

    void refusesADuplicateNameAndZeroWeights()
    {
        useRoutes({splitRoute()});
        std::unique_ptr<RouteEditor> editor(editorFor("/api"));
        SplitEditor *split = editor->splitEditor();
        QTableWidgetItem *name = split->groupsTable()->item(1, SplitEditor::NameColumn);
        name->setText("stable");
        QVERIFY(!editor->applyButton()->isEnabled());
        const QString duplicate = "split[1].name: \"stable\" names another group too";
        QVERIFY2(editor->problems().contains(duplicate), qPrintable(editor->problems().join('\n')));
        QVERIFY(name->toolTip().contains("names another group too"));
        name->setText("canary");
        QVERIFY(editor->applyButton()->isEnabled());
        QVERIFY(name->toolTip().isEmpty());

        weightBox(split, 0)->setValue(0);
        weightBox(split, 1)->setValue(0);
        QVERIFY(!editor->applyButton()->isEnabled());
        QVERIFY2(editor->problems().contains("split: the groups' weights add up to 0: no group would get a request"),
                 qPrintable(editor->problems().join('\n')));
        QVERIFY(weightBox(split, 0)->toolTip().contains("add up to 0"));
        weightBox(split, 1)->setValue(5);
        QVERIFY(editor->applyButton()->isEnabled());

        // The shift naming the first group: shown at the shift's group.
        split->shiftGroupChoice()->setCurrentText("stable");
        QVERIFY(!editor->applyButton()->isEnabled());
        QVERIFY(split->shiftGroupChoice()->toolTip().contains("first group"));
    }

    // The discover dialog judges an entry where the route will have it: ending the group listed.
    void discoverEntryInAGroup()
    {
        useRoutes({splitRoute()});
        std::unique_ptr<RouteEditor> editor(editorFor("/api"));
        editor->show();
        editor->backendGroupChoice()->setCurrentIndex(0);
        editor->addDiscoveredButton()->click();
        DiscoverDialog *dialog = editor->findChild<DiscoverDialog *>();
        QVERIFY(dialog);
        QCOMPARE(dialog->problemsList()->item(0)->text(), QStringLiteral("discover.dns: must not be empty"));
        QTest::keyClicks(dialog->nameEdit(), "users.internal");
        QPushButton *ok = dialog->buttons()->button(QDialogButtonBox::Ok);
        QVERIFY2(ok->isEnabled(), qPrintable(dialog->problemsList()->item(0)->text()));
        ok->click();
        QTRY_VERIFY(!editor->findChild<DiscoverDialog *>());
        const Route edited = editor->route();
        QCOMPARE(edited.split()->groups[0].backendCount, 3);
        QVERIFY(edited.backends[2].discover);
        QCOMPARE(edited.backendPath(2), QStringLiteral("split[0].backends[2]"));
        QVERIFY2(editor->applyButton()->isEnabled(), qPrintable(editor->problems().join('\n')));
    }

    void plainRouteBecomesASplitAndBack()
    {
        useRoutes({QJsonObject{{"external_path", "/plain"},
                               {"internal_path", "/"},
                               {"methods", QJsonArray{"GET"}},
                               {"backends", QJsonArray{backend(9001), backend(9002)}}}});
        std::unique_ptr<RouteEditor> editor(editorFor("/plain"));
        SplitEditor *split = editor->splitEditor();
        QVERIFY(!split->splitBox()->isChecked());
        QVERIFY(editor->backendGroupChoice()->parentWidget()->isHidden());
        split->splitBox()->setChecked(true);
        QCOMPARE(split->groupsTable()->rowCount(), 1);  // "stable", with every backend
        QCOMPARE(visibleHosts(editor.get()), (QStringList{"9001", "9002"}));
        split->addGroupButton()->click();
        QCOMPARE(split->groupsTable()->item(1, SplitEditor::NameColumn)->text(), QStringLiteral("canary"));
        // A group without backends is the validator's problem, at the group's name.
        QVERIFY(!editor->applyButton()->isEnabled());
        QVERIFY(split->groupsTable()->item(1, SplitEditor::NameColumn)->toolTip().contains("at least one backend"));
        editor->backendGroupChoice()->setCurrentIndex(1);
        QCOMPARE(visibleHosts(editor.get()), QStringList());
        // Moving 9002 over: remove it from stable, add one to the canary.
        editor->backendGroupChoice()->setCurrentIndex(0);
        editor->backendsTable()->setCurrentCell(1, 0);
        for (QPushButton *button : editor->findChildren<QPushButton *>()) {
            if (button->text() == "Remove backend")
                button->click();
        }
        editor->backendGroupChoice()->setCurrentIndex(1);
        for (QPushButton *button : editor->findChildren<QPushButton *>()) {
            if (button->text() == "Add backend")
                button->click();
        }
        weightBox(split, 1)->setValue(10);
        split->shiftBox()->setChecked(true);
        QCOMPARE(split->shiftGroupChoice()->currentText(), QStringLiteral("canary"));
        apply(editor.get());
        const Route *route = m_store->current()->findRoute("/plain");
        QVERIFY(route && route->split());
        QCOMPARE(route->split()->groups.size(), 2);
        QCOMPARE(route->backends.size(), 2);
        QCOMPARE(route->backends[1].port, 8080);
        QCOMPARE(route->split()->shift->group, QStringLiteral("canary"));

        // And back to plain backends: the groups' backends one after another.
        std::unique_ptr<RouteEditor> again(editorFor("/plain"));
        if (const QByteArray dir = qgetenv("KAIROS_SCREENSHOT_DIR"); !dir.isEmpty()) {
            again->sectionTabs()->setCurrentWidget(again->splitEditor());
            again->backendGroupChoice()->setCurrentIndex(1);
            QVERIFY(again->grab().save(QString::fromLocal8Bit(dir) + "/routeeditor-split.png"));
        }
        again->splitEditor()->splitBox()->setChecked(false);
        QVERIFY(again->backendGroupChoice()->parentWidget()->isHidden());
        QCOMPARE(visibleHosts(again.get()), (QStringList{"9001", "8080"}));
        apply(again.get());
        QVERIFY(!m_store->current()->findRoute("/plain")->split());
        QCOMPARE(m_store->current()->findRoute("/plain")->backends.size(), 2);
    }
};

QTEST_MAIN(TestRouteEditorSplit)
#include "tst_routeeditor_split.moc"
