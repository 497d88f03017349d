// One line per request: time, client, method and target, route, backend, status, bytes,
// duration, tries, request id. To a file (--access-log FILE) or, by default, to the log.
#pragma once

#include "proxy/requestrecord.h"

#include <QFile>
#include <QMutex>

namespace kairos {

class AccessLog
{
public:
    // Appends to the file from now on; false (and an error) when it cannot be opened.
    bool openFile(const QString &path, QString *error);
    void write(const RequestRecord &record);

    static QByteArray format(const RequestRecord &record);

private:
    QMutex m_mutex;
    QFile m_file;
};

}  // namespace kairos
