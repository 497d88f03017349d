#include "deadlines.h"

#include <chrono>

namespace kairos {

Deadlines::Deadlines(QObject *parent) : QObject(parent), m_tick(this)
{
    m_tick.setInterval(kTickMs);
    connect(&m_tick, &QTimer::timeout, this, &Deadlines::tick);
    m_tick.start();
}

qint64 Deadlines::nowMs()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

void Deadlines::add(Client *client)
{
    m_clients.push_back(client);
}

void Deadlines::remove(Client *client)
{
    for (Client *&entry : m_clients) {
        if (entry == client) {
            entry = m_clients.back();
            m_clients.pop_back();
            return;
        }
    }
}

void Deadlines::tick()
{
    const qint64 now = nowMs();
    // Connections end through deleteLater(), never inside a check, so the list holds still; an
    // index keeps this right even if that changes (a swap-remove would skip one client a tick).
    for (size_t i = 0; i < m_clients.size(); ++i)
        m_clients[i]->checkDeadlines(now);
}

}  // namespace kairos
