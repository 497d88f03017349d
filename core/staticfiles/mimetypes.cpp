#include "mimetypes.h"

#include <QFile>
#include <QMimeDatabase>

namespace kairos {

namespace {

struct KnownType {
    const char *extension;
    const char *type;
};

// JavaScript is text/javascript (RFC 9239); JSON needs no charset, it is UTF-8 by definition.
constexpr KnownType kKnownTypes[] = {
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"cjs", "text/javascript; charset=utf-8"},
    {"json", "application/json"},
    {"map", "application/json"},
    {"webmanifest", "application/manifest+json"},
    {"txt", "text/plain; charset=utf-8"},
    {"csv", "text/csv; charset=utf-8"},
    {"md", "text/markdown; charset=utf-8"},
    {"xml", "application/xml"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"avif", "image/avif"},
    {"ico", "image/x-icon"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"ttf", "font/ttf"},
    {"otf", "font/otf"},
    {"wasm", "application/wasm"},  // needed by WebAssembly.instantiateStreaming
    {"pdf", "application/pdf"},
    {"zip", "application/zip"},
    {"mp4", "video/mp4"},
    {"webm", "video/webm"},
    {"mp3", "audio/mpeg"},
    {"ogg", "audio/ogg"},
    {"wav", "audio/wav"},
};

}  // namespace

QByteArray mimeTypeFor(QByteArrayView fileName)
{
    const qsizetype dot = fileName.lastIndexOf('.');
    const qsizetype slash = fileName.lastIndexOf('/');
    if (dot > slash + 1) {
        const QByteArrayView extension = fileName.sliced(dot + 1);
        for (const KnownType &known : kKnownTypes) {
            if (extension.compare(known.extension, Qt::CaseInsensitive) == 0)
                return known.type;
        }
    }
    const QMimeType type =
        QMimeDatabase().mimeTypeForFile(QFile::decodeName(fileName.toByteArray()), QMimeDatabase::MatchExtension);
    if (!type.isValid() || type.isDefault())
        return "application/octet-stream";
    const QByteArray name = type.name().toLatin1();
    return name.startsWith("text/") ? name + "; charset=utf-8" : name;
}

}  // namespace kairos
