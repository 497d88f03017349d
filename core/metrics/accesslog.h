// One line per request: time, client, method and target, status, bytes, route, backend,
// duration, tries, request id. To a file (--access-log FILE) or, by default, to stderr in the
// log's own line format (the "kairos.access" category; logging rules can turn it off).
//
// Lines are gathered per thread and written in blocks, when kBlockBytes are waiting and every
// kFlushIntervalMs, like nginx's `access_log ... buffer= flush=`: one write per request cost
// about a fifth of the proxy's throughput (docs/BENCHMARKS.md). Blocks hold whole lines and are
// written one at a time, so lines of different threads never mix (not even in a pipe, where a
// write of more than 4 KiB is not atomic); flush() and the destructor write what is left.
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
    void write(const RequestRecord &record);  // from any thread
    void flush();                             // from any thread

    // The line without its time stamp.
    static QByteArray format(const RequestRecord &record);

private:
    struct ThreadBuffer;
    ThreadBuffer &threadBuffer();
    void appendStamp(ThreadBuffer &buffer, qint64 epochMs) const;
    void writeOut(QByteArray &lines);

    const quint64 m_id;  // tells this log's thread buffers from those of an earlier one
    QFile m_file;
    int m_descriptor;
    QMutex m_buffersMutex;
    QMutex m_writeMutex;  // one block at a time on the descriptor
    std::vector<std::unique_ptr<ThreadBuffer>> m_buffers;
    QTimer m_flushTimer;
};

}  // namespace kairos
