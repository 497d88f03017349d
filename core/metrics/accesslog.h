// One line per request: time, client, method and target, status, bytes, route, backend,
// duration, tries, request id. To a file (--access-log FILE) or, by default, to stderr in the
// log's own line format (the "kairos.access" category; logging rules can turn it off).
//
// Lines are gathered per thread and written in blocks, when kBlockBytes are waiting and every
// kFlushIntervalMs, like nginx's `access_log ... buffer= flush=`: one write per request cost
// about a fifth of the proxy's throughput (docs/BENCHMARKS.md). Blocks hold whole lines and are
// written one at a time, so lines of different threads never mix (not even in a pipe, where a
// write of more than 4 KiB is not atomic); flush() and the destructor write what is left.
//
// Log rotation renames the file and asks for reopen() (SIGUSR1, as nginx does): the lines
// gathered until then go to the renamed file, the next ones to a new file at the path.
#pragma once

#include "metrics/requestrecord.h"

#include <QFile>
#include <QMutex>
#include <QObject>
#include <QTimer>

#include <memory>
#include <vector>

namespace kairos {

class AccessLog : public QObject
{
public:
    static constexpr qsizetype kBlockBytes = 16 * 1024;
    static constexpr int kFlushIntervalMs = 100;

    explicit AccessLog(QObject *parent = nullptr);
    ~AccessLog() override;

    // Appends to the file from now on; false (and an error) when it cannot be opened.
    bool openFile(const QString &path, QString *error);
    // Opens the file at the path given to openFile() again, creating it if it is gone; false (and
    // an error) when it cannot be opened, and lines go on to the file open until then. Without a
    // file (the log goes to stderr) there is nothing to reopen: true.
    bool reopen(QString *error);
    void write(const RequestRecord &record);  // from any thread
    void flush();                             // from any thread

    // The line without its time stamp.
    static QByteArray format(const RequestRecord &record);

private:
    struct ThreadBuffer;
    ThreadBuffer &threadBuffer();
    void appendStamp(ThreadBuffer &buffer, qint64 epochMs) const;
    void writeOut(QByteArray &lines);
    bool switchToFile(const QString &path, QString *error);

    const quint64 m_id;             // tells this log's thread buffers from those of an earlier one
    bool m_toFile = false;          // set before requests come, by openFile()
    std::unique_ptr<QFile> m_file;  // replaced under m_writeMutex
    int m_descriptor;               // m_file's, or stderr's; read under m_writeMutex
    QMutex m_buffersMutex;
    QMutex m_writeMutex;  // one block at a time on the descriptor
    std::vector<std::unique_ptr<ThreadBuffer>> m_buffers;
    QTimer m_flushTimer;
};

}  // namespace kairos
