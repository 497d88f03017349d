// Where a config problem's JSON path (`routers[2].backends[0].port`, `server.workers`) is in the
// text it was read from, so that an editor can show the line: the key of an object member, the
// first byte of an array element. A path that does not exist in the text (a key that is missing)
// gives the place of its deepest part that does (`routers[2]` for `routers[2].backends`).
#pragma once

#include <QByteArray>
#include <QString>

namespace kairos {

// A byte offset into `json`; 0 when not even the path's first part is there. Keys are compared as
// written between their quotes (config keys have no escapes). Linear in the text's size.
qsizetype locateJsonPath(const QByteArray &json, const QString &path);

}  // namespace kairos
