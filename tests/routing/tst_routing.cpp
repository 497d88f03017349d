#include "config/configloader.h"
#include "routing/routetable.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

using namespace kairos;

namespace {

QJsonObject route(const QString &external, const QString &internal, const QStringList &methods = {"GET"})
{
    return QJsonObject{{"external_path", external},
                       {"internal_path", internal},
                       {"methods", QJsonArray::fromStringList(methods)},
                       {"backends", QJsonArray{QJsonObject{{"host", "http://127.0.0.1"}, {"port", 9000}}}}};
}

RouteTable table(const QJsonArray &routes)
{
    const ConfigLoadResult result =
        loadConfig(QJsonDocument(QJsonObject{{"version", 1}, {"routers", routes}}).toJson());
    if (!result.ok())
        qFatal("test config invalid: %s", qPrintable(result.errorSummary()));
    return RouteTable(result.config);
}

QString externalOf(const RouteMatch &match)
{
    return match.route ? match.route->route->externalPath : QString();
}

}  // namespace

class TestRouting : public QObject
{
    Q_OBJECT

private slots:
    void repeatedValuesAreStoredOnce()
    {
        const RouteTable routes = table(
            {route("/a/{id}", "/items/{id}"), route("/b/{id}", "/items/{id}"), route("/c/{kind}/{id}", "/items/{id}")});
        const auto &compiled = routes.routes();
        QCOMPARE((*compiled[1].internalTarget)[0].literal, QByteArray("/items/"));
        QCOMPARE((*compiled[0].internalTarget)[0].literal.constData(),
                 (*compiled[2].internalTarget)[0].literal.constData());
        QCOMPARE(compiled[0].methods, compiled[1].methods);
        QCOMPARE(routes.upstreamTarget(routes.match("GET", "/b/7"), ""), QByteArray("/items/7"));
        // Equal compiled targets are one list; the same text from another capture position is not.
        QCOMPARE(compiled[0].internalTarget, compiled[1].internalTarget);
        QVERIFY(compiled[2].internalTarget != compiled[0].internalTarget);
        QCOMPARE(routes.upstreamTarget(routes.match("GET", "/c/book/9"), ""), QByteArray("/items/9"));
    }

    void staticMatch()
    {
        const RouteTable routes = table({route("/api/users", "/users"), route("/api/orders", "/orders")});
        RouteMatch match = routes.match("GET", "/api/users");
        QCOMPARE(match.status, RouteMatch::Found);
        QCOMPARE(externalOf(match), QStringLiteral("/api/users"));
        QCOMPARE(routes.upstreamTarget(match, ""), QByteArray("/users"));
        QCOMPARE(routes.match("GET", "/api/orders").route->route->internalPath, QStringLiteral("/orders"));
    }

    void notFound()
    {
        const RouteTable routes = table({route("/api/users", "/users")});
        QCOMPARE(routes.match("GET", "/api/user").status, RouteMatch::NotFound);
        QCOMPARE(routes.match("GET", "/api/users/1").status, RouteMatch::NotFound);
        QCOMPARE(routes.match("GET", "/api/users/").status, RouteMatch::NotFound);  // trailing slash is exact
        QCOMPARE(routes.match("GET", "/API/users").status, RouteMatch::NotFound);   // paths are case-sensitive
        QCOMPARE(routes.match("GET", "/").status, RouteMatch::NotFound);
    }

    void methodNotAllowedListsAllow()
    {
        const RouteTable routes = table({route("/api/users", "/users", {"GET", "POST"})});
        const RouteMatch match = routes.match("DELETE", "/api/users");
        QCOMPARE(match.status, RouteMatch::MethodNotAllowed);
        QCOMPARE(match.allow, QByteArray("GET, POST"));
    }

    void methodsAreCaseSensitive()
    {
        const RouteTable routes = table({route("/a", "/a", {"GET"})});
        QCOMPARE(routes.match("get", "/a").status, RouteMatch::MethodNotAllowed);
        QCOMPARE(routes.match("GET", "/a").status, RouteMatch::Found);
    }

    void customMethods()
    {
        const RouteTable routes = table({route("/dav/{*path}", "/{path}", {"PROPFIND", "X-SYNC"})});
        QCOMPARE(routes.match("PROPFIND", "/dav/a/b").status, RouteMatch::Found);
        QCOMPARE(routes.match("X-SYNC", "/dav/a").status, RouteMatch::Found);
    }

    void templatesSubstituteCaptures()
    {
        const RouteTable routes = table({route("/api/users/{id}/orders/{order}", "/v2/orders/{order}/user/{id}")});
        const RouteMatch match = routes.match("GET", "/api/users/42/orders/7");
        QCOMPARE(match.status, RouteMatch::Found);
        QCOMPARE(match.captures.size(), 2);
        QCOMPARE(routes.upstreamTarget(match, ""), QByteArray("/v2/orders/7/user/42"));
        QCOMPARE(routes.match("GET", "/api/users//orders/7").status, RouteMatch::BadPath);  // "//" is refused
    }

