#include "dnsmasqserver.h"

#include <QDeadlineTimer>
#include <QSaveFile>
#include <QTcpServer>
#include <QThread>
#include <QUdpSocket>

#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

namespace kairos::test {

namespace {

constexpr int kWaitMs = 10000;

// A port free for both UDP and TCP on 127.0.0.1 (dnsmasq takes both), or 0.
quint16 freePort()
{
    for (int attempt = 0; attempt < 20; ++attempt) {
        QUdpSocket udp;
        if (!udp.bind(QHostAddress::LocalHost, 0))
            continue;
        QTcpServer tcp;
        if (tcp.listen(QHostAddress::LocalHost, udp.localPort()))
            return udp.localPort();
    }
    return 0;
}

bool writeFile(const QString &path, const QByteArray &contents, QString *error)
{
    QSaveFile file(path);
    if (file.open(QIODevice::WriteOnly) && file.write(contents) == contents.size() && file.commit())
        return true;
    *error = QStringLiteral("%1: %2").arg(path, file.errorString());
    return false;
}

}  // namespace

DnsmasqServer::DnsmasqServer(const QString &domain) : m_domain(domain)
{
    m_process.setProcessChannelMode(QProcess::MergedChannels);
}

DnsmasqServer::~DnsmasqServer()
{
    stop();
}

bool DnsmasqServer::start(QString *error)
{
    if (!m_dir.isValid()) {
        *error = QStringLiteral("no temporary folder: %1").arg(m_dir.errorString());
        return false;
    }
    if (!writeFiles(error))
        return false;
    // Another process may take the port between freePort() and dnsmasq's bind: try another.
    for (int attempt = 0; attempt < 5; ++attempt) {
        m_port = freePort();
        if (m_port == 0) {
            *error = QStringLiteral("no free port on 127.0.0.1");
            return false;
        }
        if (launch(error))
            return true;
        if (!m_log.contains("Address already in use"))
            return false;
    }
    return false;
}

void DnsmasqServer::setAddresses(const QString &name, const QList<QHostAddress> &addresses)
{
    if (addresses.isEmpty())
        m_addresses.remove(name);
    else
        m_addresses.insert(name, addresses);
}

void DnsmasqServer::setService(const QString &name, const QList<Srv> &records)
{
    if (records.isEmpty())
        m_services.remove(name);
    else
        m_services.insert(name, records);
}

void DnsmasqServer::setTtl(quint32 seconds)
{
    m_ttl = seconds;
}

bool DnsmasqServer::apply(QString *error)
{
    const QByteArray startedWith = m_startOptions;
    if (!writeFiles(error))
        return false;
    if (!isRunning())
        return restart(error);
    if (m_startOptions != startedWith) {
        stop();
        return restart(error);
    }
    const int before = hostsReads();
    ::kill(static_cast<pid_t>(m_process.processId()), SIGHUP);
    return waitForHostsRead(before, error);
}

void DnsmasqServer::stop()
{
    if (m_process.state() == QProcess::NotRunning)
        return;
    m_process.terminate();
    if (!m_process.waitForFinished(kWaitMs)) {
        m_process.kill();
        m_process.waitForFinished(kWaitMs);
    }
}

bool DnsmasqServer::restart(QString *error)
{
    QString ignored;
    QString *why = error ? error : &ignored;
    stop();
    if (!writeFiles(why))
        return false;
    // The port was dnsmasq's a moment ago; a socket of this process's may still hold it.
    for (int attempt = 0; attempt < 20; ++attempt) {
        if (launch(why))
            return true;
        if (!m_log.contains("Address already in use"))
            return false;
        QDeadlineTimer pause(100);
        while (!pause.hasExpired())
            QThread::msleep(10);
    }
    return false;
}

bool DnsmasqServer::writeFiles(QString *error)
{
    QByteArray hosts;
    for (auto it = m_addresses.cbegin(); it != m_addresses.cend(); ++it) {
        for (const QHostAddress &address : it.value())
            hosts += address.toString().toLatin1() + ' ' + it.key().toLatin1() + '\n';
    }
    QByteArray conf;
    for (auto it = m_services.cbegin(); it != m_services.cend(); ++it) {
        for (const Srv &srv : it.value()) {
            // srv-host=NAME alone is dnsmasq's "no service": an SRV record with target ".".
            if (srv.target == QLatin1String("."))
                conf += "srv-host=" + it.key().toLatin1() + '\n';
            else
                conf += QStringLiteral("srv-host=%1,%2,%3,%4,%5\n")
                            .arg(it.key(), srv.target)
                            .arg(srv.port)
                            .arg(srv.priority)
                            .arg(srv.weight)
                            .toLatin1();
        }
    }
    m_startOptions = conf + "ttl=" + QByteArray::number(m_ttl);
    return writeFile(m_dir.filePath(QStringLiteral("hosts")), hosts, error)
           && writeFile(m_dir.filePath(QStringLiteral("dnsmasq.conf")), conf, error);
}

bool DnsmasqServer::launch(QString *error)
{
    // dnsmasq started as root switches to the user "nobody", which could not read the files in
    // this process's private temporary folder: it stays who we are.
    const passwd *user = getpwuid(geteuid());
    const QStringList arguments = {
        QStringLiteral("--keep-in-foreground"),
        QStringLiteral("--conf-file=%1").arg(m_dir.filePath(QStringLiteral("dnsmasq.conf"))),
        QStringLiteral("--no-resolv"),
        QStringLiteral("--no-hosts"),
        QStringLiteral("--bind-interfaces"),
        QStringLiteral("--listen-address=127.0.0.1"),
        QStringLiteral("--port=%1").arg(m_port),
        QStringLiteral("--local=/%1/").arg(m_domain),
        QStringLiteral("--addn-hosts=%1").arg(m_dir.filePath(QStringLiteral("hosts"))),
        QStringLiteral("--local-ttl=%1").arg(m_ttl),
        QStringLiteral("--user=%1").arg(user ? QString::fromLocal8Bit(user->pw_name) : QStringLiteral("root")),
        QStringLiteral("--pid-file"),
        QStringLiteral("--log-facility=-"),
    };
    m_log.clear();
    // A test that dies (a failed QVERIFY in a helper, qFatal) takes its dnsmasq with it.
    m_process.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
    m_process.start(QStringLiteral("/usr/sbin/dnsmasq"), arguments);
    if (!m_process.waitForStarted(kWaitMs)) {
        *error = QStringLiteral("/usr/sbin/dnsmasq: %1 (Debian package dnsmasq-base)").arg(m_process.errorString());
        return false;
    }
    // dnsmasq binds its sockets before it reads the hosts file, so the first "read" line means
    // that it answers.
    return waitForHostsRead(0, error);
}

int DnsmasqServer::hostsReads()
{
    m_log += m_process.readAll();
    return static_cast<int>(m_log.count("read " + m_dir.filePath(QStringLiteral("hosts")).toLocal8Bit() + " - "));
}

bool DnsmasqServer::waitForHostsRead(int readsBefore, QString *error)
{
    QDeadlineTimer deadline(kWaitMs);
    while (hostsReads() <= readsBefore) {
        if (m_process.state() == QProcess::NotRunning) {
            m_log += m_process.readAll();
            *error = QStringLiteral("dnsmasq exited: %1").arg(QString::fromLocal8Bit(m_log.trimmed()));
            return false;
        }
        if (deadline.hasExpired()) {
            *error = QStringLiteral("dnsmasq did not read its hosts file within %1 ms: %2")
                         .arg(kWaitMs)
                         .arg(QString::fromLocal8Bit(m_log.trimmed()));
            return false;
        }
        m_process.waitForReadyRead(50);
    }
    return true;
}

}  // namespace kairos::test
