// Keys written twice in one JSON object. QJsonDocument keeps the last value of a repeated key
// and drops the others without a word, so `"port": 80, ... "port": 8080` would lose a setting
// unseen; this scan of the text finds them, since the parsed document no longer can.
#pragma once

#include "config.h"

#include <QByteArray>
#include <QList>
#include <QString>

namespace kairos {

// One problem for each key that appears more than once in the same object, anywhere in `json`:
// located at the object's JSON path under `basePath` (`routers[0].backends[1]`; `route` for a
// route body read at "route"; empty for the top-level object of a config) and naming the key:
// `"port" appears twice`. Keys are compared as QJsonDocument reads them, escapes decoded, so "a"
// and "\u0061" are the same key. In order of the keys' first appearance.
//
// `json` must be text that QJsonDocument::fromJson accepted: the scan relies on it being well
// formed (other bytes are read safely, but the answer means nothing). Linear in the text's size.
QList<ConfigProblem> repeatedKeys(const QByteArray &json, const QString &basePath = QString());

// A key as shown in a path or a message: control characters written as JSON escapes (\u000a),
// so that the message stays one line in a log or a header field.
QString printableKey(const QString &key);

}  // namespace kairos
