// Captured exchanges out of the console and back: a curl command line that sends a request again,
// and HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/), which browsers' developer tools
// and other inspectors import.
#pragma once

#include "metrics/requestrecord.h"

#include <QJsonObject>
#include <QList>
#include <QString>

namespace kairos {

// `gatewayUrl`: where the gateway listens ("http://127.0.0.1:8080"); requests are sent there again.

// A command for a POSIX shell. The body goes as --data-binary, through printf when it holds bytes a
// shell argument cannot (NUL, control characters). Credentials the capture redacted are left out,
// with a comment saying so.
QString curlCommand(const RequestRecord &record, const QString &gatewayUrl);
// 'text' for a POSIX shell: everything literal.
QString shellQuoted(const QByteArray &text);

QJsonObject harDocument(const QList<RequestRecord> &records, const QString &gatewayUrl);
// The entries of a HAR document as records (oldest first); an error when it is not one.
QList<RequestRecord> recordsFromHar(const QJsonObject &document, QString *error);

// The content type's media type, lower case, without parameters ("application/json").
QByteArray mediaType(const http::Headers &headers);
// Whether the body reads as text: a textual media type, or none and the bytes are valid UTF-8
// without control characters.
bool isTextual(const QByteArray &mediaType, const QByteArray &body);

}  // namespace kairos
