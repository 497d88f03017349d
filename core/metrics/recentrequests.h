// The last N finished requests (default 500), for the console's traffic view. Worker threads
// append; readers copy what is newer than what they have. Only used while the console runs.
#pragma once

#include "metrics/requestrecord.h"

#include <QList>
#include <QMutex>

#include <vector>

namespace kairos {

class RecentRequests
{
public:
    explicit RecentRequests(int capacity = 500);

    void append(const RequestRecord &record);
    // Records with sequence numbers above `after`, oldest first; *last gets the newest number.
    QList<RequestRecord> since(quint64 after, quint64 *last) const;
    int capacity() const { return int(m_ring.size()); }

private:
    mutable QMutex m_mutex;
    std::vector<RequestRecord> m_ring;
    quint64 m_next = 1;  // sequence number of the next record
};

}  // namespace kairos
