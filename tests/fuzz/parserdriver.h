// Drives http::MessageParser the way the connections do (head, body, next pipelined message) and
// writes down what it saw, so that a fuzz target can feed the same bytes whole and in arbitrary
// pieces and require the same transcript: a parser that reads a stream differently depending on
// how TCP cut it is a smuggling bug.
#pragma once
#include "http/messageparser.h"
#include <QByteArray>
#include <QList>

namespace kairos::fuzz {

// Piece sizes taken from `plan` (1..256 bytes each, cycling), or one piece when `plan` is empty.
QList<QByteArrayView> splitInput(QByteArrayView data, QByteArrayView plan);

// Feeds `pieces` in order and returns the transcript. Aborts when the parser stops making progress
// on bytes it has not refused (the connection would spin).
QByteArray runParser(http::MessageParser::Type type, const QList<QByteArrayView> &pieces, bool expectNoBody);

// Splits a fuzz input into a plan (its first byte says how long) and the stream itself.
struct FuzzInput {
    QByteArrayView plan;
    QByteArrayView stream;
    bool flag = false;
};
FuzzInput parseFuzzInput(const uint8_t *data, size_t size);

// Compares the transcript of the whole stream with the one of the pieces; aborts on a difference.
void requireSplitInvariance(http::MessageParser::Type type, const uint8_t *data, size_t size);

}  // namespace kairos::fuzz
