#include "transport.h"

namespace kairos {

void Transport::discard()
{
    m_listener = nullptr;
    abort();
    deleteLater();
}

void Transport::setError(Error error, const QString &text)
{
    m_error = error;
    m_errorString = text;
}

void Transport::notifyClosedLater()
{
    if (m_closeNotified)
        return;
    m_closeNotified = true;
    QMetaObject::invokeMethod(
        this,
        [this] {
            if (m_listener)
                m_listener->transportClosed(*this);
        },
        Qt::QueuedConnection);
}

}  // namespace kairos
