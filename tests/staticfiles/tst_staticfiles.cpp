// serveStatic against a real directory: what is served and with which fields, what is refused
// (traversal in every spelling, symlinks out of the root, dotfiles, methods), directories and
// their index, conditional and range requests, streaming of large files, the single-page-app
// fallback; and the date, entity-tag and range parsing beneath them.
#include "staticfiles/mimetypes.h"
#include "staticfiles/staticfiles.h"
#include "staticfiles/validators.h"

#include <QtTest>

#include <sys/stat.h>

using namespace kairos;

Q_DECLARE_METATYPE(kairos::http::Headers)

namespace {

constexpr qint64 kModified = 1704164645;  // Tue, 02 Jan 2024 03:04:05 GMT
constexpr char kLastModified[] = "Tue, 02 Jan 2024 03:04:05 GMT";

void write(const QString &path, const QByteArray &content)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    QCOMPARE(file.write(content), content.size());
    QVERIFY(file.flush());  // written before the time is set, or the write would set it again
    QVERIFY(file.setFileTime(QDateTime::fromSecsSinceEpoch(kModified, Qt::UTC), QFileDevice::FileModificationTime));
}

QByteArray pattern(qint64 size)
{
    QByteArray bytes(size, Qt::Uninitialized);
    for (qint64 i = 0; i < size; ++i)
        bytes[i] = char('a' + i % 26);
    return bytes;
}

http::Headers fields(std::initializer_list<std::pair<const char *, const char *>> list)
{
    http::Headers headers;
    for (const auto &[name, value] : list)
        headers.add(name, value);
    return headers;
}

}  // namespace

class TestStaticFiles : public QObject
{
    Q_OBJECT

    QTemporaryDir m_base;  // holds root/ and, beside it, what must never be served
    QString m_root;
    StaticSite m_site;
    StaticSite m_spa;

    StaticAnswer serve(QByteArrayView path, const http::Headers &headers = {}, const QByteArray &method = "GET",
                       const StaticSite *site = nullptr)
    {
        http::RequestHead head;
        head.method = method;
        head.target = "/static" + path.toByteArray();
        head.headers = headers;
        return serveStatic(site ? *site : m_site, head, path);
    }

    QByteArray etagOf(QByteArrayView path) { return serve(path).fields.value("ETag"); }

private slots:
    void initTestCase()
    {
        QVERIFY(m_base.isValid());
        const QString base = m_base.path();
        m_root = base + "/root";
        QDir dir(base);
        for (const char *path : {"root/assets", "root/docs", "root/noindex", "root/a/b", "root/.git", "outside"})
            QVERIFY(dir.mkpath(path));
        write(base + "/secret", "SECRET beside the root");
        write(base + "/outside/secret.txt", "SECRET outside");
        write(m_root + "/index.html", "<html>root</html>");
        write(m_root + "/hello.txt", "hello world");
        write(m_root + "/data.json", "{}");
        write(m_root + "/empty.txt", "");
        write(m_root + "/assets/app.3f2a.js", "console.log(1)");
        write(m_root + "/docs/index.html", "<html>docs</html>");
        write(m_root + "/noindex/file.txt", "x");
        write(m_root + "/.env", "SECRET=1");
        write(m_root + "/.git/config", "SECRET config");
        write(m_root + "/big.bin", pattern(200000));
        write(m_root + "/edge.bin", pattern(kStaticInlineBytes));
        write(m_root + "/edge1.bin", pattern(kStaticInlineBytes + 1));
        QVERIFY(QFile::link(m_root + "/hello.txt", m_root + "/link-in"));
        QVERIFY(QFile::link(base + "/outside/secret.txt", m_root + "/link-out"));
        QVERIFY(QFile::link(base + "/outside", m_root + "/dir-out"));
        QVERIFY(QFile::link(m_root + "/.env", m_root + "/link-dot"));
        QCOMPARE(::mkfifo(QFile::encodeName(m_root + "/pipe").constData(), 0600), 0);
        m_site.root = m_root;
        m_spa = m_site;
        m_spa.spaFallback = true;
    }

