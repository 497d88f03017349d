// Idle keep-alive connections to backends, per worker thread (so no locking): the most recently
// used connection is handed out first (it is the least likely to have been closed by the backend),
// idle ones are closed after idle_timeout and beyond a cap per backend.
#pragma once

#include "upstreamconnection.h"

#include <QObject>
#include <QSet>
#include <QTimer>

#include <atomic>
#include <memory>
#include <unordered_map>
#include <vector>

namespace kairos {

class UpstreamPool : public QObject, private TransportListener
{
    Q_OBJECT

public:
    explicit UpstreamPool(QObject *parent = nullptr);
    ~UpstreamPool() override;

    void setLimits(int maxIdlePerBackend, int idleTimeoutMs);
    // A live idle connection to the backend, or nullptr.
    std::unique_ptr<UpstreamConnection> take(const QString &backendKey);
    // Keeps the connection for reuse (it must be between messages) or closes it past the cap.
    void giveBack(std::unique_ptr<UpstreamConnection> connection);

    // Closes every idle connection.
    void clear();
    // The backends of the current config: idle connections to others are closed, and connections
    // to them that finish their request later are not kept (a removed backend drains).
    void setLiveBackends(const QSet<QString> &backendKeys);
    int idleCount() const;
    // idleCount() as of the last sweep (at most a second old), readable from any thread.
    int publishedIdleCount() const { return m_publishedIdle.load(std::memory_order_relaxed); }
    int idleCount(const QString &backendKey) const;

private:
    // An idle connection that is closed or sends anything unasked is useless: drop it.
    void transportReadyRead(Transport &transport) override { drop(transport); }
    void transportClosed(Transport &transport) override { drop(transport); }
    void drop(Transport &transport);
    void expireIdle();
    using IdleList = std::vector<std::unique_ptr<UpstreamConnection>>;
    IdleList *idleList(const QString &key, bool create);
    void forgetLastList() { m_lastList = nullptr; }  // before anything is erased from m_idle

    std::unordered_map<QString, IdleList> m_idle;
    // The list last looked up and its key: a worker's requests mostly go to few backends, and
    // comparing the key costs less than hashing it (three lookups per request before).
    QString m_lastKey;
    IdleList *m_lastList = nullptr;
    QSet<QString> m_liveBackends;
    quint64 m_liveGeneration = 1;  // changes with m_liveBackends; see UpstreamConnection::liveGeneration
    int m_maxIdlePerBackend = 0;   // setLimits() gives the config's values
    int m_idleTimeoutMs = 60'000;
    QTimer m_sweep;
    std::atomic<int> m_publishedIdle{0};
};

}  // namespace kairos
