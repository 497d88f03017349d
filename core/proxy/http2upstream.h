// HTTP/2 to a backend ("protocol": "h2" over TLS with ALPN, "h2c" with prior knowledge): one
// multiplexed connection per backend and worker thread (Http2UpstreamSession), and for each
// request a stream that the exchange sees as the byte stream of an HTTP/1.1 connection
// (Http2StreamTransport). The exchange writes the request as HTTP/1.1 and reads the response as
// HTTP/1.1, so retries, timeouts, the pool, back-pressure and trailers (gRPC's grpc-status) work
// as for any backend; the stream turns one into frames and the other back, under HTTP/2 flow
// control.
#pragma once

#include "http/messageparser.h"
#include "runtime/transport.h"

#include <memory>

namespace kairos {

class Http2UpstreamSession;

class Http2StreamTransport final : public Transport
{
public:
    // peerName: as TlsTransport's.
    Http2StreamTransport(bool tls, bool verifyPeer, qsizetype maxHeadBytes, QString peerName = {});
    ~Http2StreamTransport() override;

    void connectToHost(const QString &host, quint16 port) override;
    bool isOpen() const override;
    bool mayRead() const override { return m_inOffset < m_in.size(); }
    qint64 read(char *data, qint64 max) override;
    void write(QByteArrayView data) override;
    qint64 bytesToWrite() const override { return m_out.size() - m_outOffset; }
    void close() override;
    void abort() override { close(); }
    QHostAddress peerAddress() const override;

private:
    friend class Http2UpstreamSession;
    // From the session.
    void sessionConnected();
    void sessionFailed(const QString &why);
    void responseHeader(QByteArrayView name, QByteArrayView value, bool trailer);
    void responseHeadersDone(bool endStream);
    void responseData(QByteArrayView data);
    void streamClosed(uint32_t errorCode);
    long readRequestBody(uint8_t *buffer, size_t length, uint32_t *flags);

    void submitRequest();
    void appendResponse(QByteArrayView bytes);
    void giveBackWindow();
    void notifyReadyRead();
    void notifyBytesWritten();
    void failStream(Error error, const QString &why);

    const bool m_tls;
    const bool m_verifyPeer;
    const QString m_peerName;
    std::shared_ptr<Http2UpstreamSession> m_session;
    http::MessageParser m_requestParser;  // reads what the exchange writes
    int32_t m_streamId = -1;
    bool m_open = false;
    bool m_streamActive = false;  // between the request's HEADERS and the stream's close
    bool m_responseDone = false;
    // The request body, as frames take it.
    QByteArray m_out;
    qsizetype m_outOffset = 0;
    bool m_requestEnded = false;
    bool m_deferred = false;
    http::Headers m_requestTrailers;
    // The response, as HTTP/1.1 bytes for the exchange's parser.
    http::Headers m_responseFields;
    http::Headers m_responseTrailers;
    bool m_headEmitted = false;
    int m_status = 0;
    bool m_chunked = false;
    QByteArray m_in;
    qsizetype m_inOffset = 0;
    size_t m_unacknowledged = 0;  // DATA bytes the exchange has not read yet
    bool m_readyReadPosted = false;
    bool m_bytesWrittenPosted = false;
};

}  // namespace kairos
