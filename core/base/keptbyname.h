// Objects kept across config changes under a name (a route's path, a backend's key), shared by
// every worker thread: the registries of rate limiters and request queues. A config change asks
// for each name it still uses, gets the object kept there while it still fits the new settings
// (else a new one), then forgets the names it no longer uses.
#pragma once

#include <QString>
#include <QStringList>

#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>

namespace kairos {

template <typename T> class KeptByName
{
public:
    // The object kept under `name` when fits(object), else a new one from make(), kept from now.
    template <typename Fits, typename Make> std::shared_ptr<T> obtain(const QString &name, Fits fits, Make make)
    {
        std::lock_guard lock(m_mutex);
        std::shared_ptr<T> &kept = m_kept[name.toStdU16String()];
        if (!kept || !fits(*kept))
            kept = make();
        return kept;
    }

    // The object kept under `name`, or null.
    std::shared_ptr<T> find(const QString &name)
    {
        std::lock_guard lock(m_mutex);
        const auto kept = m_kept.find(name.toStdU16String());
        return kept == m_kept.end() ? nullptr : kept->second;
    }

    // Forgets the objects not named in `names`; whoever still holds one keeps it alive.
    void retainOnly(const QStringList &names)
    {
        std::set<std::u16string> keep;
        for (const QString &name : names)
            keep.insert(name.toStdU16String());
        std::lock_guard lock(m_mutex);
        for (auto it = m_kept.begin(); it != m_kept.end();)
            it = keep.count(it->first) ? std::next(it) : m_kept.erase(it);
    }

private:
    std::mutex m_mutex;
    std::unordered_map<std::u16string, std::shared_ptr<T>> m_kept;
};

}  // namespace kairos
