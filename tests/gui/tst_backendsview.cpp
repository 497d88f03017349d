// The Backends tab's model and view (offscreen) on synthetic describeBackends() reports: flat
// without discovery; grouped by source with it, a source that failed or found nothing keeping
// its group; a refresh that changes only figures updating in place, one that finds a backend
// keeping the selection and the groups the user folded. KAIROS_SCREENSHOT_DIR keeps the pictures.
#include "backendsmodel.h"
#include "backendsview.h"

#include <QBrush>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace kairos;

namespace {

QJsonObject backend(const QString &key, const QJsonValue &source = QJsonValue(), double requests = 0)
{
    return QJsonObject{{"backend", key},
                       {"host", key.section(':', 0, 1)},
                       {"port", key.section(':', 2).toInt()},
                       {"weight", 1},
                       {"health_check_path", "/health"},
                       {"healthy", true},
                       {"circuit", "closed"},
                       {"ejected", false},
                       {"ejections", 0},
                       {"slow_start_percent", 100},
                       {"in_flight", 0},
                       {"max_connections", 0},
                       {"queued", 0},
                       {"requests", requests},
                       {"failures", 0},
                       {"latency_ms", QJsonObject{{"p50", 1.5}, {"p99", 4.25}}},
                       {"rate_limit", QJsonValue()},
                       {"address", key.section('/', 2).section(':', 0, 0)},
                       {"routes", QJsonArray{"/api/users"}},
                       {"source", source}};
}

QJsonObject status(const QString &state, int backends, const QJsonObject &extra = {})
{
    QJsonObject object{{"state", state},
                       {"backends", backends},
                       {"lookups", 12},
                       {"failures", state == "failed" ? 3 : 0},
                       {"last_refresh", "2024-05-02T10:15:30.000Z"},
                       {"last_change", "2024-05-02T10:10:00.000Z"}};
    for (auto it = extra.begin(); it != extra.end(); ++it)
        object.insert(it.key(), it.value());
    return object;
}

// What describeBackends() puts in a discovered backend's "source": the status, key, kind and record.
QJsonObject source(const QString &key, const QJsonObject &state, const QString &record)
{
    QJsonObject object = state;
    object.insert("key", key);
    object.insert("kind", key.section(':', 0, 0));
    object.insert("record", record);
    return object;
}

const QString kUsers = QStringLiteral("dns:users.internal:8080");
const QString kOrders = QStringLiteral("dns_srv:_http._tcp.orders.service.consul @127.0.0.1:5353");
const QString kBilling = QStringLiteral("etcd:billing");
const QString kPayments = QStringLiteral("etcd:payments");

// A config backend, two sources with backends, one that failed with none and one that found none.
struct Report {
    QJsonArray backends;
    QJsonObject sources;
};

Report report(double requests = 0, bool thirdUser = false)
{
    const QJsonObject users = status("ok", thirdUser ? 3 : 2, {{"ttl_s", 30}});
    const QJsonObject payments = status("ok", 1);
    Report made;
    made.backends = {backend("http://127.0.0.1:9001", QJsonValue(), requests),
                     backend("http://10.0.0.5:8080", source(kUsers, users, "A 10.0.0.5"), requests),
                     backend("http://10.0.0.6:8080", source(kUsers, users, "A 10.0.0.6"), requests),
                     backend("https://10.0.1.7:9443", source(kPayments, payments, "instance pay-1"), requests)};
    if (thirdUser)
        made.backends.append(backend("http://10.0.0.7:8080", source(kUsers, users, "A 10.0.0.7"), requests));
    made.sources = {{kUsers, users},
                    {kPayments, payments},
                    {kOrders, status("failed", 0, {{"error", "no answer from 127.0.0.1:5353 in 2000 ms"}})},
                    {kBilling, status("empty", 0)}};
    return made;
}

QModelIndex groupNamed(const BackendsModel &model, const QString &key)
{
    for (int row = 0; row < model.rowCount(); ++row) {
        if (model.index(row, 0).data(BackendsModel::SourceKeyRole).toString() == key)
            return model.index(row, 0);
    }
    return QModelIndex();
}

bool red(const QModelIndex &index)
{
    return index.data(Qt::ForegroundRole).value<QBrush>().color() == QColor(0xd0, 0x3a, 0x2f);
}

}  // namespace

