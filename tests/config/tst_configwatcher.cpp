// The config file watcher on a real file in a temporary folder: edits in place, the rename-over
// saves of editors, a file deleted and created again, and a broken file, each seen through the
// store it applies them to.
#include "config/configstore.h"
#include "config/configwatcher.h"

#include "support/testsupport.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QSaveFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

using namespace kairos;

namespace {

constexpr int kApplyTimeoutMs = 10'000;

// A valid config whose one route has the given external path.
QByteArray configWith(const QString &externalPath)
{
    const QJsonObject root{{"version", 1},
                           {"routers", QJsonArray{test::routeJson(externalPath, "/", {test::backendJson(9)})}}};
    return QJsonDocument(root).toJson();
}

bool writeInPlace(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(bytes) == bytes.size();
}

QString routeOf(const ConfigStore &store)
{
    const ConfigSnapshot config = store.current();
    return config && config->routes.size() == 1 ? config->routes.first().externalPath : QString();
}

}  // namespace

class TestConfigWatcher : public QObject
{
    Q_OBJECT

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_path;
    std::unique_ptr<ConfigStore> m_store;
    std::unique_ptr<ConfigWatcher> m_watcher;

private slots:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        m_path = m_dir->filePath(QStringLiteral("config.json"));
        QVERIFY(writeInPlace(m_path, configWith("/first")));
        m_store = std::make_unique<ConfigStore>();
        m_store->setFilePath(m_path);
        QVERIFY(m_store->reloadFromFile().applied());
        QCOMPARE(m_store->revision(), quint64(1));
        m_watcher = std::make_unique<ConfigWatcher>(*m_store);
        m_watcher->start();
    }

    void cleanup()
    {
        m_watcher.reset();
        m_store.reset();
        m_dir.reset();
    }

    void editInPlaceIsApplied()
    {
        QVERIFY(writeInPlace(m_path, configWith("/second")));
        QTRY_COMPARE_WITH_TIMEOUT(routeOf(*m_store), QStringLiteral("/second"), kApplyTimeoutMs);
        QCOMPARE(m_store->revision(), quint64(2));
        QCOMPARE(m_store->status().lastChangeSource, QStringLiteral("file"));

        QVERIFY(writeInPlace(m_path, configWith("/third")));
        QTRY_COMPARE_WITH_TIMEOUT(routeOf(*m_store), QStringLiteral("/third"), kApplyTimeoutMs);
        QCOMPARE(m_store->revision(), quint64(3));
    }

    // Editors write a new file and rename it over the old one: a new inode, which must be
    // watched from then on.
    void saveByRenameIsAppliedAndLaterEditsToo()
    {
        for (const QString &route : {QStringLiteral("/renamed"), QStringLiteral("/renamed-again")}) {
            QSaveFile save(m_path);
            QVERIFY(save.open(QIODevice::WriteOnly));
            save.write(configWith(route));
            QVERIFY(save.commit());
            QTRY_COMPARE_WITH_TIMEOUT(routeOf(*m_store), route, kApplyTimeoutMs);
        }
        QCOMPARE(m_store->revision(), quint64(3));

        QVERIFY(writeInPlace(m_path, configWith("/edited")));
        QTRY_COMPARE_WITH_TIMEOUT(routeOf(*m_store), QStringLiteral("/edited"), kApplyTimeoutMs);
        QCOMPARE(m_store->revision(), quint64(4));
    }

    void deletedThenCreatedAgainIsApplied()
    {
        QVERIFY(QFile::remove(m_path));
        QVERIFY(writeInPlace(m_path, configWith("/recreated")));
        QTRY_COMPARE_WITH_TIMEOUT(routeOf(*m_store), QStringLiteral("/recreated"), kApplyTimeoutMs);
        QCOMPARE(m_store->revision(), quint64(2));
        QCOMPARE(m_store->status().rejected, quint64(0));  // a missing file is a save under way, not an error

        QVERIFY(writeInPlace(m_path, configWith("/edited")));
        QTRY_COMPARE_WITH_TIMEOUT(routeOf(*m_store), QStringLiteral("/edited"), kApplyTimeoutMs);
        QCOMPARE(m_store->revision(), quint64(3));
    }

    void brokenFileIsReportedAndTheRunningConfigStays()
    {
        QSignalSpy rejected(m_store.get(), &ConfigStore::changeRejected);
        QVERIFY(writeInPlace(m_path, "{ \"version\": 1, \"routers\": [ {\"external_path\": 3"));
        QTRY_COMPARE_WITH_TIMEOUT(rejected.size(), 1, kApplyTimeoutMs);
        QCOMPARE(rejected.first().at(0).toString(), QStringLiteral("file"));
        QCOMPARE(m_store->revision(), quint64(1));
        QCOMPARE(routeOf(*m_store), QStringLiteral("/first"));
        QVERIFY(!m_store->status().lastChangeOk);

        QVERIFY(writeInPlace(m_path, configWith("/fixed")));
        QTRY_COMPARE_WITH_TIMEOUT(routeOf(*m_store), QStringLiteral("/fixed"), kApplyTimeoutMs);
        QCOMPARE(m_store->revision(), quint64(2));
        QVERIFY(m_store->status().lastChangeOk);
        QCOMPARE(rejected.size(), 1);
    }
};

QTEST_GUILESS_MAIN(TestConfigWatcher)
#include "tst_configwatcher.moc"
