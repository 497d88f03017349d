#include "deferredcalls.h"

#include <QAbstractEventDispatcher>
#include <QMetaObject>

#include <vector>

namespace kairos {

namespace {

struct Entry {
    DeferredCalls::Owner *owner;  // null once run or dropped
    std::function<void()> call;
};

struct ThreadQueue {
    std::vector<Entry> waiting;
    std::vector<std::vector<Entry> *> running;  // batches being run: more than one in a nested loop
    bool scheduled = false;
};

thread_local ThreadQueue queue;

}  // namespace

struct DeferredCallsAccess {
    static void runBatch()
    {
        ThreadQueue &q = queue;
        q.scheduled = false;
        std::vector<Entry> batch;
        batch.swap(q.waiting);
        q.running.push_back(&batch);
        // Calls post to q.waiting, never to this batch, so its entries stay where they are.
        for (Entry &entry : batch) {
            if (!entry.owner)
                continue;
            --entry.owner->m_waitingCalls;
            entry.owner = nullptr;
            const std::function<void()> call = std::move(entry.call);
            call();
        }
        q.running.pop_back();
        batch.clear();
        if (q.waiting.empty())
            q.waiting.swap(batch);  // keeps its capacity for the next calls
    }

    static void drop(DeferredCalls::Owner *owner)
    {
        const auto dropIn = [owner](std::vector<Entry> &entries) {
            for (Entry &entry : entries) {
                if (entry.owner == owner) {
                    entry.owner = nullptr;
                    entry.call = nullptr;
                }
            }
        };
        dropIn(queue.waiting);
        for (std::vector<Entry> *batch : queue.running)
            dropIn(*batch);
    }
};

DeferredCalls::Owner::~Owner()
{
    if (m_waitingCalls > 0)
        DeferredCallsAccess::drop(this);
}

void DeferredCalls::post(Owner *owner, std::function<void()> call)
{
    ThreadQueue &q = queue;
    q.waiting.push_back({owner, std::move(call)});
    ++owner->m_waitingCalls;
    if (q.scheduled)
        return;
    // The thread's event dispatcher is a QObject living in it for as long as its loop runs: one
    // queued call per batch, and no QObject of our own per thread to create and tear down. A
    // thread without one yet is asked again by the next call posted (or runWaiting()).
    q.scheduled = QMetaObject::invokeMethod(QAbstractEventDispatcher::instance(), &DeferredCallsAccess::runBatch,
                                            Qt::QueuedConnection);
}

void DeferredCalls::runWaiting()
{
    while (!queue.waiting.empty())
        DeferredCallsAccess::runBatch();
}

}  // namespace kairos
