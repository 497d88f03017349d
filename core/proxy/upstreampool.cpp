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

UpstreamPool::IdleList *UpstreamPool::idleList(const QString &key, bool create)
{
    if (m_lastList && m_lastKey == key)
        return m_lastList;
    IdleList *list = nullptr;
    if (create) {
        list = &m_idle[key];
    } else {
        const auto found = m_idle.find(key);
        if (found == m_idle.end())
            return nullptr;
        list = &found->second;
    }
    m_lastKey = key;
    m_lastList = list;  // the map's nodes stay put when it grows
    return list;
}

std::unique_ptr<UpstreamConnection> UpstreamPool::take(const QString &backendKey)
{
    IdleList *list = idleList(backendKey, false);
    if (!list)
        return nullptr;
    IdleList &idle = *list;
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
    IdleList &idle = *idleList(connection->key(), true);
    if (int(idle.size()) >= m_maxIdlePerBackend || !connection->transport()->isOpen())
        return;                                            // the unique_ptr closes it
    if (connection->liveGeneration != m_liveGeneration) {  // asked once per connection and config
        if (!m_liveBackends.contains(connection->backendKey()))
            return;
        connection->liveGeneration = m_liveGeneration;
    }
    connection->parser().startNextMessage();
    connection->idleSince().start();
    connection->transport()->setListener(this);
    idle.push_back(std::move(connection));
}

void UpstreamPool::drop(Transport &transport)
{
    for (auto &entry : m_idle) {
        auto &idle = entry.second;
        const auto found = std::find_if(idle.begin(), idle.end(), [&transport](const auto &connection) {
            return connection->transport() == &transport;
        });
        if (found != idle.end()) {
            idle.erase(found);
            return;
        }
    }
}

void UpstreamPool::expireIdle()
{
    forgetLastList();
    for (auto it = m_idle.begin(); it != m_idle.end();) {
        auto &idle = it->second;
        idle.erase(std::remove_if(
                       idle.begin(), idle.end(),
                       [this](const auto &connection) { return connection->idleSince().elapsed() >= m_idleTimeoutMs; }),
                   idle.end());
        it = idle.empty() ? m_idle.erase(it) : std::next(it);
    }
    m_publishedIdle.store(idleCount(), std::memory_order_relaxed);
}

void UpstreamPool::clear()
{
    forgetLastList();
    m_idle.clear();
}

void UpstreamPool::setLiveBackends(const QSet<QString> &backendKeys)
{
    m_liveBackends = backendKeys;
    ++m_liveGeneration;
    forgetLastList();
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
