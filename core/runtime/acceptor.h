// A listening socket that hands each accepted descriptor to a callback.
//
// QTcpServer binds and listens; accepting is done here because Qt 6.4's QNativeSocketEngine keeps
// the first error it ever records: after one EAGAIN (the end of any accept burst) an EMFILE is
// reported as a temporary error, and QTcpServer then spins on accept() at full CPU without a
// word. Here EMFILE and its kin are logged and accepting pauses briefly, so the process recovers
// as soon as descriptors are free again (tests/resilience/tst_faults.cpp).
#pragma once

#include <QHostAddress>
#include <QObject>
#include <QSocketNotifier>
#include <QTcpServer>

#include <functional>
#include <memory>

namespace kairos {

class Acceptor : public QObject
{
    Q_OBJECT

public:
    using Handler = std::function<void(qintptr socketDescriptor)>;
    explicit Acceptor(Handler handler, QObject *parent = nullptr);
    ~Acceptor() override;

    bool listen(const QHostAddress &address, quint16 port, QString *error);
    QHostAddress serverAddress() const { return m_server.serverAddress(); }
    quint16 serverPort() const { return m_server.serverPort(); }

private:
    void acceptPending();

    Handler m_handler;
    QTcpServer m_server;
    std::unique_ptr<QSocketNotifier> m_notifier;
    bool m_paused = false;
};

}  // namespace kairos
