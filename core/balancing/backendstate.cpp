#include "backendstate.h"

namespace kairos {

std::shared_ptr<BackendState> BackendRegistry::obtain(const QString &key)
{
    QMutexLocker lock(&m_mutex);
    std::shared_ptr<BackendState> &state = m_states[key];
    if (!state)
        state = std::make_shared<BackendState>(key);
    return state;
}

void BackendRegistry::prune()
{
    QMutexLocker lock(&m_mutex);
    m_states.removeIf([](const auto &entry) { return entry.value().use_count() == 1; });
}

QList<std::shared_ptr<BackendState>> BackendRegistry::all() const
{
    QMutexLocker lock(&m_mutex);
    return m_states.values();
}

}  // namespace kairos
