// locateJsonPath(): a problem's JSON path to its place in the text.
#include "config/jsonlocate.h"

#include <QtTest>

using namespace kairos;

class TestJsonLocate : public QObject
{
    Q_OBJECT

private:
    // The line (1-based) the path is located on.
    static int lineOf(const QByteArray &json, const QString &path)
    {
        return int(json.left(locateJsonPath(json, path)).count('\n')) + 1;
    }

private slots:
    void findsMembersAndElements()
    {
        const QByteArray json = "{\n"                                        // 1
                                "  \"server\": {\"workers\": 2},\n"          // 2
                                "  \"routers\": [\n"                         // 3
                                "    {\"external_path\": \"/a\"},\n"         // 4
                                "    {\n"                                    // 5
                                "      \"external_path\": \"/b\",\n"         // 6
                                "      \"backends\": [\n"                    // 7
                                "        {\"host\": \"h\", \"port\": 1},\n"  // 8
                                "        {\"host\": \"h\",\n"                // 9
                                "         \"port\": 0}\n"                    // 10
                                "      ]\n"                                  // 11
                                "    }\n"                                    // 12
                                "  ]\n"                                      // 13
                                "}\n";
        QCOMPARE(lineOf(json, "server.workers"), 2);
        QCOMPARE(lineOf(json, "routers"), 3);
        QCOMPARE(lineOf(json, "routers[0].external_path"), 4);
        QCOMPARE(lineOf(json, "routers[1]"), 5);
        QCOMPARE(lineOf(json, "routers[1].external_path"), 6);
        QCOMPARE(lineOf(json, "routers[1].backends[0]"), 8);
        QCOMPARE(lineOf(json, "routers[1].backends[1].port"), 10);
        // A key that is not there: the deepest part that is.
        QCOMPARE(lineOf(json, "routers[1].backends[1].weight"), 9);
        QCOMPARE(lineOf(json, "routers[0].retry.max_attempts"), 4);
        QCOMPARE(locateJsonPath(json, "jwt.secret"), 0);
        QCOMPARE(locateJsonPath(json, ""), 0);
    }

    void stringsWithBracketsAndEscapesDoNotConfuseIt()
    {
        const QByteArray json = "{\"a\": \"x, [\\\"{\", \"b\": [\"],\", {\"c\": 1}], \"d\": 2}";
        QCOMPARE(locateJsonPath(json, "d"), json.indexOf("\"d\""));
        QCOMPARE(locateJsonPath(json, "b[1].c"), json.indexOf("\"c\""));
        QCOMPARE(locateJsonPath(json, "b[1]"), json.indexOf("{\"c\""));
    }

    void brokenTextIsReadSafely()
    {
        for (const QByteArray &json : {QByteArray("{\"a\": [1, {\"b\""), QByteArray("]]}}\"\\"), QByteArray("\"")})
            QVERIFY(locateJsonPath(json, "a[1].b") >= 0);
    }
};

QTEST_GUILESS_MAIN(TestJsonLocate)
#include "tst_jsonlocate.moc"
