#include "echobackend.h"

#include "http/messageparser.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <QUrlQuery>

namespace kairos {

namespace {
constexpr qsizetype kMaxEchoedBodyBytes = 64 * 1024;
constexpr qint64 kHighWaterBytes = 1024 * 1024;
}  // namespace

class EchoConnection : public QObject
{
public:
    EchoConnection(EchoBackend &backend, QTcpSocket *socket)
        : QObject(socket), m_backend(backend), m_socket(socket), m_parser(http::MessageParser::Type::Request, 64 * 1024)
    {
        ++m_backend.m_open;
        connect(socket, &QTcpSocket::readyRead, this, &EchoConnection::process);
        connect(socket, &QTcpSocket::bytesWritten, this, &EchoConnection::continueStreaming);
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    }
    ~EchoConnection() override { --m_backend.m_open; }

private:
    void process()
    {
        while (!m_responding && m_socket->bytesAvailable() > 0) {
            const QByteArray data = m_socket->peek(64 * 1024);
            http::MessageParser::BodyPieces body;
            const qsizetype used = m_parser.feed(data.constData(), data.size(), &body);
            m_socket->skip(used);
            for (QByteArrayView piece : body) {
                m_bodyHash.addData(piece);
                m_bodyBytes += piece.size();
                if (m_body.size() < kMaxEchoedBodyBytes)
                    m_body += piece.first(std::min(piece.size(), kMaxEchoedBodyBytes - m_body.size()));
            }
            switch (m_parser.state()) {
            case http::MessageParser::State::Failed:
                m_socket->write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                m_socket->disconnectFromHost();
                return;
            case http::MessageParser::State::HeadDone:
                if (m_parser.request().headers.hasToken("expect", "100-continue"))
                    m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
                m_parser.continueToBody();
                if (m_parser.state() == http::MessageParser::State::Complete)
                    respond();
                break;
            case http::MessageParser::State::Complete: respond(); break;
            default: break;
            }
            if (used == 0 && m_parser.state() != http::MessageParser::State::Complete)
                break;
        }
    }

    void respond()
    {
        m_responding = true;
        ++m_backend.m_requests;
        const http::RequestHead &request = m_parser.request();
        const QUrlQuery query(QString::fromUtf8(request.query()));
        const int delayMs = query.queryItemValue(QStringLiteral("delay_ms")).toInt();
        if (delayMs > 0)
            QTimer::singleShot(delayMs, this, [this, query] { writeResponse(query); });
        else
            writeResponse(query);
    }

    QByteArray describeRequest() const
    {
        const http::RequestHead &request = m_parser.request();
        QJsonArray headers;
        for (const auto &field : request.headers.fields())
            headers.append(QJsonArray{QString::fromLatin1(field.first), QString::fromLatin1(field.second)});
        QJsonObject object{{"backend", m_backend.name()},
                           {"method", QString::fromLatin1(request.method)},
                           {"target", QString::fromLatin1(request.target)},
                           {"http_version", request.versionMinor == 0 ? "1.0" : "1.1"},
                           {"headers", headers},
                           {"body_bytes", double(m_bodyBytes)},
                           {"body_sha256", QString::fromLatin1(m_bodyHash.result().toHex())},
                           {"body", QString::fromUtf8(m_body)}};
        if (request.path() == "/health")
            object = QJsonObject{{"status", "ok"}, {"backend", m_backend.name()}};
        return QJsonDocument(object).toJson(QJsonDocument::Compact);
    }

