// Helpers for tests that run the gateway on real sockets on 127.0.0.1: a raw HTTP client, a
// backend whose behaviour a test scripts byte by byte, and a config builder.
#pragma once

#include "config/configloader.h"
#include "proxy/gateway.h"
#include "http/httpmessage.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QMutex>
#include <QTcpServer>
#include <QTcpSocket>

#include <atomic>
#include <functional>

namespace kairos::test {

struct Response {
    int status = 0;
    http::Headers headers;
    QByteArray body;
    QJsonObject json() const;
};

// Sends raw bytes and reads responses with the gateway's own parser, running the event loop
// while it waits (the in-process backends live on the test's thread).
class RawClient
{
public:
    explicit RawClient(quint16 port, const QHostAddress &address = QHostAddress::LocalHost,
                       const QHostAddress &localAddress = QHostAddress());
    ~RawClient();

    bool isConnected() const;
    void send(const QByteArray &bytes);
    // Waits for `count` complete responses; `headRequests` lists which of them answer HEAD.
    QList<Response> read(int count, int timeoutMs = 5000, QList<bool> headRequests = {});
    Response readOne(int timeoutMs = 5000, bool head = false) { return read(1, timeoutMs, {head}).value(0); }
    bool waitForClosed(int timeoutMs = 5000);
    QByteArray received() const { return m_received; }

private:
    QTcpSocket m_socket;
    QByteArray m_received;
    qsizetype m_consumed = 0;
};

// A backend with every field at its default but host and port ("http://b", 80), which braces
// would leave half initialized in -Wextra's eyes.
Backend backendAt(const QString &host, int port);

// A one-shot request on a new connection.
Response request(quint16 port, const QByteArray &method, const QByteArray &target,
                 const QList<std::pair<QByteArray, QByteArray>> &headers = {}, const QByteArray &body = {},
                 const QHostAddress &localAddress = QHostAddress());
// A JSON request to the admin API (Content-Type: application/json).
Response jsonRequest(quint16 port, const QByteArray &method, const QByteArray &target, const QJsonValue &body,
                     const QList<std::pair<QByteArray, QByteArray>> &headers = {});

// A backend whose behaviour on every received chunk of bytes is up to the test.
class ScriptedBackend : public QObject
{
    Q_OBJECT

public:
    // Called with the connection and all bytes it received so far; the index counts connections.
    using Script = std::function<void(QTcpSocket *socket, const QByteArray &receivedSoFar, int connectionIndex)>;
    explicit ScriptedBackend(Script script);
    quint16 port() const { return m_server.serverPort(); }
    int connections() const { return m_connections; }

private:
    QTcpServer m_server;
    Script m_script;
    int m_connections = 0;
};

// A backend whose GET /health answers `healthStatus` (read at each check) and everything else
// 200, one request per connection: for active health checks.
ScriptedBackend::Script healthCheckedScript(const std::atomic<int> &healthStatus);

// A gateway listening on an ephemeral port of 127.0.0.1, for the length of a test.
struct RunningGateway {
    explicit RunningGateway(ConfigSnapshot config);
    quint16 port() const { return gateway.serverPort(); }
    BackendState &backend(int route, int index)
    {
        return *gateway.snapshot()->balancers[size_t(route)]->backends()[size_t(index)].state;
    }
    Gateway gateway;
};

// A port on 127.0.0.1 that nothing listens on (free a moment ago).
quint16 closedPort();
QJsonObject backendJson(quint16 port, int weight = 1, const QString &host = QStringLiteral("http://127.0.0.1"));
QJsonObject routeJson(const QString &external, const QString &internal, const QJsonArray &backends,
                      const QStringList &methods = {"GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"},
                      const QString &strategy = QStringLiteral("RoundRobin"));
// A validated config; `server` entries are merged into the server section (workers default 1).
ConfigSnapshot makeConfig(const QJsonArray &routes, const QJsonObject &server = {}, const QJsonObject &extra = {});

// A gateway on ephemeral ports of 127.0.0.1 (plain, and TLS when asked) that keeps the records of
// its requests.
struct RecordingGateway {
    explicit RecordingGateway(ConfigSnapshot config, bool withTls = false);
    QList<RequestRecord> recorded();

    Gateway gateway;
    QMutex mutex;
    QList<RequestRecord> records;
};

struct ToolResult {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

// Runs the event loop until `done` holds or `timeoutMs` passes, asking it every `checkMs`:
// QTest::qWaitFor sleeps 10 ms between its passes, which adds that much to every answer of a
// backend on the test's thread and leaves bulk transfers through small buffers crawling.
bool runUntil(const std::function<bool()> &done, int timeoutMs, int checkMs = 1);

// Runs a command line tool (curl, openssl, a Python client) while the event loop serves the
// in-process backends.
ToolResult runTool(const QString &program, const QStringList &arguments, int timeoutMs = 30'000);

// The values of a header field the echo backend says it received, from its JSON answer.
QList<QByteArray> upstreamHeaderValues(const QByteArray &echo, const QByteArray &name);

}  // namespace kairos::test
