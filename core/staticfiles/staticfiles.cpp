#include "staticfiles.h"

#include "mimetypes.h"
#include "validators.h"

#include <QFile>
#include <QStringDecoder>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <ctime>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace kairos {

namespace {

StaticAnswer refusal(int status, const char *note)
{
    StaticAnswer answer;
    answer.status = status;
    answer.note = note;
    return answer;
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
        return (c | 0x20) - 'a' + 10;
    return -1;
}

// One segment, decoded once: "%252e" stays "%2e", a name, as it does for every other server
// that decodes once. False for a malformed escape or a byte no client puts in a path unencoded.
bool percentDecode(QByteArrayView raw, QByteArray *out)
{
    out->reserve(raw.size());
    for (qsizetype i = 0; i < raw.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(raw[i]);
        if (c <= 0x20 || c == 0x7f)
            return false;
        if (c != '%') {
            out->append(char(c));
            continue;
        }
        const int high = i + 2 < raw.size() ? hexValue(raw[i + 1]) : -1;
        const int low = high >= 0 ? hexValue(raw[i + 2]) : -1;
        if (low < 0)
            return false;
        out->append(char(high * 16 + low));
        i += 2;
    }
    return true;
}

// A decoded segment that can only be an attack or a mistake: a NUL (which would end the path
// early), a slash or backslash (a segment boundary that the route matcher did not see, or one on
// another system), "." or "..", or bytes that are not UTF-8 (overlong "%c0%ae" is a dot to some
// decoders).
bool isPlainName(const QByteArray &name)
{
    if (name == "." || name == ".." || name.contains('\0') || name.contains('/') || name.contains('\\'))
        return false;
    const bool ascii = std::all_of(name.begin(), name.end(), [](char c) { return (c & 0x80) == 0; });
    if (ascii)
        return true;
    QStringDecoder utf8(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    const QString text = utf8.decode(name);  // the decoding runs as the result becomes a QString
    return !utf8.hasError();
}

struct RequestPath {
    enum Check { Plain, Malformed, Hidden };
    Check check = Plain;
    QByteArray relative;  // decoded segments joined with '/'; "" for the root
    QByteArray lastName;  // the last decoded segment
    bool endsWithSlash = false;
};

// Malformed paths are answered 400: no browser sends them (it removes dot segments itself), so
// they are probes. A segment starting with '.' (.git, .env, .htpasswd) is answered 404, as for a
// file that is not there.
RequestPath decodePath(QByteArrayView raw)
{
    RequestPath path;
    if (raw.startsWith('/'))
        raw = raw.sliced(1);
    if (raw.isEmpty()) {
        path.endsWithSlash = true;
        return path;
    }
    bool hidden = false;
    qsizetype start = 0;
    while (true) {
        const qsizetype slash = raw.indexOf('/', start);
        const QByteArrayView piece = raw.sliced(start, (slash < 0 ? raw.size() : slash) - start);
        if (piece.isEmpty()) {
            if (slash >= 0) {  // "//": an empty segment, refused like the others
                path.check = RequestPath::Malformed;
                return path;
            }
            path.endsWithSlash = true;
            break;
        }
        QByteArray name;
        if (!percentDecode(piece, &name) || !isPlainName(name)) {
            path.check = RequestPath::Malformed;
            return path;
        }
        hidden = hidden || name.startsWith('.');
        if (!path.relative.isEmpty())
            path.relative += '/';
        path.relative += name;
        path.lastName = std::move(name);
        if (slash < 0)
            break;
        start = slash + 1;
    }
    if (hidden)
        path.check = RequestPath::Hidden;
    return path;
}

QByteArray canonicalPath(const QByteArray &path)
{
    char *resolved = ::realpath(path.constData(), nullptr);
    if (!resolved)
        return QByteArray();
    QByteArray canonical(resolved);
    std::free(resolved);
    return canonical;
}

struct Lookup {
    enum Result { Found, Missing, Outside, Hidden, Unreadable };
    Result result = Missing;
    QByteArray path;  // canonical
    bool directory = false;
};

// `relative` under the canonical `root`, symlinks followed: whatever it leads to must be inside
// the root and not under a dot-named entry there (a symlink to .git is no way around the rule).
Lookup lookUp(const QByteArray &root, const QByteArray &relative)
{
    Lookup lookup;
    errno = 0;
    lookup.path = canonicalPath(relative.isEmpty() ? root : root + '/' + relative);
    if (lookup.path.isEmpty()) {
        lookup.result = errno == ENOENT || errno == ENOTDIR ? Lookup::Missing : Lookup::Unreadable;
        return lookup;
    }
    if (lookup.path != root) {
        const QByteArray prefix = root.endsWith('/') ? root : root + '/';
        if (!lookup.path.startsWith(prefix)) {
            lookup.result = Lookup::Outside;
            return lookup;
        }
        if (lookup.path.indexOf("/.", prefix.size() - 1) >= 0) {
            lookup.result = Lookup::Hidden;
            return lookup;
        }
    }
    struct stat info;
    if (::stat(lookup.path.constData(), &info) != 0) {
        lookup.result = Lookup::Unreadable;
        return lookup;
    }
    lookup.directory = S_ISDIR(info.st_mode);
    lookup.result = Lookup::Found;
    return lookup;
}

StaticAnswer refusalFor(Lookup::Result result)
{
    switch (result) {
    case Lookup::Outside: return refusal(404, "static_outside_root");
    case Lookup::Hidden: return refusal(404, "static_hidden");
    case Lookup::Unreadable: return refusal(404, "static_unreadable");
    case Lookup::Missing:
    case Lookup::Found: break;
    }
    return refusal(404, "static_not_found");
}

// A media range text/html with a q above 0: what a browser navigating sends, and what fetch()
// and script or image loads (*/* and their own types) do not.
bool acceptsHtml(const http::RequestHead &head)
{
    const QByteArray accept = head.headers.combinedValue("Accept");
    for (const QByteArray &item : accept.split(',')) {
        const QList<QByteArray> parts = item.split(';');
        if (!http::equalsIgnoreCase(parts[0].trimmed(), "text/html"))
            continue;
        bool refused = false;
        for (qsizetype i = 1; i < parts.size(); ++i) {
            const QByteArray parameter = parts[i].trimmed();
            if (parameter.size() > 2 && http::equalsIgnoreCase(parameter.first(2), "q="))
                refused = parameter.sliced(2).toDouble() <= 0;
        }
        if (!refused)
            return true;
    }
    return false;
}

QByteArray entityTag(const struct stat &info)
{
    const quint64 modifiedNs = quint64(info.st_mtim.tv_sec) * 1000000000u + quint64(info.st_mtim.tv_nsec);
    return '"' + QByteArray::number(modifiedNs, 16) + '-' + QByteArray::number(quint64(info.st_size), 16) + '"';
}

// §13.2.2: If-None-Match, when present, decides alone; else If-Modified-Since (a date in the
// future is not valid, §13.1.3).
bool notModified(const http::RequestHead &head, const QByteArray &tag, qint64 lastModified, qint64 now)
{
    if (head.headers.contains("If-None-Match"))
        return entityTagListMatches(head.headers.combinedValue("If-None-Match"), tag);
    const QByteArray since = head.headers.value("If-Modified-Since");
    if (since.isNull())
        return false;
    const std::optional<qint64> date = parseHttpDate(since);
    return date && *date <= now && lastModified <= *date;
}

// If-Range (§13.1.5) compares strongly: a weak tag never matches; a date matches only Last-Modified
// exactly, and only when that is a strong validator, a second or more before now (§8.8.2.2).
bool ifRangeHolds(const http::RequestHead &head, const QByteArray &tag, qint64 modified, qint64 now)
{
    if (!head.headers.contains("If-Range"))
        return true;
    const QByteArrayView value = QByteArrayView(head.headers.value("If-Range")).trimmed();
    if (value.startsWith("W/"))
        return false;
    if (value.startsWith('"'))
        return value == tag;
    const std::optional<qint64> date = parseHttpDate(value);
    return date && *date == modified && modified < now;
}

bool readExactly(int descriptor, qint64 offset, qint64 length, QByteArray *out)
{
    out->resize(length);
    qint64 done = 0;
    while (done < length) {
        const ssize_t got = ::pread(descriptor, out->data() + done, size_t(length - done), off_t(offset + done));
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return false;
        done += got;
    }
    return true;
}

// The answer for a regular file: opened here, so that its validators and any bytes read come
// from the same file (O_NONBLOCK: a FIFO put in the root must not block the thread).
StaticAnswer fileAnswer(const http::RequestHead &head, const QByteArray &path, QByteArrayView nameForType, bool isIndex)
{
    const int descriptor = ::open(path.constData(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (descriptor < 0)
        return refusal(404, "static_unreadable");
    struct Closer {
        int descriptor;
        ~Closer() { ::close(descriptor); }
    } closer{descriptor};
    struct stat info;
    if (::fstat(descriptor, &info) != 0 || !S_ISREG(info.st_mode))
        return refusal(404, "static_not_a_file");

    const qint64 size = info.st_size;
    const qint64 now = std::time(nullptr);
    const qint64 modified = info.st_mtim.tv_sec;
    const qint64 lastModified = qMin(modified, now);  // never later than the answer's Date
    const QByteArray tag = entityTag(info);
    StaticAnswer answer;
    answer.status = 200;
    if (notModified(head, tag, lastModified, now)) {
        answer.status = 304;
    } else {
        const bool get = head.method == "GET";
        const QByteArray rangeValue = head.headers.combinedValue("Range");
        const ByteRange range = get && !rangeValue.isEmpty() && ifRangeHolds(head, tag, modified, now)
                                    ? byteRangeOf(rangeValue, size)
                                    : ByteRange{ByteRange::Whole};
        if (range.kind == ByteRange::Unsatisfiable) {
            StaticAnswer unsatisfiable = refusal(416, "static_range_not_satisfiable");
            unsatisfiable.fields.add("Content-Range", "bytes */" + QByteArray::number(size));
            return unsatisfiable;
        }
        answer.offset = range.kind == ByteRange::Part ? range.first : 0;
        answer.length = range.kind == ByteRange::Part ? range.length : size;
        answer.fields.add("Content-Type", mimeTypeFor(nameForType));
        answer.fields.add("Content-Length", QByteArray::number(answer.length));
        if (range.kind == ByteRange::Part) {
            answer.status = 206;
            answer.fields.add("Content-Range", "bytes " + QByteArray::number(range.first) + '-'
                                                   + QByteArray::number(range.first + range.length - 1) + '/'
                                                   + QByteArray::number(size));
        }
        answer.fields.add("Accept-Ranges", "bytes");
        answer.fields.add("X-Content-Type-Options", "nosniff");
    }
    answer.fields.add("ETag", tag);
    answer.fields.add("Last-Modified", httpDate(lastModified));
    // The index names the other files (hashed asset names change with each build), so caches
    // must ask again each time to pick up a new deployment.
    if (isIndex)
        answer.fields.add("Cache-Control", "no-cache");
    if (answer.status == 304 || head.method == "HEAD")
        return answer;
    if (answer.length > kStaticInlineBytes) {
        answer.filePath = QFile::decodeName(path);
    } else if (!readExactly(descriptor, answer.offset, answer.length, &answer.body)) {
        return refusal(500, "static_read_failed");
    }
    return answer;
}

// "./name/" for a directory asked for without its '/': relative, so it needs neither the
// route's prefix nor trust in the Host, and "./" keeps a name with ':' from reading as a scheme.
StaticAnswer directoryRedirect(const http::RequestHead &head, QByteArrayView relativePath)
{
    const QByteArrayView path = relativePath.isEmpty() ? head.path() : relativePath;
    StaticAnswer answer;
    answer.status = 301;
    answer.fields.add("Location", "./" + path.sliced(path.lastIndexOf('/') + 1).toByteArray() + '/');
    answer.fields.add("Content-Length", "0");
    return answer;
}

// The client routes of a single-page app ("/settings/profile") are not files: a browser
// navigating to one gets the index, whose script shows the route. The rule is that of
// connect-history-api-fallback (webpack's and Vite's dev servers): only requests that accept
// text/html, and only paths whose last segment has no '.', so that a missing
// "/assets/app.3f2a.js" or "/report.pdf" stays a 404 rather than HTML in its place.
StaticAnswer fallbackOrNotFound(const StaticSite &site, const http::RequestHead &head, const QByteArray &root,
                                const RequestPath &path)
{
    if (!site.spaFallback || !acceptsHtml(head) || path.lastName.contains('.'))
        return refusal(404, "static_not_found");
    const QByteArray index = QFile::encodeName(site.index);
    const Lookup lookup = lookUp(root, index);
    if (lookup.result != Lookup::Found || lookup.directory)
        return refusal(404, "static_not_found");
    return fileAnswer(head, lookup.path, index, true);
}

}  // namespace

StaticAnswer serveStatic(const StaticSite &site, const http::RequestHead &head, QByteArrayView relativePath)
{
    if (head.method != "GET" && head.method != "HEAD") {
        StaticAnswer answer = refusal(405, "static_method_not_allowed");
        answer.fields.add("Allow", "GET, HEAD");
        return answer;
    }
    const RequestPath path = decodePath(relativePath);
    if (path.check == RequestPath::Malformed)
        return refusal(400, "static_bad_path");
    if (path.check == RequestPath::Hidden)
        return refusal(404, "static_hidden");
    const QByteArray root = canonicalPath(QFile::encodeName(site.root));
    if (root.isEmpty())
        return refusal(404, "static_no_root");

    const Lookup lookup = lookUp(root, path.relative);
    if (lookup.result == Lookup::Missing)
        return fallbackOrNotFound(site, head, root, path);
    if (lookup.result != Lookup::Found)
        return refusalFor(lookup.result);
    if (!lookup.directory) {
        if (path.endsWithSlash)  // "/app.js/": a file is not a directory
            return refusal(404, "static_not_found");
        return fileAnswer(head, lookup.path, path.lastName, false);
    }
    const bool askedAsDirectory =
        relativePath.isEmpty() ? head.path().isEmpty() || head.path().endsWith('/') : path.endsWithSlash;
    if (!askedAsDirectory)
        return directoryRedirect(head, relativePath);
    const QByteArray index = QFile::encodeName(site.index);
    const Lookup indexLookup = lookUp(root, path.relative.isEmpty() ? index : path.relative + '/' + index);
    if (indexLookup.result == Lookup::Missing || (indexLookup.result == Lookup::Found && indexLookup.directory))
        return refusal(404, "static_no_index");  // and no listing
    if (indexLookup.result != Lookup::Found)
        return refusalFor(indexLookup.result);
    return fileAnswer(head, indexLookup.path, index, true);
}

}  // namespace kairos
