// Debian's dnsmasq (/usr/sbin/dnsmasq, package dnsmasq-base) as the DNS server of a test: in the
// foreground, on 127.0.0.1 at a free port (UDP and TCP), answering from files the test rewrites
// and nothing else (no /etc/hosts, no resolv.conf, no /etc/dnsmasq.conf). Names under `domain`
// that it has no record for answer NXDOMAIN at once; nothing is forwarded.
//
// What dnsmasq 2.90 does, as checked by tests/discovery/tst_dnsresolver.cpp:
// - TTL: --local-ttl (setTtl, 0 by default as in dnsmasq) is the TTL of both the A/AAAA records
//   (from --addn-hosts) and the SRV records (srv-host=).
// - A/AAAA records come from an --addn-hosts file, which dnsmasq reads again on SIGHUP (it logs
//   "read FILE - N names" each time: apply() waits for that line). SRV records are srv-host=
//   lines of the --conf-file, read only at start, and --local-ttl is a start option too: when
//   either changed, apply() restarts dnsmasq on the same port.
// - An SRV answer carries its targets' A and AAAA records in the additional section, when dnsmasq
//   has them; a target it has none for is left to a lookup of its own (which says NXDOMAIN).
// - A name with addresses but no SRV record answers SRV queries with NOERROR and no records.
// - Srv{"."} (srv-host= without a target) answers with target ".": the service is not offered.
#pragma once

#include <QHostAddress>
#include <QList>
#include <QMap>
#include <QProcess>
#include <QString>
#include <QTemporaryDir>

namespace kairos::test {

class DnsmasqServer
{
public:
    struct Srv {
        QString target;  // "." for "no service here"
        quint16 port = 0;
        int priority = 0;
        int weight = 0;
    };

    explicit DnsmasqServer(const QString &domain = QStringLiteral("test"));
    ~DnsmasqServer();
    DnsmasqServer(const DnsmasqServer &) = delete;
    DnsmasqServer &operator=(const DnsmasqServer &) = delete;

    // Writes the files, picks a free port and starts dnsmasq; true once it answers.
    bool start(QString *error);
    quint16 port() const { return m_port; }
    QString nameserver() const { return QStringLiteral("127.0.0.1:%1").arg(m_port); }
    QString domain() const { return m_domain; }

    // What apply() serves; an empty list removes the name.
    void setAddresses(const QString &name, const QList<QHostAddress> &addresses);
    void setService(const QString &name, const QList<Srv> &records);
    void setTtl(quint32 seconds);
    // Writes the files and reloads (SIGHUP) or restarts dnsmasq; true once it answers with them.
    bool apply(QString *error);

    // Stops dnsmasq, so that lookups fail (connection refused on 127.0.0.1).
    void stop();
    // Starts it again on the same port with what was last applied.
    bool restart(QString *error = nullptr);
    bool isRunning() const { return m_process.state() != QProcess::NotRunning; }

private:
    bool writeFiles(QString *error);
    bool launch(QString *error);
    bool waitForHostsRead(int readsBefore, QString *error);
    int hostsReads();

    QString m_domain;
    QTemporaryDir m_dir;
    QProcess m_process;
    quint16 m_port = 0;
    quint32 m_ttl = 0;
    QMap<QString, QList<QHostAddress>> m_addresses;
    QMap<QString, QList<Srv>> m_services;
    QByteArray m_startOptions;  // the conf file and TTL the running dnsmasq started with
    QByteArray m_log;           // its output so far
};

}  // namespace kairos::test
