#include "accesslog.h"

#include <QDateTime>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcAccess, "kairos.access")

namespace kairos {

bool AccessLog::openFile(const QString &path, QString *error)
{
    QMutexLocker lock(&m_mutex);
    m_file.setFileName(path);
    if (!m_file.open(QIODevice::WriteOnly | QIODevice::Append)) {
        *error = QStringLiteral("cannot open access log %1: %2").arg(path, m_file.errorString());
        return false;
    }
    return true;
}

QByteArray AccessLog::format(const RequestRecord &record)
{
    QByteArray line;
    line += record.peer.toString().toLatin1();
    line += " \"" + record.method + ' ' + record.target + "\" ";
    line += QByteArray::number(record.status);
    line += ' ' + QByteArray::number(record.responseBytes);
    line += " route=" + (record.routePath.isEmpty() ? QByteArray("-") : record.routePath.toUtf8());
    line += " backend=" + (record.backend.isEmpty() ? QByteArray("-") : record.backend.toUtf8());
    line += " duration_ms=" + QByteArray::number(double(record.durationUs) / 1000.0, 'f', 3);
    line += " attempts=" + QByteArray::number(record.attempts);
    line += " request_id=" + record.requestId;
    return line;
}

void AccessLog::write(const RequestRecord &record)
{
    const QByteArray line = format(record);
    QMutexLocker lock(&m_mutex);
    if (!m_file.isOpen()) {
        qCInfo(lcAccess).noquote() << line;
        return;
    }
    m_file.write(QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs).toLatin1() + ' ' + line + '\n');
    m_file.flush();
}

}  // namespace kairos