    void writeResponse(const QUrlQuery &query)
    {
        const http::RequestHead &request = m_parser.request();
        const int status =
            query.hasQueryItem(QStringLiteral("status")) ? query.queryItemValue(QStringLiteral("status")).toInt() : 200;
        m_chunked = query.queryItemValue(QStringLiteral("chunked")) == QLatin1String("1");
        m_closeAfter = query.queryItemValue(QStringLiteral("close")) == QLatin1String("1") || !m_parser.keepAlive();
        const bool untilClose = query.queryItemValue(QStringLiteral("close")) == QLatin1String("1");
        const bool generated = query.hasQueryItem(QStringLiteral("bytes"));
        QByteArray body = generated ? QByteArray() : describeRequest();
        m_remaining = generated ? query.queryItemValue(QStringLiteral("bytes")).toLongLong() : body.size();
        if (status == 204 || status == 304) {
            m_remaining = 0;
            body.clear();
        }

        QByteArray head = "HTTP/1.1 " + QByteArray::number(status) + " " + http::reasonPhrase(status) + "\r\n";
        head += "X-Backend: " + m_backend.name().toUtf8() + "\r\n";
        head += generated ? "Content-Type: application/octet-stream\r\n" : "Content-Type: application/json\r\n";
        if (m_chunked)
            head += "Transfer-Encoding: chunked\r\n";
        else if (!untilClose && status != 204 && status != 304)
            head += "Content-Length: " + QByteArray::number(m_remaining) + "\r\n";
        if (m_closeAfter)
            head += "Connection: close\r\n";
        head += "\r\n";
        m_socket->write(head);
        if (request.method == "HEAD")
            m_remaining = 0;
        if (!generated && m_remaining > 0) {
            writeBody(body);
            m_remaining = 0;
        }
        continueStreaming();
    }

    void writeBody(const QByteArray &bytes)
    {
        if (!m_chunked) {
            m_socket->write(bytes);
            return;
        }
        m_socket->write(QByteArray::number(bytes.size(), 16) + "\r\n" + bytes + "\r\n");
    }

    void continueStreaming()
    {
        if (!m_responding)
            return;
        static const QByteArray block(64 * 1024, 'k');
        while (m_remaining > 0 && m_socket->bytesToWrite() < kHighWaterBytes) {
            const qint64 size = std::min<qint64>(m_remaining, block.size());
            writeBody(block.left(size));
            m_remaining -= size;
        }
        if (m_remaining > 0)
            return;
        if (m_chunked)
            m_socket->write("0\r\n\r\n");
        finishResponse();
    }

    void finishResponse()
    {
        m_responding = false;
        m_chunked = false;
        m_bodyHash.reset();
        m_bodyBytes = 0;
        m_body.clear();
        if (m_closeAfter) {
            m_socket->disconnectFromHost();
            return;
        }
        m_parser.startNextMessage();
        QTimer::singleShot(0, this, &EchoConnection::process);
    }

    EchoBackend &m_backend;
    QTcpSocket *m_socket;
    http::MessageParser m_parser;
    QCryptographicHash m_bodyHash{QCryptographicHash::Sha256};
    qint64 m_bodyBytes = 0;
    QByteArray m_body;
    bool m_responding = false;
    bool m_chunked = false;
    bool m_closeAfter = false;
    qint64 m_remaining = 0;
};

EchoBackend::EchoBackend(QString name, QObject *parent)
    : QObject(parent), m_name(std::move(name)), m_server(new QTcpServer(this))
{
    connect(m_server, &QTcpServer::newConnection, this, [this] {
        while (QTcpSocket *socket = m_server->nextPendingConnection()) {
            ++m_connections;
            new EchoConnection(*this, socket);
        }
    });
}

EchoBackend::~EchoBackend()
{
    delete m_server;  // its connections count themselves out while this object is still whole
}

bool EchoBackend::listen(const QHostAddress &address, quint16 port)
{
    // The gateway opens one connection per concurrent HTTP/1.1 request: with Qt's backlog of 50,
    // a burst of them overflows the accept queue and the dropped handshakes wait for SYN-ACK
    // retransmissions (up to 31 s), longer than a request's timeout.
    m_server->setListenBacklogSize(4096);  // the kernel caps it at net.core.somaxconn
    return m_server->listen(address, port);
}

void EchoBackend::close()
{
    m_server->close();
}

quint16 EchoBackend::port() const
{
    return m_server->serverPort();
}

}  // namespace kairos
