// A steady load for fault-injection tests: `connections` keep-alive clients on the calling
// thread's event loop, each sending its next GET as soon as the previous answer is complete,
// cycling through `targets`. Every answer and every lost connection is counted.
#pragma once

#include "http/messageparser.h"

#include <QMap>
#include <QObject>
#include <QTcpSocket>

#include <memory>
#include <vector>

namespace kairos::test {

class LoadGenerator : public QObject
{
    Q_OBJECT

public:
    LoadGenerator(quint16 port, QList<QByteArray> targets, int connections, QObject *parent = nullptr);
    ~LoadGenerator() override;

    void start();
    // Stops sending and runs the event loop until every request in flight has its answer.
    bool stop(int timeoutMs = 15000);

    int completed() const { return m_completed; }
    int completed(const QByteArray &target) const;
    // status -> count, for all targets or for one
    const QMap<int, int> &statuses() const { return m_statuses; }
    QMap<int, int> statuses(const QByteArray &target) const { return m_byTarget.value(target); }
    // Connections that ended before a complete answer (each with the target it was waiting for).
    const QStringList &transportErrors() const { return m_transportErrors; }

private:
    struct Client {
        std::unique_ptr<QTcpSocket> socket;
        std::unique_ptr<http::MessageParser> parser;
        QByteArray target;
        bool waiting = false;
        int next = 0;
    };
    void connectClient(Client &client);
    void sendNext(Client &client);
    void onReadyRead(Client &client);
    void onDisconnected(Client &client);

    quint16 m_port;
    QList<QByteArray> m_targets;
    std::vector<std::unique_ptr<Client>> m_clients;
    bool m_running = false;
    int m_completed = 0;
    QMap<int, int> m_statuses;
    QMap<QByteArray, QMap<int, int>> m_byTarget;
    QStringList m_transportErrors;
};

}  // namespace kairos::test