    void servesAFileWithItsValidators()
    {
        const StaticAnswer answer = serve("/hello.txt");
        QCOMPARE(answer.status, 200);
        QCOMPARE(answer.body, QByteArray("hello world"));
        QVERIFY(!answer.streams());
        QVERIFY(answer.note == nullptr);
        QCOMPARE(answer.fields.value("Content-Type"), QByteArray("text/plain; charset=utf-8"));
        QCOMPARE(answer.fields.value("Content-Length"), QByteArray("11"));
        QCOMPARE(answer.fields.value("Last-Modified"), QByteArray(kLastModified));
        QCOMPARE(answer.fields.value("Accept-Ranges"), QByteArray("bytes"));
        QCOMPARE(answer.fields.value("X-Content-Type-Options"), QByteArray("nosniff"));
        QVERIFY(!answer.fields.contains("Cache-Control"));
        // Modification time in nanoseconds and size, in hex: strong, so If-Range can use it.
        QCOMPARE(answer.fields.value("ETag"), "\"" + QByteArray::number(kModified * 1000000000, 16) + "-b\"");
    }

    void entityTagFollowsTheContent()
    {
        const QString path = m_root + "/changing.txt";
        write(path, "one");
        const QByteArray before = etagOf("/changing.txt");
        write(path, "three");
        const QByteArray afterWrite = etagOf("/changing.txt");
        QVERIFY(afterWrite != before);
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadWrite));
        QVERIFY(
            file.setFileTime(QDateTime::fromSecsSinceEpoch(kModified + 1, Qt::UTC), QFileDevice::FileModificationTime));
        file.close();
        QVERIFY(etagOf("/changing.txt") != afterWrite);  // the same size, touched
        QVERIFY(QFile::remove(path));
    }

    void headHasTheFieldsOfGetAndNoContent()
    {
        for (const char *path : {"/hello.txt", "/big.bin"}) {
            const StaticAnswer get = serve(path);
            const StaticAnswer head = serve(path, {}, "HEAD");
            QCOMPARE(head.status, 200);
            QCOMPARE(head.fields.fields(), get.fields.fields());
            QVERIFY(head.body.isEmpty());
            QVERIFY(!head.streams());
        }
    }

    void onlyGetAndHead()
    {
        for (const char *method : {"POST", "PUT", "DELETE", "OPTIONS", "PATCH", "get"}) {
            const StaticAnswer answer = serve("/hello.txt", {}, method);
            QCOMPARE(answer.status, 405);
            QCOMPARE(answer.fields.value("Allow"), QByteArray("GET, HEAD"));
            QCOMPARE(QByteArray(answer.note), QByteArray("static_method_not_allowed"));
            QVERIFY(answer.body.isEmpty());
        }
    }

    void mimeTypes_data()
    {
        QTest::addColumn<QByteArray>("name");
        QTest::addColumn<QByteArray>("type");
        const std::pair<const char *, const char *> rows[] = {
            {"a.html", "text/html; charset=utf-8"},
            {"a.css", "text/css; charset=utf-8"},
            {"a.js", "text/javascript; charset=utf-8"},
            {"a.mjs", "text/javascript; charset=utf-8"},
            {"A.JS", "text/javascript; charset=utf-8"},
            {"a.json", "application/json"},
            {"a.js.map", "application/json"},
            {"a.svg", "image/svg+xml"},
            {"a.png", "image/png"},
            {"a.jpg", "image/jpeg"},
            {"a.jpeg", "image/jpeg"},
            {"a.gif", "image/gif"},
            {"a.webp", "image/webp"},
            {"a.avif", "image/avif"},
            {"a.ico", "image/x-icon"},
            {"a.woff", "font/woff"},
            {"a.woff2", "font/woff2"},
            {"a.ttf", "font/ttf"},
            {"a.otf", "font/otf"},
            {"a.txt", "text/plain; charset=utf-8"},
            {"a.xml", "application/xml"},
            {"a.wasm", "application/wasm"},
            {"a.pdf", "application/pdf"},
            {"a.mp4", "video/mp4"},
            {"a.webm", "video/webm"},
            {"a.mp3", "audio/mpeg"},
            {"a.c", "text/x-csrc; charset=utf-8"},  // from QMimeDatabase
            {"a.tar", "application/x-tar"},         // from QMimeDatabase
            {"a.qqqq", "application/octet-stream"},
            {"noextension", "application/octet-stream"},
            {"dir.png/file", "application/octet-stream"},
        };
        for (const auto &[name, type] : rows)
            QTest::newRow(name) << QByteArray(name) << QByteArray(type);
    }

    void mimeTypes()
    {
        QFETCH(QByteArray, name);
        QFETCH(QByteArray, type);
        QCOMPARE(mimeTypeFor(name), type);
    }

    void contentTypeComesFromTheRequestedName()
    {
        QCOMPARE(serve("/data.json").fields.value("Content-Type"), QByteArray("application/json"));
        QCOMPARE(serve("/assets/app.3f2a.js").fields.value("Content-Type"),
                 QByteArray("text/javascript; charset=utf-8"));
        QCOMPARE(serve("/docs/").fields.value("Content-Type"), QByteArray("text/html; charset=utf-8"));
    }

    void traversalIsRefused_data()
    {
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("note");
        const QByteArray bad = "static_bad_path";
        QTest::newRow("dot dot") << QByteArray("/../secret") << 400 << bad;
        QTest::newRow("encoded dot dot") << QByteArray("/%2e%2e/secret") << 400 << bad;
        QTest::newRow("upper and lower") << QByteArray("/a/%2E%2E/%2e%2e/secret") << 400 << bad;
        QTest::newRow("half encoded") << QByteArray("/.%2e/secret") << 400 << bad;
        QTest::newRow("dot dot deeper") << QByteArray("/a/b/../../../secret") << 400 << bad;
        QTest::newRow("dot") << QByteArray("/a/./../../secret") << 400 << bad;
        QTest::newRow("encoded slash") << QByteArray("/..%2fsecret") << 400 << bad;
        QTest::newRow("all encoded") << QByteArray("/%2e%2e%2fsecret") << 400 << bad;
        QTest::newRow("upper slash") << QByteArray("/a%2Fb/../../secret") << 400 << bad;
        QTest::newRow("double slash") << QByteArray("//etc/passwd") << 400 << bad;
        QTest::newRow("nul") << QByteArray("/hello.txt%00.png") << 400 << bad;
        QTest::newRow("backslash") << QByteArray("/..\\secret") << 400 << bad;
        QTest::newRow("encoded backslash") << QByteArray("/..%5csecret") << 400 << bad;
        QTest::newRow("overlong dots") << QByteArray("/%c0%ae%c0%ae/secret") << 400 << bad;
        QTest::newRow("malformed escape") << QByteArray("/%zzsecret") << 400 << bad;
        QTest::newRow("cut escape") << QByteArray("/hello.txt%2") << 400 << bad;
        QTest::newRow("space") << QByteArray("/hello .txt") << 400 << bad;
        QTest::newRow("symlink out") << QByteArray("/link-out") << 404 << QByteArray("static_outside_root");
        QTest::newRow("directory out") << QByteArray("/dir-out/secret.txt") << 404 << QByteArray("static_outside_root");
        QTest::newRow("symlink to dotfile") << QByteArray("/link-dot") << 404 << QByteArray("static_hidden");
    }

    void traversalIsRefused()
    {
        QFETCH(QByteArray, path);
        QFETCH(int, status);
        QFETCH(QByteArray, note);
        // A browser navigating, on a site with the fallback: a refusal is never turned into the index.
        const http::Headers html = fields({{"Accept", "text/html"}});
        for (const StaticSite *site : {&m_site, &m_spa}) {
            for (const char *method : {"GET", "HEAD"}) {
                const StaticAnswer answer = serve(path, html, method, site);
                QCOMPARE(answer.status, status);
                QCOMPARE(QByteArray(answer.note), note);
                QVERIFY(answer.body.isEmpty());
                QVERIFY(!answer.streams());
            }
        }
    }

    void pathsAreDecodedOnce()
    {
        // "%252e%252e" is the name "%2e%2e": not there, so a navigation gets the fallback's index.
        StaticAnswer answer = serve("/%252e%252e/secret");
        QCOMPARE(answer.status, 404);
        QCOMPARE(QByteArray(answer.note), QByteArray("static_not_found"));
        QVERIFY(QDir(m_root).mkpath("%2e%2e"));
        write(m_root + "/%2e%2e/secret", "a name, not a way out");
        answer = serve("/%252e%252e/secret");
        QCOMPARE(answer.body, QByteArray("a name, not a way out"));
        answer = serve("/%252e%252e/missing", fields({{"Accept", "text/html"}}), "GET", &m_spa);
        QCOMPARE(answer.body, QByteArray("<html>root</html>"));
    }

    void symlinkInsideTheRootIsServed()
    {
        const StaticAnswer answer = serve("/link-in");
        QCOMPARE(answer.status, 200);
        QCOMPARE(answer.body, QByteArray("hello world"));
    }

    void dotfilesAreNotServed()
    {
        for (const char *path : {"/.env", "/.git/config", "/.git/", "/%2eenv", "/assets/.hidden", "/..."}) {
            const StaticAnswer answer = serve(path, fields({{"Accept", "text/html"}}), "GET", &m_spa);
            QCOMPARE(answer.status, 404);
            QCOMPARE(QByteArray(answer.note), QByteArray("static_hidden"));
        }
    }

    void specialFilesAreNotOpened()
    {
        const StaticAnswer answer = serve("/pipe");  // would block a reader without O_NONBLOCK
        QCOMPARE(answer.status, 404);
        QCOMPARE(QByteArray(answer.note), QByteArray("static_not_a_file"));
    }

    void directories()
    {
        StaticAnswer answer = serve("/docs");
        QCOMPARE(answer.status, 301);
        QCOMPARE(answer.fields.value("Location"), QByteArray("./docs/"));
        QCOMPARE(answer.fields.value("Content-Length"), QByteArray("0"));
        answer = serve("/docs/");
        QCOMPARE(answer.status, 200);
        QCOMPARE(answer.body, QByteArray("<html>docs</html>"));
        QCOMPARE(answer.fields.value("Cache-Control"), QByteArray("no-cache"));
        answer = serve("/");
        QCOMPARE(answer.body, QByteArray("<html>root</html>"));

        // The route's prefix itself ("/static"): the redirect names its last segment.
        answer = serve("");
        QCOMPARE(answer.status, 301);
        QCOMPARE(answer.fields.value("Location"), QByteArray("./static/"));

        // No listing where there is no index, and a file is no directory.
        answer = serve("/noindex/");
        QCOMPARE(answer.status, 404);
        QCOMPARE(QByteArray(answer.note), QByteArray("static_no_index"));
        QVERIFY(answer.body.isEmpty());
        QCOMPARE(serve("/noindex").status, 301);
        QCOMPARE(serve("/hello.txt/").status, 404);
        QCOMPARE(QByteArray(serve("/missing/").note), QByteArray("static_not_found"));
    }

    void notModified_data()
    {
        QTest::addColumn<http::Headers>("headers");
        QTest::addColumn<int>("status");
        const QByteArray tag = "\"" + QByteArray::number(kModified * 1000000000, 16) + "-b\"";
        const auto with = [](std::initializer_list<std::pair<QByteArray, QByteArray>> list) {
            http::Headers headers;
            for (const auto &[name, value] : list)
                headers.add(name, value);
            return headers;
        };
        QTest::newRow("none") << http::Headers() << 200;
        QTest::newRow("tag") << with({{"If-None-Match", tag}}) << 304;
        QTest::newRow("weak tag") << with({{"If-None-Match", "W/" + tag}}) << 304;
        QTest::newRow("in a list") << with({{"If-None-Match", "\"a,b\", W/\"x\" ," + tag}}) << 304;
        QTest::newRow("in a second field") << with({{"If-None-Match", "\"x\""}, {"If-None-Match", tag}}) << 304;
        QTest::newRow("star") << with({{"If-None-Match", "*"}}) << 304;
        QTest::newRow("other tag") << with({{"If-None-Match", "\"x\""}}) << 200;
        QTest::newRow("unquoted") << with({{"If-None-Match", tag.mid(1, tag.size() - 2)}}) << 200;
        QTest::newRow("tag wins over date")
            << with({{"If-None-Match", "\"x\""}, {"If-Modified-Since", kLastModified}}) << 200;
        QTest::newRow("same date") << with({{"If-Modified-Since", kLastModified}}) << 304;
        QTest::newRow("later date") << with({{"If-Modified-Since", "Wed, 03 Jan 2024 00:00:00 GMT"}}) << 304;
        QTest::newRow("earlier date") << with({{"If-Modified-Since", "Tue, 02 Jan 2024 03:04:04 GMT"}}) << 200;
        QTest::newRow("rfc 850") << with({{"If-Modified-Since", "Tuesday, 02-Jan-24 03:04:05 GMT"}}) << 304;
        QTest::newRow("asctime") << with({{"If-Modified-Since", "Tue Jan  2 03:04:05 2024"}}) << 304;
        QTest::newRow("future date") << with({{"If-Modified-Since", "Fri, 01 Jan 2100 00:00:00 GMT"}}) << 200;
        QTest::newRow("not a date") << with({{"If-Modified-Since", "yesterday"}}) << 200;
    }

    void notModified()
    {
        QFETCH(http::Headers, headers);
        QFETCH(int, status);
        for (const char *method : {"GET", "HEAD"}) {
            const StaticAnswer answer = serve("/hello.txt", headers, method);
            QCOMPARE(answer.status, status);
            if (status != 304)
                continue;
            QVERIFY(answer.body.isEmpty());
            QVERIFY(!answer.fields.contains("Content-Length"));
            QCOMPARE(answer.fields.value("ETag"), etagOf("/hello.txt"));
            QCOMPARE(answer.fields.value("Last-Modified"), QByteArray(kLastModified));
        }
    }

    void ranges_data()
    {
        QTest::addColumn<QByteArray>("range");
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QByteArray>("contentRange");
        QTest::newRow("first-last") << QByteArray("bytes=0-4") << 206 << QByteArray("hello")
                                    << QByteArray("bytes 0-4/11");
        QTest::newRow("first-") << QByteArray("bytes=6-") << 206 << QByteArray("world") << QByteArray("bytes 6-10/11");
        QTest::newRow("suffix") << QByteArray("bytes=-5") << 206 << QByteArray("world") << QByteArray("bytes 6-10/11");
        QTest::newRow("past the end") << QByteArray("bytes=6-99") << 206 << QByteArray("world")
                                      << QByteArray("bytes 6-10/11");
        QTest::newRow("suffix longer") << QByteArray("bytes=-99") << 206 << QByteArray("hello world")
                                       << QByteArray("bytes 0-10/11");
        QTest::newRow("one byte") << QByteArray("BYTES= 10-10 ") << 206 << QByteArray("d")
                                  << QByteArray("bytes 10-10/11");
        QTest::newRow("from the end") << QByteArray("bytes=11-") << 416 << QByteArray() << QByteArray("bytes */11");
        QTest::newRow("huge") << QByteArray("bytes=99999999999999999999999-") << 416 << QByteArray()
                              << QByteArray("bytes */11");
        QTest::newRow("empty suffix") << QByteArray("bytes=-0") << 416 << QByteArray() << QByteArray("bytes */11");
        // Several ranges: the whole file, as §14.2 allows.
        QTest::newRow("two ranges") << QByteArray("bytes=0-1,3-4") << 200 << QByteArray("hello world") << QByteArray();
        // Malformed: ignored.
        for (const char *range : {"bytes=5-2", "bytes=x-", "bytes=1-x", "items=0-1", "bytes=", "bytes=-", "bytes=--1",
                                  "bytes 0-1", "bytes=+1-2"})
            QTest::newRow(range) << QByteArray(range) << 200 << QByteArray("hello world") << QByteArray();
    }

    void ranges()
    {
        QFETCH(QByteArray, range);
        QFETCH(int, status);
        QFETCH(QByteArray, body);
        QFETCH(QByteArray, contentRange);
        const StaticAnswer answer = serve("/hello.txt", fields({{"Range", range.constData()}}));
        QCOMPARE(answer.status, status);
        QCOMPARE(answer.body, body);
        QCOMPARE(answer.fields.value("Content-Range"), contentRange);
        if (status != 416)
            QCOMPARE(answer.fields.value("Content-Length"), QByteArray::number(body.size()));
        else
            QCOMPARE(QByteArray(answer.note), QByteArray("static_range_not_satisfiable"));
    }

    void rangesAreForGetOnly()
    {
        const StaticAnswer head = serve("/hello.txt", fields({{"Range", "bytes=0-4"}}), "HEAD");
        QCOMPARE(head.status, 200);
        QCOMPARE(head.fields.value("Content-Length"), QByteArray("11"));
        QCOMPARE(serve("/hello.txt", fields({{"Range", "bytes=20-"}}), "HEAD").status, 200);
        // An empty file has no byte a 206 could name.
        QCOMPARE(serve("/empty.txt", fields({{"Range", "bytes=-5"}})).status, 200);
    }

    void ifRange_data()
    {
        QTest::addColumn<QByteArray>("ifRange");
        QTest::addColumn<int>("status");
        const QByteArray tag = "\"" + QByteArray::number(kModified * 1000000000, 16) + "-b\"";
        QTest::newRow("same tag") << tag << 206;
        QTest::newRow("weak tag") << "W/" + tag << 200;
        QTest::newRow("other tag") << QByteArray("\"x\"") << 200;
        QTest::newRow("same date") << QByteArray(kLastModified) << 206;
        QTest::newRow("other date") << QByteArray("Tue, 02 Jan 2024 03:04:06 GMT") << 200;
        QTest::newRow("garbage") << QByteArray("whenever") << 200;
    }

    void ifRange()
    {
        QFETCH(QByteArray, ifRange);
        QFETCH(int, status);
        const StaticAnswer answer =
            serve("/hello.txt", fields({{"Range", "bytes=0-4"}, {"If-Range", ifRange.constData()}}));
        QCOMPARE(answer.status, status);
        QCOMPARE(answer.body, status == 206 ? QByteArray("hello") : QByteArray("hello world"));
    }

    void largeAnswersAreStreamed()
    {
        const QString big = QFileInfo(m_root + "/big.bin").canonicalFilePath();
        StaticAnswer answer = serve("/big.bin");
        QCOMPARE(answer.status, 200);
        QVERIFY(answer.body.isEmpty());
        QCOMPARE(answer.filePath, big);
        QCOMPARE(answer.offset, 0);
        QCOMPARE(answer.length, 200000);
        QCOMPARE(answer.fields.value("Content-Length"), QByteArray("200000"));

        answer = serve("/big.bin", fields({{"Range", "bytes=100000-"}}));
        QCOMPARE(answer.status, 206);
        QCOMPARE(answer.filePath, big);
        QCOMPARE(answer.offset, 100000);
        QCOMPARE(answer.length, 100000);
        QCOMPARE(answer.fields.value("Content-Range"), QByteArray("bytes 100000-199999/200000"));

        // A small part of a large file comes in memory.
        answer = serve("/big.bin", fields({{"Range", "bytes=100-199"}}));
        QCOMPARE(answer.status, 206);
        QVERIFY(!answer.streams());
        QCOMPARE(answer.body, pattern(200000).mid(100, 100));

        answer = serve("/edge.bin");
        QVERIFY(!answer.streams());
        QCOMPARE(answer.body, pattern(kStaticInlineBytes));
        answer = serve("/edge1.bin");
        QVERIFY(answer.streams());
        QVERIFY(answer.body.isEmpty());
    }

    void singlePageAppFallback()
    {
        const http::Headers browser = fields({{"Accept", "text/html,application/xhtml+xml,*/*;q=0.8"}});
        StaticAnswer answer = serve("/settings/profile", browser, "GET", &m_spa);
        QCOMPARE(answer.status, 200);
        QCOMPARE(answer.body, QByteArray("<html>root</html>"));
        QCOMPARE(answer.fields.value("Content-Type"), QByteArray("text/html; charset=utf-8"));
        QCOMPARE(answer.fields.value("Cache-Control"), QByteArray("no-cache"));
        answer = serve("/settings/", browser, "HEAD", &m_spa);
        QCOMPARE(answer.status, 200);
        QVERIFY(answer.body.isEmpty());
        QCOMPARE(answer.fields.value("Content-Length"), QByteArray("17"));

        // Not a navigation, or a path that names a file, or the fallback off: 404.
        for (const char *accept : {"*/*", "application/json", "text/html;q=0", "TEXT/HTML; Q=0.0", "text/htmlx"}) {
            answer = serve("/settings/profile", fields({{"Accept", accept}}), "GET", &m_spa);
            QCOMPARE(answer.status, 404);
            QCOMPARE(QByteArray(answer.note), QByteArray("static_not_found"));
        }
        QCOMPARE(serve("/settings/profile", fields({{"Accept", "Text/HTML;q=0.5"}}), "GET", &m_spa).status, 200);
        QCOMPARE(serve("/settings/profile", {}, "GET", &m_spa).status, 404);
        QCOMPARE(serve("/assets/app.9999.js", browser, "GET", &m_spa).status, 404);
        QCOMPARE(serve("/report.pdf", browser, "GET", &m_spa).status, 404);
        QCOMPARE(serve("/settings/profile", browser, "GET", &m_site).status, 404);
        QCOMPARE(serve("/settings/profile", browser, "POST", &m_spa).status, 405);
        // Existing files and directories are what they are.
        QCOMPARE(serve("/hello.txt", browser, "GET", &m_spa).body, QByteArray("hello world"));
        QCOMPARE(serve("/noindex/", browser, "GET", &m_spa).status, 404);

        StaticSite withoutIndex = m_spa;
        withoutIndex.index = "missing.html";
        QCOMPARE(serve("/settings/profile", browser, "GET", &withoutIndex).status, 404);
    }

    void httpDates()
    {
        QCOMPARE(httpDate(784111777), QByteArray("Sun, 06 Nov 1994 08:49:37 GMT"));
        QCOMPARE(httpDate(0), QByteArray("Thu, 01 Jan 1970 00:00:00 GMT"));
        QCOMPARE(parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), std::optional<qint64>(784111777));
        QCOMPARE(parseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT"), std::optional<qint64>(784111777));
        QCOMPARE(parseHttpDate("Sun Nov  6 08:49:37 1994"), std::optional<qint64>(784111777));
        QCOMPARE(parseHttpDate("Thu, 29 Feb 2024 23:59:59 GMT"), std::optional<qint64>(1709251199));
        for (const char *bad : {"", "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 06 Nov 1994 8:49:37 GMT",
                                "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:49:37 GMT",
                                "Xyz, 06 Nov 1994 08:49:37 GMT", "Sun, 00 Nov 1994 08:49:37 GMT", "784111777"})
            QCOMPARE(parseHttpDate(bad), std::nullopt);
    }

    void entityTagLists()
    {
        QVERIFY(entityTagListMatches("\"a\"", "\"a\""));
        QVERIFY(entityTagListMatches(" W/\"a\" ", "\"a\""));
        QVERIFY(entityTagListMatches("\"x\",\"a\"", "\"a\""));
        QVERIFY(entityTagListMatches("\"a\"", "W/\"a\""));
        QVERIFY(!entityTagListMatches("\"ab\"", "\"a\""));
        QVERIFY(!entityTagListMatches("a", "\"a\""));
        QVERIFY(!entityTagListMatches("\"a", "\"a\""));
        QVERIFY(!entityTagListMatches("", "\"a\""));
        QVERIFY(!entityTagListMatches("*, \"a\"", "\"a\""));  // "*" only alone
    }
};

QTEST_GUILESS_MAIN(TestStaticFiles)
#include "tst_staticfiles.moc"
