#include "recentrequests.h"

namespace kairos {

RecentRequests::RecentRequests(int capacity) : m_ring(size_t(std::max(capacity, 1))) {}

void RecentRequests::append(const RequestRecord &record)
{
    QMutexLocker lock(&m_mutex);
    m_ring[m_next % m_ring.size()] = record;
    ++m_next;
}

QList<RequestRecord> RecentRequests::since(quint64 after, quint64 *last) const
{
    QMutexLocker lock(&m_mutex);
    const quint64 newest = m_next - 1;
    const quint64 oldest = newest >= m_ring.size() ? newest - m_ring.size() + 1 : 1;
    QList<RequestRecord> records;
    for (quint64 sequence = std::max(after + 1, oldest); sequence <= newest; ++sequence)
        records.append(m_ring[sequence % m_ring.size()]);
    *last = newest;
    return records;
}

}  // namespace kairos
