// Transport to an https backend: QSslSocket does the TLS; this adapts it to the listener.
#pragma once

#include "transport.h"

#include <QObject>

class QSslSocket;

namespace kairos {

// A QObject for QSslSocket's signals (https upstream connections are pooled and few).
class TlsTransport final : public QObject, public Transport
{
    Q_OBJECT

public:
    // alpn: the protocols to offer ("h2"); none: no ALPN.
    // peerName: the name the backend's certificate must carry and SNI sends, when connections go
    // to an address rather than to that name (a discovered backend); empty: the host connected to.
    explicit TlsTransport(bool verifyPeer, const QList<QByteArray> &alpn = {}, QString peerName = {});
    // The protocol ALPN chose, once connected; empty when none was.
    QByteArray negotiatedProtocol() const;
    ~TlsTransport() override;

    void connectToHost(const QString &host, quint16 port) override;
    bool isOpen() const override;
    bool mayRead() const override;
    qint64 read(char *data, qint64 max) override;
    void write(QByteArrayView data) override;
    qint64 bytesToWrite() const override;
    void close() override;
    void abort() override;
    QHostAddress peerAddress() const override;

private:
    void onError();

    QSslSocket *m_socket;
    bool m_connecting = false;
    QString m_peerName;
};

}  // namespace kairos
