// mergeConfigs(): an edit made on an older config, merged onto the running one.
#include "config/configmerge.h"
#include "config/configwriter.h"

#include "support/testsupport.h"

#include <QJsonDocument>
#include <QtTest>

using namespace kairos;
using namespace kairos::test;

class TestConfigMerge : public QObject
{
    Q_OBJECT

private:
    static QJsonObject route(const QString &path, const QString &internal)
    {
        return routeJson(path, internal, {backendJson(9101)}, {"GET"});
    }

    static Config config(const QJsonArray &routes, int workers = 1)
    {
        const QJsonObject object{{"version", 1}, {"server", QJsonObject{{"workers", workers}}}, {"routers", routes}};
        const ConfigLoadResult load = loadConfig(QJsonDocument(object).toJson());
        if (!load.ok())
            qFatal("%s", qPrintable(load.errorSummary()));
        return *load.config;
    }

    static QStringList paths(const ConfigMerge &merge)
    {
        QStringList list;
        for (const Route &route : merge.merged.config->routes)
            list.append(route.externalPath + QLatin1Char('>') + route.internalPath);
        return list;
    }

private slots:
    void changesOnDifferentRoutesBothStay()
    {
        const Config base = config({route("/a", "/a"), route("/b", "/b")});
        const Config mine = config({route("/a", "/mine"), route("/b", "/b"), route("/new", "/new")});
        const Config theirs = config({route("/a", "/a"), route("/b", "/theirs"), route("/api", "/api")});
        const ConfigMerge merge = mergeConfigs(base, mine, theirs);
        QVERIFY(merge.conflicts.isEmpty());
        QVERIFY(merge.merged.ok());
        QCOMPARE(paths(merge), QStringList({"/a>/mine", "/b>/theirs", "/api>/api", "/new>/new"}));
    }

    void removalsOnEitherSideStay()
    {
        const Config base = config({route("/a", "/a"), route("/b", "/b"), route("/c", "/c")});
        const Config mine = config({route("/b", "/b"), route("/c", "/c")});    // removed /a
        const Config theirs = config({route("/a", "/a"), route("/b", "/b")});  // removed /c
        const ConfigMerge merge = mergeConfigs(base, mine, theirs);
        QVERIFY(merge.conflicts.isEmpty());
        QCOMPARE(paths(merge), QStringList({"/b>/b"}));
    }

    void theSameRouteChangedOnBothSidesConflicts()
    {
        const Config base = config({route("/a", "/a"), route("/b", "/b")});
        const Config mine = config({route("/a", "/mine"), route("/b", "/b")});
        const Config theirs = config({route("/a", "/theirs"), route("/b", "/b")});
        const ConfigMerge merge = mergeConfigs(base, mine, theirs);
        QCOMPARE(merge.conflicts, QStringList({"route /a"}));
        QVERIFY(!merge.merged.ok());

        // Changed on one side and removed on the other: a conflict too.
        const Config removed = config({route("/b", "/b")});
        QCOMPARE(mergeConfigs(base, mine, removed).conflicts, QStringList({"route /a"}));
        // The same change on both sides is no conflict.
        QVERIFY(mergeConfigs(base, mine, mine).conflicts.isEmpty());
    }

    void sectionsMergeOneByOne()
    {
        const Config base = config({route("/a", "/a")}, 1);
        const Config mine = config({route("/a", "/a")}, 2);
        const Config theirs = config({route("/a", "/a"), route("/b", "/b")}, 1);
        const ConfigMerge merge = mergeConfigs(base, mine, theirs);
        QVERIFY(merge.conflicts.isEmpty());
        QCOMPARE(merge.merged.config->server.workers, 2);
        QCOMPARE(merge.merged.config->routes.size(), 2);
        QCOMPARE(mergeConfigs(base, mine, config({route("/a", "/a")}, 3)).conflicts, QStringList({"section server"}));
    }

    void anInvalidResultIsNotOk()
    {
        // Each side adds a template route of the same shape: fine alone, duplicates together.
        const Config base = config({route("/a", "/a")});
        const Config mine = config({route("/a", "/a"), route("/x/{id}", "/x")});
        const Config theirs = config({route("/a", "/a"), route("/x/{other}", "/y")});
        const ConfigMerge merge = mergeConfigs(base, mine, theirs);
        QVERIFY(merge.conflicts.isEmpty());
        QVERIFY2(!merge.merged.ok(), "two templates matching the same paths must fail validation");
        QVERIFY(!merge.merged.errors.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestConfigMerge)
#include "tst_configmerge.moc"