    void catchAll()
    {
        const RouteTable routes = table({route("/static/{*path}", "/files/{path}")});
        QCOMPARE(routes.upstreamTarget(routes.match("GET", "/static/css/site.css"), ""),
                 QByteArray("/files/css/site.css"));
        QCOMPARE(routes.upstreamTarget(routes.match("GET", "/static/"), ""), QByteArray("/files/"));
        QCOMPARE(routes.match("GET", "/static").status, RouteMatch::NotFound);
        QCOMPARE(routes.match("GET", "/static/a//b").status, RouteMatch::BadPath);  // see slashesAndBackslashes
    }

    void rootCatchAll()
    {
        const RouteTable routes = table({route("/{*rest}", "/{rest}"), route("/", "/index")});
        QCOMPARE(routes.upstreamTarget(routes.match("GET", "/"), ""), QByteArray("/index"));
        QCOMPARE(routes.upstreamTarget(routes.match("GET", "/x/y"), ""), QByteArray("/x/y"));
    }

    void staticBeatsTemplateBeatsCatchAll()
    {
        // Declared in the worst order on purpose: precedence must not depend on it.
        const RouteTable routes =
            table({route("/api/{*rest}", "/catchall/{rest}"), route("/api/users/{id}", "/template/{id}"),
                   route("/api/users/me", "/static")});
        QCOMPARE(routes.upstreamTarget(routes.match("GET", "/api/users/me"), ""), QByteArray("/static"));
        QCOMPARE(routes.upstreamTarget(routes.match("GET", "/api/users/42"), ""), QByteArray("/template/42"));
        QCOMPARE(routes.upstreamTarget(routes.match("GET", "/api/users/42/x"), ""), QByteArray("/catchall/users/42/x"));
        QCOMPARE(routes.upstreamTarget(routes.match("GET", "/api/other"), ""), QByteArray("/catchall/other"));
    }

    void moreSpecificWinsSegmentBySegment()
    {
        // "/a/b/{x}" is more specific at segment 2 than "/a/{x}/c", so it wins for /a/b/c.
        const RouteTable routes = table({route("/a/{x}/c", "/first/{x}"), route("/a/b/{x}", "/second/{x}")});
        QCOMPARE(routes.upstreamTarget(routes.match("GET", "/a/b/c"), ""), QByteArray("/second/c"));
        QCOMPARE(routes.upstreamTarget(routes.match("GET", "/a/z/c"), ""), QByteArray("/first/z"));
    }

    void backtracksWhenTheLiteralBranchDeadEnds()
    {
        const RouteTable routes = table({route("/a/b/c", "/literal"), route("/a/{x}/d", "/template/{x}")});
        QCOMPARE(routes.upstreamTarget(routes.match("GET", "/a/b/d"), ""), QByteArray("/template/b"));
    }

    void methodFallsThroughToALessSpecificRoute()
    {
        const RouteTable routes = table({route("/u/me", "/me", {"GET"}), route("/u/{id}", "/user/{id}", {"POST"})});
        QCOMPARE(routes.upstreamTarget(routes.match("POST", "/u/me"), ""), QByteArray("/user/me"));
        const RouteMatch match = routes.match("DELETE", "/u/me");
        QCOMPARE(match.status, RouteMatch::MethodNotAllowed);
        QCOMPARE(match.allow, QByteArray("GET, POST"));
    }

    void queryStringIsKept()
    {
        const RouteTable routes = table({route("/api/users", "/users"), route("/q", "/search?fixed=1")});
        QCOMPARE(routes.upstreamTarget(routes.match("GET", "/api/users"), "page=2&sort=name"),
                 QByteArray("/users?page=2&sort=name"));
        QCOMPARE(routes.upstreamTarget(routes.match("GET", "/q"), "term=x"), QByteArray("/search?fixed=1&term=x"));
        QCOMPARE(routes.upstreamTarget(routes.match("GET", "/q"), ""), QByteArray("/search?fixed=1"));
    }

    void percentEncodedPathsMatchDecodedButForwardRaw()
    {
        const RouteTable routes = table({route("/api/users", "/users"), route("/files/{name}", "/f/{name}"),
                                         route(QString::fromUtf8("/caf\u00e9"), "/cafe")});
        QCOMPARE(routes.match("GET", "/api/%75sers").status, RouteMatch::Found);
        // A captured value keeps its encoding: %2F stays one segment and is not decoded upstream.
        RouteMatch match = routes.match("GET", "/files/a%2Fb%20c");
        QCOMPARE(match.status, RouteMatch::Found);
        QCOMPARE(routes.upstreamTarget(match, ""), QByteArray("/f/a%2Fb%20c"));
        QCOMPARE(routes.match("GET", "/caf%C3%A9").status, RouteMatch::Found);
        QCOMPARE(routes.match("GET", "/caf%c3%a9").status, RouteMatch::Found);
    }

