// A relative path and the fields a file server reads, one per line (path, method, Range,
// If-None-Match, If-Modified-Since, If-Range, Accept; a missing line is a missing field), served
// from a small site, with and without the single-page-app fallback. Nothing outside the root or
// under a dotfile may come back, and what comes back must be consistent: a body of the announced
// length, a streamed part within the file, a relative Location.
#include "staticfiles/staticfiles.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace {

using namespace kairos;

constexpr char kSecret[] = "SECRET";

void write(const QString &path, const QByteArray &content)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(content) != content.size())
        std::abort();
}

struct Site {
    QTemporaryDir outside;
    QTemporaryDir root;
    QString canonicalRoot;

    Site()
    {
        const QString r = root.path();
        QDir(r).mkpath("dir");
        QDir(r).mkpath("empty");
        QDir(r).mkpath(".git");
        write(r + "/index.html", "<html>index</html>");
        write(r + "/a.txt", "hello");
        write(r + "/empty.txt", "");
        write(r + "/big.bin", QByteArray(kStaticInlineBytes + 4096, 'b'));
        write(r + "/dir/index.html", "<html>dir</html>");
        write(r + "/.env", kSecret);
        write(r + "/.git/config", kSecret);
        write(outside.path() + "/secret.txt", kSecret);
        QFile::link(r + "/a.txt", r + "/link-in");
        QFile::link(outside.path() + "/secret.txt", r + "/link-out");
        QFile::link(outside.path(), r + "/dir-out");
        QFile::link(r + "/.env", r + "/link-dot");
        canonicalRoot = QDir(r).canonicalPath();
    }
};

void fail(const char *what, const QByteArray &path, const StaticAnswer &answer)
{
    std::fprintf(stderr, "%s: path %s, status %d\n", what, path.constData(), answer.status);
    std::abort();
}

void check(const QByteArray &path, const http::RequestHead &head, const StaticAnswer &answer, const Site &site)
{
    constexpr int kStatuses[] = {200, 206, 301, 304, 400, 404, 405, 416};
    if (std::find(std::begin(kStatuses), std::end(kStatuses), answer.status) == std::end(kStatuses))
        fail("unexpected status", path, answer);
    if (answer.body.contains(kSecret))
        fail("secret served", path, answer);
    if (answer.streams()) {
        if (!answer.filePath.startsWith(site.canonicalRoot + '/') || !answer.filePath.endsWith("/big.bin"))
            fail("streams another file", path, answer);
        if (answer.offset < 0 || answer.length <= kStaticInlineBytes
            || answer.offset + answer.length > kStaticInlineBytes + 4096)
            fail("streamed part outside the file", path, answer);
    }
    const bool content = answer.status == 200 || answer.status == 206;
    if (content && head.method == "GET" && !answer.streams() && answer.body.size() != answer.length)
        fail("body of another length", path, answer);
    if (content && answer.fields.value("Content-Length") != QByteArray::number(answer.length))
        fail("Content-Length disagrees", path, answer);
    if (!content && (!answer.body.isEmpty() || answer.streams()))
        fail("content in an answer without any", path, answer);
    const QByteArray location = answer.fields.value("Location");
    if (answer.status == 301 && (!location.startsWith("./") || location.contains("//")))
        fail("Location not relative to the directory", path, answer);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const Site site;
    const QList<QByteArray> lines = QByteArray(reinterpret_cast<const char *>(data), qsizetype(size)).split('\n');
    const QByteArray path = lines[0];
    http::RequestHead head;
    const QByteArray method = lines.value(1);
    head.method = method == "H" ? QByteArray("HEAD") : method.isEmpty() || method == "G" ? QByteArray("GET") : method;
    head.target = "/static" + path;
    const char *names[] = {"Range", "If-None-Match", "If-Modified-Since", "If-Range", "Accept"};
    for (int i = 0; i < 5 && i + 2 < lines.size(); ++i)
        head.headers.add(names[i], lines[i + 2]);
    for (const bool spaFallback : {false, true}) {
        StaticSite config{site.root.path(), QStringLiteral("index.html"), spaFallback};
        check(path, head, serveStatic(config, head, path), site);
    }
    return 0;
}
