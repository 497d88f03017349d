// How a config splits between etcd and the machine's file, and the keys it lives under
// (docs/FLEET.md, "Key layout").
#include "fleet/etcdclient.h"
#include "fleet/fleetlayout.h"

#include <QJsonArray>
#include <QtTest>

using namespace kairos;

class TestFleetLayout : public QObject
{
    Q_OBJECT

private slots:
    void keys()
    {
        QCOMPARE(fleet::routeKey("/kairos", "/api/users/{id}"), QByteArray("/kairos/routes/%2Fapi%2Fusers%2F%7Bid%7D"));
        QCOMPARE(fleet::routeKey("/kairos", "/caf\u00e9"), QByteArray("/kairos/routes/%2Fcaf%C3%A9"));
        QCOMPARE(fleet::settingsKey("/edge"), QByteArray("/edge/settings"));
        QCOMPARE(fleet::instancesPrefix("/edge"), QByteArray("/edge/instances/"));
        // Distinct paths, distinct keys; no key escapes the routes folder.
        QVERIFY(fleet::routeKey("/k", "/a/b") != fleet::routeKey("/k", "/a%2Fb"));
        QVERIFY(!fleet::routeKey("/k", "/../settings").contains("/../"));
    }

    void prefixEnd()
    {
        QCOMPARE(EtcdClient::prefixEnd("/kairos/"), QByteArray("/kairos0"));
        QCOMPARE(EtcdClient::prefixEnd(QByteArray("a\xff", 2)), QByteArray("b"));
    }

    void sharedAndLocalSections()
    {
        const QJsonObject config{{"version", 1},
                                 {"server", QJsonObject{{"port", 5901}}},
                                 {"cluster", QJsonObject{{"instance_name", "a"}}},
                                 {"console", QJsonObject{{"capture_body_bytes", 0}}},
                                 {"admin", QJsonObject{{"listen", "127.0.0.1:5999"}, {"token", "t"}}},
                                 {"jwt", QJsonObject{{"secret", "s"}}},
                                 {"x-team", "payments"},
                                 {"routers", QJsonArray{QJsonObject{{"external_path", "/a"}}}}};
        const QJsonObject shared = fleet::sharedSettings(config);
        QCOMPARE(shared, (QJsonObject{{"admin", QJsonObject{{"token", "t"}}},
                                      {"jwt", QJsonObject{{"secret", "s"}}},
                                      {"x-team", "payments"}}));
        const QJsonObject local = fleet::localSections(config);
        QCOMPARE(local, (QJsonObject{{"version", 1},
                                     {"server", QJsonObject{{"port", 5901}}},
                                     {"cluster", QJsonObject{{"instance_name", "a"}}},
                                     {"console", QJsonObject{{"capture_body_bytes", 0}}},
                                     {"admin", QJsonObject{{"listen", "127.0.0.1:5999"}}}}));
    }

    // The machine's sections always come from its file, whatever etcd's settings document holds.
    void composeTakesMachineSectionsFromTheFile()
    {
        const QJsonObject local{{"version", 1},
                                {"server", QJsonObject{{"port", 5901}}},
                                {"admin", QJsonObject{{"listen", "127.0.0.1:5999"}}},
                                {"jwt", QJsonObject{{"secret", "the file's, not used"}}},
                                {"routers", QJsonArray{QJsonObject{{"external_path", "/file"}}}}};
        const QJsonObject settings{{"server", QJsonObject{{"port", 80}}},
                                   {"admin", QJsonObject{{"token", "t"}, {"listen", "0.0.0.0:1"}}},
                                   {"jwt", QJsonObject{{"secret", "shared"}}}};
        const QJsonObject composed = fleet::composeConfig(
            local, settings, {QJsonObject{{"external_path", "/a"}}, QJsonObject{{"external_path", "/b"}}});
        QCOMPARE(composed["server"].toObject()["port"].toInt(), 5901);
        QCOMPARE(composed["admin"].toObject(), (QJsonObject{{"token", "t"}, {"listen", "127.0.0.1:5999"}}));
        QCOMPARE(composed["jwt"].toObject()["secret"].toString(), QStringLiteral("shared"));
        QCOMPARE(composed["routers"].toArray().size(), 2);
        QCOMPARE(composed["routers"].toArray()[0].toObject()["external_path"].toString(), QStringLiteral("/a"));
    }
};

QTEST_GUILESS_MAIN(TestFleetLayout)
#include "tst_fleetlayout.moc"
