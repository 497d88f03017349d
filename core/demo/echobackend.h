// A small HTTP/1.1 backend that describes each request it gets, as JSON. `--demo` starts two of
// them for the shipped example config, and the tests use them as real upstreams on 127.0.0.1.
//
// Query parameters shape the answer: status=N (status code), delay_ms=N (answer later),
// bytes=N (a body of N bytes instead of JSON, streamed), chunked=1 (chunked framing),
// close=1 (no length: the body ends when the connection closes). GET /health answers
// {"status":"ok"}. Request bodies are streamed through SHA-256, never stored whole.
#pragma once

#include <QHostAddress>
#include <QObject>

#include <atomic>

class QTcpServer;

namespace kairos {

class EchoBackend : public QObject
{
    Q_OBJECT

public:
    explicit EchoBackend(QString name, QObject *parent = nullptr);
    ~EchoBackend() override;

    bool listen(const QHostAddress &address = QHostAddress::LocalHost, quint16 port = 0);
    void close();
    quint16 port() const;
    const QString &name() const { return m_name; }

    int connectionsAccepted() const { return m_connections.load(); }
    int requestsServed() const { return m_requests.load(); }
    int openConnections() const { return m_open.load(); }

private:
    friend class EchoConnection;
    QString m_name;
    QTcpServer *m_server;
    std::atomic<int> m_connections{0};
    std::atomic<int> m_requests{0};
    std::atomic<int> m_open{0};
};

}  // namespace kairos
