#include "testsupport.h"

#include "http/messageparser.h"

#include <QJsonDocument>
#include <QProcess>
#include <QtTest>

namespace kairos::test {

QJsonObject Response::json() const
{
    return QJsonDocument::fromJson(body).object();
}

RawClient::RawClient(quint16 port, const QHostAddress &address, const QHostAddress &localAddress)
{
    if (!localAddress.isNull())
        m_socket.bind(localAddress, 0);
    m_socket.connectToHost(address, port);
    m_socket.waitForConnected(5000);
    QObject::connect(&m_socket, &QTcpSocket::readyRead, &m_socket, [this] { m_received += m_socket.readAll(); });
}

RawClient::~RawClient() = default;

bool RawClient::isConnected() const
{
    return m_socket.state() == QAbstractSocket::ConnectedState;
}

void RawClient::send(const QByteArray &bytes)
{
    m_socket.write(bytes);
    m_socket.flush();
}

QList<Response> RawClient::read(int count, int timeoutMs, QList<bool> headRequests)
{
    QList<Response> responses;
    http::MessageParser parser(http::MessageParser::Type::Response, 1 << 20);
    QByteArray body;
    auto parseAvailable = [&]() {
        while (responses.size() < count) {
            parser.setExpectNoBody(headRequests.value(responses.size(), false));
            http::MessageParser::BodyPieces pieces;
            const qsizetype used =
                parser.feed(m_received.constData() + m_consumed, m_received.size() - m_consumed, &pieces);
            m_consumed += used;
            for (QByteArrayView piece : pieces)
                body += piece.toByteArray();
            if (parser.state() == http::MessageParser::State::HeadDone) {
                parser.continueToBody();
            } else if (parser.state() == http::MessageParser::State::Body
                       && m_socket.state() != QAbstractSocket::ConnectedState && m_consumed == m_received.size()
                       && parser.framing() == http::MessageParser::Framing::UntilClose) {
                parser.finish();
            }
            if (parser.state() == http::MessageParser::State::Complete) {
                if (parser.response().status >= 100 && parser.response().status < 200
                    && parser.response().status != 101) {
                    parser.startNextMessage();
                    continue;
                }
                responses.append({parser.response().status, parser.response().headers, body});
                body.clear();
                parser.startNextMessage();
                continue;
            }
            if (parser.state() == http::MessageParser::State::Failed || used == 0)
                return;
        }
    };
    [[maybe_unused]] const bool done = QTest::qWaitFor(
        [&] {
            parseAvailable();
            return responses.size() >= count
                   || (m_socket.state() != QAbstractSocket::ConnectedState && m_consumed == m_received.size()
                       && parser.state() != http::MessageParser::State::Body);
        },
        timeoutMs);
    parseAvailable();
    return responses;
}

bool RawClient::waitForClosed(int timeoutMs)
{
    return QTest::qWaitFor([this] { return m_socket.state() == QAbstractSocket::UnconnectedState; }, timeoutMs);
}

Response request(quint16 port, const QByteArray &method, const QByteArray &target,
                 const QList<std::pair<QByteArray, QByteArray>> &headers, const QByteArray &body,
                 const QHostAddress &localAddress)
{
    RawClient client(port, QHostAddress::LocalHost, localAddress);
    QByteArray bytes = method + ' ' + target + " HTTP/1.1\r\n";
    const bool ownHost = std::any_of(headers.begin(), headers.end(),
                                     [](const auto &header) { return header.first.toLower() == "host"; });
    if (!ownHost)
        bytes += "Host: 127.0.0.1:" + QByteArray::number(port) + "\r\n";
    for (const auto &[name, value] : headers)
        bytes += name + ": " + value + "\r\n";
    if (!body.isEmpty())
        bytes += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    bytes += "\r\n" + body;
    client.send(bytes);
    return client.readOne(10000, method == "HEAD");
}

Response jsonRequest(quint16 port, const QByteArray &method, const QByteArray &target, const QJsonValue &body,
                     const QList<std::pair<QByteArray, QByteArray>> &headers)
{
    QList<std::pair<QByteArray, QByteArray>> all = headers;
    all.append(std::pair<QByteArray, QByteArray>("Content-Type", "application/json"));
    const QByteArray bytes =
        body.isArray() ? QJsonDocument(body.toArray()).toJson() : QJsonDocument(body.toObject()).toJson();
    return request(port, method, target, all, bytes);
}

ScriptedBackend::ScriptedBackend(Script script) : m_script(std::move(script))
{
    m_server.listen(QHostAddress::LocalHost, 0);
    connect(&m_server, &QTcpServer::newConnection, this, [this] {
        while (QTcpSocket *socket = m_server.nextPendingConnection()) {
            const int index = m_connections++;
            auto received = std::make_shared<QByteArray>();
            connect(socket, &QTcpSocket::readyRead, socket, [this, socket, received, index] {
                *received += socket->readAll();
                m_script(socket, *received, index);
            });
            connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        }
    });
}

RunningGateway::RunningGateway(ConfigSnapshot config) : gateway(std::move(config))
{
    QString error;
    if (!gateway.listen(QHostAddress::LocalHost, 0, &error))
        qFatal("gateway cannot listen: %s", qPrintable(error));
}

quint16 closedPort()
{
    QTcpServer reserve;
    reserve.listen(QHostAddress::LocalHost, 0);
    return reserve.serverPort();  // closed again when `reserve` goes
}

QJsonObject backendJson(quint16 port, int weight, const QString &host)
{
    return QJsonObject{{"host", host}, {"port", int(port)}, {"weight", weight}};
}

QJsonObject routeJson(const QString &external, const QString &internal, const QJsonArray &backends,
                      const QStringList &methods, const QString &strategy)
{
    return QJsonObject{{"external_path", external},
                       {"internal_path", internal},
                       {"methods", QJsonArray::fromStringList(methods)},
                       {"backends", backends},
                       {"load_balancing_strategy", strategy}};
}

ConfigSnapshot makeConfig(const QJsonArray &routes, const QJsonObject &server, const QJsonObject &extra)
{
    QJsonObject serverSection{{"workers", 1}};
    for (auto it = server.begin(); it != server.end(); ++it)
        serverSection.insert(it.key(), it.value());
    QJsonObject root = extra;
    root.insert("version", 1);
    root.insert("server", serverSection);
    root.insert("routers", routes);
    const ConfigLoadResult result = loadConfig(QJsonDocument(root).toJson());
    if (!result.ok())
        qFatal("invalid test config: %s", qPrintable(result.errorSummary()));
    return result.config;
}

Backend backendAt(const QString &host, int port)
{
    Backend backend;
    backend.host = host;
    backend.port = port;
    return backend;
}

ScriptedBackend::Script healthCheckedScript(const std::atomic<int> &healthStatus)
{
    return [&healthStatus](QTcpSocket *socket, const QByteArray &received, int) {
        if (!received.endsWith("\r\n\r\n"))
            return;
        const QByteArray status = received.contains("GET /health") ? QByteArray::number(healthStatus.load()) : "200";
        socket->write("HTTP/1.1 " + status + " X\r\nContent-Length: 7\r\nConnection: close\r\n\r\nchecked");
        socket->disconnectFromHost();
    };
}

ToolResult runTool(const QString &program, const QStringList &arguments, int timeoutMs)
{
    QProcess process;
    process.start(program, arguments);
    process.closeWriteChannel();
    QEventLoop loop;
    QObject::connect(&process, &QProcess::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    if (process.state() != QProcess::NotRunning)
        loop.exec();
    if (process.state() != QProcess::NotRunning) {
        process.kill();
        process.waitForFinished();
    }
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1, process.readAllStandardOutput(),
            process.readAllStandardError()};
}

QList<QByteArray> upstreamHeaderValues(const QByteArray &echo, const QByteArray &name)
{
    QList<QByteArray> values;
    for (const QJsonValue &field : QJsonDocument::fromJson(echo).object().value("headers").toArray()) {
        if (http::equalsIgnoreCase(field.toArray()[0].toString().toLatin1(), name))
            values.append(field.toArray()[1].toString().toLatin1());
    }
    return values;
}

RecordingGateway::RecordingGateway(ConfigSnapshot config, bool withTls) : gateway(std::move(config))
{
    gateway.setRequestObserver([this](const RequestRecord &record) {
        QMutexLocker locker(&mutex);
        records.append(record);
    });
    QString error;
    if (!gateway.listen(QHostAddress::LocalHost, 0, &error)
        || (withTls && !gateway.listenTls(QHostAddress::LocalHost, 0, &error)))
        qFatal("gateway cannot listen: %s", qPrintable(error));
}

QList<RequestRecord> RecordingGateway::recorded()
{
    QMutexLocker locker(&mutex);
    return records;
}

bool runUntil(const std::function<bool()> &done, int timeoutMs, int checkMs)
{
    if (done())
        return true;
    QEventLoop loop;
    QTimer check;
    check.setInterval(checkMs);
    QObject::connect(&check, &QTimer::timeout, &loop, [&] {
        if (done())
            loop.quit();
    });
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    check.start();
    loop.exec();
    return done();
}

}  // namespace kairos::test
