#include "loadgenerator.h"

#include <QtTest>

namespace kairos::test {

using http::MessageParser;

LoadGenerator::LoadGenerator(quint16 port, QList<QByteArray> targets, int connections, QObject *parent)
    : QObject(parent), m_port(port), m_targets(std::move(targets))
{
    for (int i = 0; i < connections; ++i) {
        auto client = std::make_unique<Client>();
        client->next = i % int(m_targets.size());
        m_clients.push_back(std::move(client));
    }
}

LoadGenerator::~LoadGenerator() = default;

void LoadGenerator::start()
{
    m_running = true;
    for (const auto &client : m_clients)
        sendNext(*client);
}

bool LoadGenerator::stop(int timeoutMs)
{
    m_running = false;
    return QTest::qWaitFor(
        [this] { return std::none_of(m_clients.begin(), m_clients.end(), [](const auto &c) { return c->waiting; }); },
        timeoutMs);
}

int LoadGenerator::completed(const QByteArray &target) const
{
    int total = 0;
    for (int count : m_byTarget.value(target))
        total += count;
    return total;
}

void LoadGenerator::connectClient(Client &client)
{
    if (client.socket) {
        client.socket->disconnect(this);
        client.socket.release()->deleteLater();  // may be inside one of its own signals
    }
    client.socket = std::make_unique<QTcpSocket>();
    client.parser = std::make_unique<MessageParser>(MessageParser::Type::Response, 64 * 1024);
    QTcpSocket *socket = client.socket.get();
    connect(socket, &QTcpSocket::readyRead, this, [this, &client] { onReadyRead(client); });
    connect(socket, &QTcpSocket::disconnected, this, [this, &client] { onDisconnected(client); });
    connect(socket, &QTcpSocket::errorOccurred, this, [this, &client, socket] {
        if (socket->state() == QAbstractSocket::UnconnectedState)
            onDisconnected(client);  // a refused connect never emits disconnected()
    });
    socket->connectToHost(QHostAddress::LocalHost, m_port);
}

void LoadGenerator::sendNext(Client &client)
{
    if (!m_running)
        return;
    if (!client.socket || client.socket->state() == QAbstractSocket::UnconnectedState)
        connectClient(client);
    client.target = m_targets[client.next];
    client.next = (client.next + 1) % int(m_targets.size());
    client.waiting = true;
    client.socket->write("GET " + client.target + " HTTP/1.1\r\nHost: load\r\n\r\n");
}

void LoadGenerator::onReadyRead(Client &client)
{
    const QByteArray bytes = client.socket->readAll();
    qsizetype offset = 0;
    MessageParser &parser = *client.parser;
    while (offset < bytes.size() && client.waiting) {
        offset += parser.feed(bytes.constData() + offset, bytes.size() - offset);
        if (parser.state() == MessageParser::State::HeadDone)
            parser.continueToBody();
        if (parser.state() == MessageParser::State::Failed) {
            m_transportErrors.append(
                QString::fromUtf8(client.target + ": unreadable answer: " + parser.errorMessage()));
            client.waiting = false;
            client.socket->abort();
            sendNext(client);
            return;
        }
        if (parser.state() != MessageParser::State::Complete)
            continue;
        const int status = parser.response().status;
        const bool keepAlive = parser.keepAlive();
        ++m_completed;
        ++m_statuses[status];
        ++m_byTarget[client.target][status];
        client.waiting = false;
        parser.startNextMessage();
        if (!keepAlive)
            client.socket->abort();
        sendNext(client);
        return;
    }
}

void LoadGenerator::onDisconnected(Client &client)
{
    if (!client.waiting)
        return;
    MessageParser &parser = *client.parser;
    if (parser.state() == MessageParser::State::Body) {
        parser.finish();
        if (parser.state() == MessageParser::State::Complete) {
            ++m_completed;
            ++m_statuses[parser.response().status];
            ++m_byTarget[client.target][parser.response().status];
            client.waiting = false;
            sendNext(client);
            return;
        }
    }
    m_transportErrors.append(QString::fromUtf8(client.target + ": connection closed before a complete answer"));
    client.waiting = false;
    sendNext(client);
}

}  // namespace kairos::test
