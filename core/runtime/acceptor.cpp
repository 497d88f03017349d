#include "acceptor.h"

#include <QLoggingCategory>
#include <QTimer>

#include <cerrno>
#include <cstring>
#include <sys/socket.h>

Q_DECLARE_LOGGING_CATEGORY(lcRuntime)

namespace kairos {

namespace {
constexpr int kListenBacklog = 511;       // nginx's default; Qt's 50 drops SYNs when many clients connect at once
constexpr int kRetryAfterErrorMs = 500;   // nginx waits 500 ms after EMFILE too
constexpr int kMaxAcceptsPerWakeup = 64;  // then let the loop serve the connections it already has
}  // namespace

Acceptor::Acceptor(Handler handler, QObject *parent) : QObject(parent), m_handler(std::move(handler)) {}

Acceptor::~Acceptor()
{
    m_notifier.reset();  // before the server closes the descriptor it watches
}

bool Acceptor::listen(const QHostAddress &address, quint16 port, QString *error)
{
    m_server.setListenBacklogSize(kListenBacklog);
    if (!m_server.listen(address, port)) {
        if (error)
            *error = m_server.errorString();
        return false;
    }
    m_server.pauseAccepting();  // its notifier stays off: this class accepts
    m_notifier = std::make_unique<QSocketNotifier>(m_server.socketDescriptor(), QSocketNotifier::Read);
    connect(m_notifier.get(), &QSocketNotifier::activated, this, &Acceptor::acceptPending);
    return true;
}

void Acceptor::acceptPending()
{
    for (int i = 0; i < kMaxAcceptsPerWakeup; ++i) {
        const int descriptor =
            ::accept4(int(m_server.socketDescriptor()), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (descriptor >= 0) {
            m_handler(descriptor);
            continue;
        }
        const int error = errno;
        if (error == EAGAIN || error == EWOULDBLOCK)
            return;
        if (error == EINTR || error == ECONNABORTED)
            continue;  // the next one may be fine
        qCWarning(lcRuntime).noquote() << "cannot accept connections on port" << serverPort() << "-"
                                       << std::strerror(error)
                                       << (error == EMFILE || error == ENFILE ? "(raise the limit: ulimit -n);" : ";")
                                       << "trying again in" << kRetryAfterErrorMs << "ms";
        m_notifier->setEnabled(false);
        QTimer::singleShot(kRetryAfterErrorMs, this, [this] {
            if (m_notifier)
                m_notifier->setEnabled(true);
        });
        return;
    }
}

}  // namespace kairos