    void badPaths()
    {
        const RouteTable routes = table({route("/files/{*rest}", "/f/{rest}")});
        QCOMPARE(routes.match("GET", "/files/%zz").status, RouteMatch::BadPath);
        QCOMPARE(routes.match("GET", "/files/%4").status, RouteMatch::BadPath);
        QCOMPARE(routes.match("GET", "/files/%00").status, RouteMatch::BadPath);
        QCOMPARE(routes.match("GET", "/files/../etc/passwd").status, RouteMatch::BadPath);
        QCOMPARE(routes.match("GET", "/files/%2e%2e/etc/passwd").status, RouteMatch::BadPath);
        QCOMPARE(routes.match("GET", "/files/./x").status, RouteMatch::BadPath);
        // Tomcat, Jetty and Spring read a segment's ";" parameters away: "..;" is ".." to them.
        for (const char *path : {"/files/..;/x", "/files/..;a=b/x", "/files/.;/x", "/files/%2e%2e;/x", "/files/..%3b/x",
                                 "/files/..%3Bx/x", "/files/a%2f..;%2fb", "/files/x/..;"})
            QVERIFY2(routes.match("GET", path).status == RouteMatch::BadPath, path);
        QCOMPARE(routes.match("GET", "/files/a;v=1/b").status, RouteMatch::Found);
        QCOMPARE(routes.match("GET", "/files/..a;/b").status, RouteMatch::Found);
        QCOMPARE(routes.match("GET", "files").status, RouteMatch::BadPath);
        QCOMPARE(routes.match("GET", "").status, RouteMatch::BadPath);
    }

    void slashesAndBackslashes()
    {
        const RouteTable routes = table({route("/files/{*rest}", "/f/{rest}"), route("/repos/{id}", "/r/{id}")});
        // Encoded traversal hidden inside one segment: refused, whatever the backend decodes.
        QCOMPARE(routes.match("GET", "/files/a%2F..%2F..%2Fsecret").status, RouteMatch::BadPath);
        QCOMPARE(routes.match("GET", "/files/..%5Csecret").status, RouteMatch::BadPath);
        QCOMPARE(routes.match("GET", "/files/a%2F.").status, RouteMatch::BadPath);
        // "//" and raw backslashes mean different things to different servers: refused.
        QCOMPARE(routes.match("GET", "/files//etc/passwd").status, RouteMatch::BadPath);
        QCOMPARE(routes.match("GET", "/files/a\\..\\b").status, RouteMatch::BadPath);
        QCOMPARE(routes.match("GET", "/files/a\\b").status, RouteMatch::BadPath);
        // An encoded slash or backslash inside a name is data, kept raw.
        const RouteMatch repo = routes.match("GET", "/repos/group%2Fproject");
        QCOMPARE(repo.status, RouteMatch::Found);
        QCOMPARE(routes.upstreamTarget(repo, {}), QByteArray("/r/group%2Fproject"));
        QCOMPARE(routes.match("GET", "/files/dir%5Cname").status, RouteMatch::Found);
        // A trailing slash is an empty last segment, not a "//".
        const RouteMatch trailing = routes.match("GET", "/files/docs/");
        QCOMPARE(trailing.status, RouteMatch::Found);
        QCOMPARE(routes.upstreamTarget(trailing, {}), QByteArray("/f/docs/"));
    }

    void matchingIsDeterministicAcrossManyRoutes()
    {
        QJsonArray many;
        for (int i = 0; i < 500; ++i) {
            many.append(route(QStringLiteral("/svc%1/items").arg(i), QStringLiteral("/s%1").arg(i)));
            many.append(route(QStringLiteral("/svc%1/items/{id}").arg(i), QStringLiteral("/s%1/{id}").arg(i)));
        }
        const RouteTable routes = table(many);
        for (int i = 0; i < 500; i += 37) {
            QCOMPARE(routes.upstreamTarget(routes.match("GET", QStringLiteral("/svc%1/items").arg(i).toUtf8()), ""),
                     QStringLiteral("/s%1").arg(i).toUtf8());
            QCOMPARE(routes.upstreamTarget(routes.match("GET", QStringLiteral("/svc%1/items/9").arg(i).toUtf8()), ""),
                     QStringLiteral("/s%1/9").arg(i).toUtf8());
        }
        // Through the trie, whose root has an index past a few children, with a decoded segment.
        QCOMPARE(routes.upstreamTarget(routes.match("GET", "/svc%337/items"), ""), QByteArray("/s37"));
        QCOMPARE(routes.upstreamTarget(routes.match("GET", "/svc%337/items/9"), ""), QByteArray("/s37/9"));
        QCOMPARE(routes.match("GET", "/svc500/items").status, RouteMatch::NotFound);
        QCOMPARE(routes.match("GET", "/svc%35%300/items").status, RouteMatch::NotFound);
    }
};

QTEST_GUILESS_MAIN(TestRouting)
#include "tst_routing.moc"
