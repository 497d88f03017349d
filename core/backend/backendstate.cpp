#include "backendstate.h"

namespace kairos {

BackendState::BackendState(const Backend &backend, const QString &backendKey)
    : key(backendKey),
      authority(backend.authority()),
      circuit(key),
      m_uncheckedKey(Backend::connectionKey(key, !backend.usesTls()))
{}

std::shared_ptr<BackendState> BackendRegistry::obtain(const Backend &backend)
{
    const QString key = backend.key();
    QMutexLocker lock(&m_mutex);
    std::shared_ptr<BackendState> &state = m_states[key];
    if (!state)
        state = std::make_shared<BackendState>(backend, key);
    return state;
}

std::shared_ptr<BackendState> BackendRegistry::find(const QString &key) const
{
    QMutexLocker lock(&m_mutex);
    return m_states.value(key);
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
