// Route patterns and a request path from the input (one per line: patterns first, the path last):
// whatever validation accepts must compile, and matching any path must not crash; a match's
// upstream target must stay under the route's internal_path prefix.
#include "config/configloader.h"
#include "routing/routetable.h"

#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    using namespace kairos;
    const QList<QByteArray> lines = QByteArray(reinterpret_cast<const char *>(data), qsizetype(size)).split('\n');
    if (lines.size() < 2 || lines.size() > 17)
        return 0;
    Config config;
    for (qsizetype i = 0; i + 1 < lines.size(); ++i) {
        const QList<QByteArray> sides = lines[i].split(' ');  // "external [internal]"
        Route route;
        route.externalPath = QString::fromUtf8(sides[0]);
        route.internalPath = QString::fromUtf8(sides.value(1, sides[0]));
        route.methods = {QStringLiteral("GET")};
        Backend backend;
        backend.host = QStringLiteral("http://127.0.0.1");
        backend.port = 9;
        route.backends = {backend};
        config.routes.append(route);
    }
    const ConfigLoadResult frozen = freezeConfig(std::move(config));
    if (!frozen.ok())
        return 0;
    const RouteTable table(frozen.config);
    QByteArray path = lines.last();
    const qsizetype question = path.indexOf('?');
    const QByteArray query = question < 0 ? QByteArray() : path.mid(question + 1);
    if (question >= 0)
        path.truncate(question);
    for (const char *method : {"GET", "POST"}) {
        const RouteMatch match = table.match(method, path);
        if (match.status != RouteMatch::Found)
            continue;
        const QByteArray target = table.upstreamTarget(match, query);
        const QString internal = match.route->route->internalPath;
        const QByteArray prefix = internal.left(internal.indexOf(QLatin1Char('{'))).toUtf8();
        // What a backend that decodes everything, backslashes included, would see.
        QByteArray decoded = QByteArray::fromPercentEncoding(target.left(target.indexOf('?')));
        decoded.replace('\\', '/');
        const QList<QByteArray> pieces = decoded.split('/');
        const bool traverses = pieces.contains(".") || pieces.contains("..");
        if (!target.startsWith(prefix) || traverses) {
            std::fprintf(stderr, "target %s escapes %s\n", target.constData(), prefix.constData());
            std::abort();
        }
    }
    return 0;
}
