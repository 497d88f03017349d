#include "upstreampool.h"

#include <algorithm>

namespace kairos {

UpstreamPool::UpstreamPool(QObject *parent) : QObject(parent), m_sweep(this)
{
    m_sweep.setInterval(1000);
    connect(&m_sweep, &QTimer::timeout, this, &UpstreamPool::expireIdle);
    m_sweep.start();
}

UpstreamPool::~UpstreamPool() = default;

void UpstreamPool::setLimits(int maxIdlePerBackend, int idleTimeoutMs)
{
    m_maxIdlePerBackend = maxIdlePerBackend;
    m_idleTimeoutMs = idleTimeoutMs;
}

std::unique_ptr<UpstreamConnection> UpstreamPool::take(const QString &backendKey)
{
    auto found = m_idle.find(backendKey);
    if (found == m_idle.end())
        return nullptr;
    std::vector<std::unique_ptr<UpstreamConnection>> &idle = found->second;
    while (!idle.empty()) {
        std::unique_ptr<UpstreamConnection> connection = std::move(idle.back());
        idle.pop_back();
        connection->transport()->setListener(nullptr);
        if (connection->transport()->isOpen() && !connection->transport()->mayRead())
            return connection;
    }
    return nullptr;
}

void UpstreamPool::giveBack(std::unique_ptr<UpstreamConnection> connection)
{
    std::vector<std::unique_ptr<UpstreamConnection>> &idle = m_idle[connection->key()];
    if (int(idle.size()) >= m_maxIdlePerBackend || !m_liveBackends.contains(connection->backendKey())
        || !connection->transport()->isOpen())
        return;  // the unique_ptr closes it
    connection->parser().startNextMessage();
    connection->idleSince().start();
    connection->transport()->setListener(this);
    idle.push_back(std::move(connection));
}

void UpstreamPool::drop(Transport &transport)
{
    for (auto &entry : m_idle) {
        auto &idle = entry.second;
        const auto found = std::find_if(idle.begin(), idle.end(),
                                        [&transport](const auto &connection) { return connection->transport() == &transport; });
        if (found != idle.end()) {
            idle.erase(found);
            return;
        }
    }
}

void UpstreamPool::expireIdle()
{
    for (auto it = m_idle.begin(); it != m_idle.end();) {
        auto &idle = it->second;
        idle.erase(std::remove_if(idle.begin(), idle.end(),
                                  [this](const auto &connection) {
                                      return connection->idleSince().elapsed() >= m_idleTimeoutMs;
                                  }),
                   idle.end());
        it = idle.empty() ? m_idle.erase(it) : std::next(it);
    }
    m_publishedIdle.store(idleCount(), std::memory_order_relaxed);
}

void UpstreamPool::clear()
{
    m_idle.clear();
}

void UpstreamPool::setLiveBackends(const QSet<QString> &backendKeys)
{
    m_liveBackends = backendKeys;
    for (auto it = m_idle.begin(); it != m_idle.end();) {
        const bool live = !it->second.empty() && m_liveBackends.contains(it->second.front()->backendKey());
        it = live ? std::next(it) : m_idle.erase(it);
    }
}

int UpstreamPool::idleCount() const
{
    int count = 0;
    for (const auto &entry : m_idle)
        count += int(entry.second.size());
    return count;
}

int UpstreamPool::idleCount(const QString &backendKey) const
{
    const auto found = m_idle.find(backendKey);
    return found == m_idle.end() ? 0 : int(found->second.size());
}

}  // namespace kairos
