// The parts of RFC 9110 a file server needs to answer conditional and range requests: HTTP
// dates (§5.6.7), entity-tag lists (§8.8.3, §13.1) and a byte range (§14).
#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <optional>

namespace kairos {

// IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
QByteArray httpDate(qint64 secondsSinceEpoch);
// Any of the three formats a recipient must accept (IMF-fixdate, RFC 850, asctime); nothing for
// anything else, which makes the condition that carries it be ignored.
std::optional<qint64> parseHttpDate(QByteArrayView text);

// Whether an If-None-Match value ("*" or a list of entity-tags) holds `tag` (a quoted tag),
// W/ ignored on either side: the weak comparison §13.1.2 asks for. A malformed list matches
// nothing, so the request gets the full answer.
bool entityTagListMatches(QByteArrayView list, QByteArrayView tag);

struct ByteRange {
    enum Kind { Whole, Part, Unsatisfiable };
    Kind kind = Whole;
    qint64 first = 0;
    qint64 length = 0;
};

// The Range field's value for a representation of `size` bytes. Whole when the field is absent,
// malformed, in another unit or asks for several ranges: §14.2 lets a server ignore Range, and
// one answer with all of it is simpler and cheaper than multipart/byteranges. An empty file has
// no byte to address in a 206, so it is Whole too.
ByteRange byteRangeOf(QByteArrayView value, qint64 size);

}  // namespace kairos
