#include "accesslog.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QThread>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>

#include <unistd.h>

Q_LOGGING_CATEGORY(lcAccess, "kairos.access")

namespace kairos {

struct AccessLog::ThreadBuffer {
    QMutex mutex;  // taken by its thread per line and by flush(): uncontended but for flushes
    QByteArray lines;
    const QThread *thread = QThread::currentThread();
    qint64 stampSecond = -1;  // the second `stampDate` holds, "2026-11-28T15:03:57"
    char stampDate[24] = {};
};

namespace {

std::atomic<quint64> nextLogId{1};

template <typename Number> void appendNumber(QByteArray &out, Number value)
{
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    out.append(digits, end - digits);
}

// Milliseconds 0..999 as three digits.
void appendMillis(QByteArray &out, qint64 millis)
{
    const char digits[3] = {char('0' + millis / 100), char('0' + millis / 10 % 10), char('0' + millis % 10)};
    out.append(digits, 3);
}

void appendPeer(QByteArray &out, const QHostAddress &peer)
{
    bool ipv4 = false;
    const quint32 address = peer.toIPv4Address(&ipv4);
    if (!ipv4) {
        out += peer.toString().toLatin1();
        return;
    }
    for (int shift = 24; shift >= 0; shift -= 8) {
        appendNumber(out, (address >> shift) & 0xff);
        if (shift)
            out += '.';
    }
}

// Route paths and backend keys are nearly always ASCII: copied as they are, without the
// allocation of toUtf8().
void appendText(QByteArray &out, const QString &text)
{
    if (text.isEmpty()) {
        out += '-';
        return;
    }
    for (const QChar c : text) {
        if (c.unicode() >= 0x80) {
            out += text.toUtf8();
            return;
        }
    }
    const qsizetype at = out.size();
    out.resize(at + text.size());
    char *to = out.data() + at;
    for (const QChar c : text)
        *to++ = char(c.unicode());
}

void appendLine(QByteArray &out, const RequestRecord &record)
{
    appendPeer(out, record.peer);
    out += " \"";
    out += record.method;
    out += ' ';
    out += record.target;
    out += "\" ";
    appendNumber(out, record.status);
    out += ' ';
    appendNumber(out, record.responseBytes);
    out += " route=";
    appendText(out, record.routePath);
    out += " backend=";
    appendText(out, record.backend);
    out += " duration_ms=";
    const qint64 micros = std::max<qint64>(record.durationUs, 0);
    appendNumber(out, micros / 1000);
    out += '.';
    appendMillis(out, micros % 1000);
    out += " attempts=";
    appendNumber(out, record.attempts);
    if (record.queuedUs >= 0) {
        out += " queued_ms=";
        appendNumber(out, record.queuedUs / 1000);
        out += '.';
        appendMillis(out, record.queuedUs % 1000);
    }
    out += " request_id=";
    out += record.requestId;
    if (!record.forwardedClient.isEmpty()) {
        out += " client=";
        out += record.forwardedClient;
    }
    if (record.tlsVersion) {
        out += " tls=";
        out += record.tlsVersion;
        out += " alpn=";
        out += record.alpn.isEmpty() ? QByteArrayLiteral("-") : record.alpn;
    } else if (!record.alpn.isEmpty()) {
        out += " proto=";  // "h2c": HTTP/2 on the plain listener
        out += record.alpn;
    }
    if (record.note) {
        out += " note=";
        out += record.note;
    }
}

}  // namespace

AccessLog::AccessLog(QObject *parent)
    : QObject(parent), m_id(nextLogId.fetch_add(1)), m_descriptor(STDERR_FILENO), m_flushTimer(this)
{
    m_flushTimer.setInterval(kFlushIntervalMs);
    connect(&m_flushTimer, &QTimer::timeout, this, &AccessLog::flush);
    m_flushTimer.start();
}

AccessLog::~AccessLog()
{
    flush();
}

bool AccessLog::openFile(const QString &path, QString *error)
{
    if (!switchToFile(path, error))
        return false;
    m_toFile = true;
    return true;
}

bool AccessLog::reopen(QString *error)
{
    return !m_toFile || switchToFile(m_file->fileName(), error);
}

// What is waiting goes to the old descriptor, the lines after it to the new file.
bool AccessLog::switchToFile(const QString &path, QString *error)
{
    auto file = std::make_unique<QFile>(path);
    if (!file->open(QIODevice::WriteOnly | QIODevice::Append)) {
        *error = QStringLiteral("cannot open access log %1: %2").arg(path, file->errorString());
        return false;
    }
    flush();
    QMutexLocker lock(&m_writeMutex);
    m_descriptor = file->handle();  // written with write(2): O_APPEND keeps each block whole
    m_file.swap(file);              // the old file closes as `file` goes
    return true;
}

QByteArray AccessLog::format(const RequestRecord &record)
{
    QByteArray line;
    appendLine(line, record);
    return line;
}

void AccessLog::write(const RequestRecord &record)
{
    if (!m_toFile && !lcAccess().isInfoEnabled())
        return;
    ThreadBuffer &buffer = threadBuffer();
    QMutexLocker lock(&buffer.mutex);
    appendStamp(buffer, record.finishedAtMs > 0 ? record.finishedAtMs : QDateTime::currentMSecsSinceEpoch());
    appendLine(buffer.lines, record);
    buffer.lines += '\n';
    if (buffer.lines.size() >= kBlockBytes)
        writeOut(buffer.lines);
}

void AccessLog::flush()
{
    QMutexLocker lock(&m_buffersMutex);
    for (const std::unique_ptr<ThreadBuffer> &buffer : m_buffers) {
        QMutexLocker bufferLock(&buffer->mutex);
        writeOut(buffer->lines);
    }
}

AccessLog::ThreadBuffer &AccessLog::threadBuffer()
{
    thread_local quint64 cachedLog = 0;
    thread_local ThreadBuffer *cachedBuffer = nullptr;
    if (cachedLog == m_id)
        return *cachedBuffer;
    QMutexLocker lock(&m_buffersMutex);
    ThreadBuffer *found = nullptr;
    for (const std::unique_ptr<ThreadBuffer> &buffer : m_buffers) {
        if (buffer->thread == QThread::currentThread())
            found = buffer.get();
    }
    if (!found) {
        m_buffers.push_back(std::make_unique<ThreadBuffer>());
        found = m_buffers.back().get();
        found->lines.reserve(kBlockBytes + 1024);
    }
    cachedLog = m_id;
    cachedBuffer = found;
    return *found;
}

// "2026-11-28T15:03:57.430Z " in UTC to a file; in the log's format to stderr:
// "2026-11-28T15:03:57.430 INFO  kairos.access: " in local time. The date is made once a second.
void AccessLog::appendStamp(ThreadBuffer &buffer, qint64 epochMs) const
{
    const bool toFile = m_toFile;
    const qint64 second = epochMs / 1000;
    if (second != buffer.stampSecond) {
        const std::time_t time = std::time_t(second);
        std::tm parts{};
        if (toFile)
            gmtime_r(&time, &parts);
        else
            localtime_r(&time, &parts);
        std::strftime(buffer.stampDate, sizeof buffer.stampDate, "%Y-%m-%dT%H:%M:%S", &parts);
        buffer.stampSecond = second;
    }
    buffer.lines += buffer.stampDate;
    buffer.lines += '.';
    appendMillis(buffer.lines, epochMs % 1000);
    buffer.lines += toFile ? QByteArrayView("Z ") : QByteArrayView(" INFO  kairos.access: ");
}

void AccessLog::writeOut(QByteArray &lines)
{
    QMutexLocker lock(&m_writeMutex);
    qsizetype written = 0;
    while (written < lines.size()) {
        const ssize_t count = ::write(m_descriptor, lines.constData() + written, size_t(lines.size() - written));
        if (count < 0 && errno == EINTR)
            continue;
        if (count <= 0) {
            // Rate-limited by the block size: one warning per lost block, not per line.
            qCWarning(lcAccess).noquote() << "lost" << lines.count('\n') << "access log lines:" << std::strerror(errno);
            break;
        }
        written += count;
    }
    lines.truncate(0);  // keeps the capacity for the next block
}

}  // namespace kairos