class TestBackendsView : public QObject
{
    Q_OBJECT

private:
    QString screenshotDir() const { return qEnvironmentVariable("KAIROS_SCREENSHOT_DIR", m_scratch.path()); }
    QTemporaryDir m_scratch;

private slots:
    void flatWithoutDiscovery()
    {
        BackendsModel model;
        model.setReport({backend("http://127.0.0.1:9001"), backend("http://127.0.0.1:9002")});
        QVERIFY(!model.grouped());
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.index(1, BackendsModel::Backend).data().toString(), QStringLiteral("http://127.0.0.1:9002"));
        QCOMPARE(model.index(0, BackendsModel::Backend).data(BackendsModel::BackendKeyRole).toString(),
                 QStringLiteral("http://127.0.0.1:9001"));
        QCOMPARE(model.rowCount(model.index(0, 0)), 0);
        QVERIFY(!model.index(0, 0).parent().isValid());
        // PeakEwma's estimate and each backend's share of its routes' recent tries.
        QCOMPARE(model.index(0, BackendsModel::Estimate).data().toString(), QStringLiteral("–"));
        QCOMPARE(model.index(0, BackendsModel::Share).data().toString(), QStringLiteral("–"));
        QJsonObject weighed = backend("http://127.0.0.1:9001");
        weighed.insert("latency_estimate_ms", 2.345);
        weighed.insert("share", 0.25);
        model.setReport({weighed, backend("http://127.0.0.1:9002")});
        QCOMPARE(model.index(0, BackendsModel::Estimate).data().toString(), QStringLiteral("2.35 ms"));
        QCOMPARE(model.index(0, BackendsModel::Share).data().toString(), QStringLiteral("25 %"));

