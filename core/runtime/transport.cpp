#include "transport.h"

namespace kairos {

void Transport::discard()
{
    m_listener = nullptr;
    abort();
    callLater([this] { delete this; });
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
    callLater([this] {
        if (m_listener)
            m_listener->transportClosed(*this);
    });
}

}  // namespace kairos
