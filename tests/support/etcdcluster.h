// Real etcd processes on 127.0.0.1 for the tests (fleet mode, discovery's registrations): members
// with their own ports and data folders, started, killed and restarted by the tests, and etcdctl
// to look at what they hold.
#pragma once

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest>

#include <map>
#include <memory>
#include <set>
#include <vector>

namespace kairos::test {

constexpr int kEtcdStartMs = 15'000;  // an etcd process's start, to a healthy endpoint

// A port no one listens on, below the kernel's ephemeral range (32768 and up) so that no
// outgoing connection takes it between this check and its use, and never handed out twice.
inline quint16 freePort()
{
    static std::set<quint16> given;
    for (;;) {
        const auto port = quint16(20000 + QRandomGenerator::global()->bounded(12000));
        QTcpServer probe;
        if (!given.count(port) && probe.listen(QHostAddress::LocalHost, port)) {
            given.insert(port);
            return port;
        }
    }
}

inline QString url(quint16 port)
{
    return QStringLiteral("http://127.0.0.1:%1").arg(port);
}

struct CtlResult {
    int exitCode = -1;
    QByteArray out;
    QJsonObject json() const { return QJsonDocument::fromJson(out).object(); }
};

// etcdctl (v3 API), run while the event loop goes on serving the tests' backend and clients.
inline CtlResult etcdctl(const QStringList &endpoints, const QStringList &arguments)
{
    QProcess process;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("ETCDCTL_API"), QStringLiteral("3"));
    process.setProcessEnvironment(environment);
    process.start(QStringLiteral("etcdctl"), QStringList{"--endpoints", endpoints.join(QLatin1Char(',')),
                                                         "--dial-timeout=1s", "--command-timeout=3s"}
                                                 + arguments);
    if (!process.waitForStarted())
        return {};
    if (!QTest::qWaitFor([&] { return process.state() == QProcess::NotRunning; }, 10'000)) {
        process.kill();
        process.waitForFinished();
        return {};
    }
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1, process.readAllStandardOutput()};
}

// One etcd member: its ports, its data folder (kept across restarts) and its process.
class EtcdMember
{
public:
    EtcdMember(QString name, QString dir)
        : m_name(std::move(name)), m_dir(std::move(dir)), m_clientPort(freePort()), m_peerPort(freePort())
    {
        QDir().mkpath(m_dir);
    }
    ~EtcdMember() { kill(); }

    const QString &name() const { return m_name; }
    QString clientUrl() const { return url(m_clientPort); }
    QString peerUrl() const { return url(m_peerPort); }
    bool isRunning() const { return m_process.state() != QProcess::NotRunning; }
    QByteArray log() const
    {
        QFile file(m_dir + QStringLiteral("/etcd.log"));
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    }

    // Started again on the same data folder, etcd ignores the initial cluster and rejoins.
    void start(const QString &initialCluster)
    {
        m_process.setStandardOutputFile(m_dir + QStringLiteral("/etcd.log"), QIODevice::Append);
        m_process.setStandardErrorFile(m_dir + QStringLiteral("/etcd.log"), QIODevice::Append);
        m_process.start(QStringLiteral("etcd"),
                        {"--name", m_name, "--data-dir", m_dir + QStringLiteral("/data"), "--listen-client-urls",
                         clientUrl(), "--advertise-client-urls", clientUrl(), "--listen-peer-urls", peerUrl(),
                         "--initial-advertise-peer-urls", peerUrl(), "--initial-cluster", initialCluster,
                         "--initial-cluster-state", "new", "--initial-cluster-token", "kairos-tests"});
        m_process.waitForStarted();
    }
    void kill()
    {
        if (!isRunning())
            return;
        m_process.kill();  // SIGKILL
        m_process.waitForFinished();
    }
    void stop()
    {
        if (!isRunning())
            return;
        m_process.terminate();
        if (!m_process.waitForFinished(10'000))
            kill();
    }

private:
    QString m_name;
    QString m_dir;
    quint16 m_clientPort;
    quint16 m_peerPort;
    QProcess m_process;
};

class EtcdCluster
{
public:
    explicit EtcdCluster(int size)
    {
        for (int i = 0; i < size; ++i)
            m_members.push_back(std::make_unique<EtcdMember>(QStringLiteral("m%1").arg(i),
                                                             m_dir.filePath(QStringLiteral("m%1").arg(i))));
    }

    EtcdMember &member(int index) { return *m_members[size_t(index)]; }
    QStringList endpoints() const
    {
        QStringList urls;
        for (const auto &member : m_members)
            urls.append(member->clientUrl());
        return urls;
    }

    bool start()
    {
        for (int i = 0; i < int(m_members.size()); ++i)
            member(i).start(initialCluster());
        return waitHealthy(endpoints());
    }
    bool restart(int index)
    {
        member(index).start(initialCluster());
        return waitHealthy({member(index).clientUrl()});
    }
    bool waitHealthy(const QStringList &urls)
    {
        const bool healthy = QTest::qWaitFor(
            [&] {
                return etcdctl(urls, {"endpoint", "health"}).exitCode == 0;
            },
            kEtcdStartMs);
        if (!healthy) {
            for (const auto &member : m_members)
                qWarning().noquote() << member->name() << "log:\n" << member->log().right(3000);
        }
        return healthy;
    }

    // The member that leads, from each running member's own status; -1 while there is none.
    int leader()
    {
        QStringList running;
        for (const auto &member : m_members) {
            if (member->isRunning())
                running.append(member->clientUrl());
        }
        const CtlResult result = etcdctl(running, {"endpoint", "status", "-w", "json"});
        for (const QJsonValue &entry : QJsonDocument::fromJson(result.out).array()) {
            const QJsonObject status = entry.toObject().value("Status").toObject();
            const QJsonValue leader = status.value("leader");
            if (leader.isUndefined() || leader != status.value("header").toObject().value("member_id"))
                continue;
            const QString endpoint = entry.toObject().value("Endpoint").toString();
            for (int i = 0; i < int(m_members.size()); ++i) {
                if (member(i).clientUrl() == endpoint)
                    return i;
            }
        }
        return -1;
    }

    CtlResult ctl(const QStringList &arguments) { return etcdctl(endpoints(), arguments); }
    qint64 revision()
    {
        const QJsonObject header =
            ctl({"get", "/", "--prefix", "--keys-only", "--limit=1", "-w", "json"}).json().value("header").toObject();
        return header.value("revision").toInteger();
    }
    // key -> the kv as etcdctl shows it (key and value decoded, revisions as numbers).
    std::map<QString, QJsonObject> get(const QString &prefix)
    {
        std::map<QString, QJsonObject> kvs;
        for (const QJsonValue &item : ctl({"get", prefix, "--prefix", "-w", "json"}).json().value("kvs").toArray()) {
            QJsonObject kv = item.toObject();
            const QString key = QString::fromUtf8(QByteArray::fromBase64(kv.value("key").toString().toLatin1()));
            kv.insert("key", key);
            kv.insert("value", QString::fromUtf8(QByteArray::fromBase64(kv.value("value").toString().toLatin1())));
            kvs[key] = kv;
        }
        return kvs;
    }

private:
    QString initialCluster() const
    {
        QStringList peers;
        for (const auto &member : m_members)
            peers.append(member->name() + QLatin1Char('=') + member->peerUrl());
        return peers.join(QLatin1Char(','));
    }

    QTemporaryDir m_dir;
    std::vector<std::unique_ptr<EtcdMember>> m_members;
};

}  // namespace kairos::test