        BackendsView view(&model);
        view.resize(1100, 200);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QVERIFY(view.isColumnHidden(BackendsModel::Record));
        QVERIFY(!view.rootIsDecorated());
        QVERIFY(view.grab().save(screenshotDir() + "/backends-flat.png"));
    }

    void groupsBySource()
    {
        BackendsModel model;
        const Report made = report();
        model.setReport(made.backends, made.sources);
        QVERIFY(model.grouped());
        // The config's own first, then the sources by key; the ones without backends included.
        QStringList keys;
        for (int row = 0; row < model.rowCount(); ++row)
            keys.append(model.index(row, 0).data(BackendsModel::SourceKeyRole).toString());
        QCOMPARE(keys, (QStringList{QString(), kUsers, kOrders, kBilling, kPayments}));

        const QModelIndex config = model.index(0, 0);
        QCOMPARE(config.data().toString(), QStringLiteral("Listed in the config"));
        QCOMPARE(model.rowCount(config), 1);
        QCOMPARE(model.index(0, BackendsModel::Backend, config).data().toString(),
                 QStringLiteral("http://127.0.0.1:9001"));
        QVERIFY(model.index(0, BackendsModel::Record, config).data().toString().isEmpty());

        const QModelIndex users = groupNamed(model, kUsers);
        QCOMPARE(users.data().toString(), QStringLiteral("DNS users.internal:8080"));
        QCOMPARE(model.rowCount(users), 2);
        QCOMPARE(users.siblingAtColumn(BackendsModel::Health).data().toString(), QStringLiteral("ok"));
        const QString usersLine = users.siblingAtColumn(BackendsModel::Routes).data().toString();
        QVERIFY2(usersLine.contains("2 backend(s)") && usersLine.contains("TTL 30 s")
                     && usersLine.contains("refreshed "),
                 qPrintable(usersLine));
        QVERIFY(!red(users.siblingAtColumn(BackendsModel::Health)));
        const QModelIndex second = model.index(1, BackendsModel::Backend, users);
        QCOMPARE(second.data().toString(), QStringLiteral("http://10.0.0.6:8080"));
        QCOMPARE(second.parent(), users);
        QCOMPARE(second.siblingAtColumn(BackendsModel::Record).data().toString(), QStringLiteral("A 10.0.0.6"));
        QVERIFY(second.data(Qt::ToolTipRole).toString().contains("A 10.0.0.6"));
        QCOMPARE(second.siblingAtColumn(BackendsModel::Health).data().toString(), QStringLiteral("up"));
        QVERIFY(!second.data(BackendsModel::SourceKeyRole).isValid());
        QVERIFY(!users.data(BackendsModel::BackendKeyRole).isValid());

        const QModelIndex orders = groupNamed(model, kOrders);
        QCOMPARE(orders.data().toString(), QStringLiteral("DNS SRV _http._tcp.orders.service.consul @127.0.0.1:5353"));
        QCOMPARE(model.rowCount(orders), 0);
        QCOMPARE(orders.siblingAtColumn(BackendsModel::Health).data().toString(), QStringLiteral("failed"));
        QVERIFY(orders.siblingAtColumn(BackendsModel::Routes)
                    .data()
                    .toString()
                    .startsWith("no answer from 127.0.0.1:5353 in 2000 ms"));
        QVERIFY(red(orders.siblingAtColumn(BackendsModel::Health)));
        QVERIFY(red(orders.siblingAtColumn(BackendsModel::Routes)));
        QVERIFY(orders.data(Qt::ToolTipRole).toString().contains("12 lookup(s), 3 failed"));

        const QModelIndex billing = groupNamed(model, kBilling);
        QCOMPARE(billing.data().toString(), QStringLiteral("etcd billing"));
        QCOMPARE(model.rowCount(billing), 0);
        QCOMPARE(billing.siblingAtColumn(BackendsModel::Health).data().toString(), QStringLiteral("empty"));
        QVERIFY(billing.siblingAtColumn(BackendsModel::Routes).data().toString().startsWith("found no backend"));
        QVERIFY(red(billing.siblingAtColumn(BackendsModel::Routes)));

        const QModelIndex payments = groupNamed(model, kPayments);
        QCOMPARE(model.rowCount(payments), 1);
        QCOMPARE(model.index(0, BackendsModel::Record, payments).data().toString(), QStringLiteral("instance pay-1"));

        // Only discovered backends, and a source that has not answered yet: no config group.
        QJsonObject pending = status("pending", 0);
        pending.remove("last_refresh");
        model.setReport({}, {{kUsers, pending}});
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.index(0, BackendsModel::Health).data().toString(), QStringLiteral("pending"));
        QCOMPARE(model.index(0, BackendsModel::Routes).data().toString(),
                 QStringLiteral("waiting for the first answer"));
    }

    void figuresUpdateInPlace()
    {
        BackendsModel model;
        Report made = report(10);
        model.setReport(made.backends, made.sources);
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy layouts(&model, &QAbstractItemModel::layoutChanged);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        made = report(25);
        model.setReport(made.backends, made.sources);
        QCOMPARE(resets.count(), 0);
        QCOMPARE(inserted.count(), 0);
        QCOMPARE(layouts.count(), 0);
        QVERIFY(changed.count() >= 2);  // the groups, and the backends under them
        const QModelIndex users = groupNamed(model, kUsers);
        QCOMPARE(model.index(1, BackendsModel::Requests, users).data().toLongLong(), 25);

        // A source's state changing is a figure too: the group stays, in red now.
        made.sources.insert(kUsers, status("failed", 2, {{"error", "SERVFAIL"}}));
        model.setReport(made.backends, made.sources);
        QCOMPARE(resets.count(), 0);
        QVERIFY(red(groupNamed(model, kUsers).siblingAtColumn(BackendsModel::Health)));
        QVERIFY(groupNamed(model, kUsers)
                    .siblingAtColumn(BackendsModel::Routes)
                    .data()
                    .toString()
                    .contains("keeps the 2 backend(s) found before"));

        // A backend found: the model is redrawn.
        made = report(25, true);
        model.setReport(made.backends, made.sources);
        QCOMPARE(resets.count(), 1);
        QCOMPARE(model.rowCount(groupNamed(model, kUsers)), 3);
    }

    void viewKeepsSelectionAndFolding()
    {
        BackendsModel model;
        BackendsView view(&model);
        QSignalSpy selected(&view, &BackendsView::backendSelected);
        Report made = report(10);
        model.setReport(made.backends, made.sources);
        view.resize(1200, 330);
        view.header()->setMinimumSectionSize(40);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QVERIFY(view.rootIsDecorated());
        QVERIFY(!view.isColumnHidden(BackendsModel::Record));
        QVERIFY(view.isExpanded(groupNamed(model, kUsers)));

        view.setCurrentIndex(model.index(1, 0, groupNamed(model, kUsers)));
        QCOMPARE(selected.last().at(0).toString(), QStringLiteral("http://10.0.0.6:8080"));
        view.collapse(groupNamed(model, kPayments));
        QVERIFY(view.grab().save(screenshotDir() + "/backends-grouped.png"));

        // Figures only: the same row stays current, nothing unfolds.
        made = report(20);
        model.setReport(made.backends, made.sources);
        QCOMPARE(view.currentIndex().data(BackendsModel::BackendKeyRole).toString(),
                 QStringLiteral("http://10.0.0.6:8080"));
        QVERIFY(!view.isExpanded(groupNamed(model, kPayments)));

        // A backend found: after the redraw, the same backend is current and the folded group stays folded.
        made = report(20, true);
        model.setReport(made.backends, made.sources);
        QCOMPARE(view.currentIndex().data(BackendsModel::BackendKeyRole).toString(),
                 QStringLiteral("http://10.0.0.6:8080"));
        QVERIFY(view.isExpanded(groupNamed(model, kUsers)));
        QVERIFY(!view.isExpanded(groupNamed(model, kPayments)));

        // A group selected: the chart has no backend to show.
        view.setCurrentIndex(groupNamed(model, kOrders));
        QCOMPARE(selected.last().at(0).toString(), QString());
    }
};

QTEST_MAIN(TestBackendsView)
#include "tst_backendsview.moc"
