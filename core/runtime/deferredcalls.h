// Calls run later from this thread's event loop, each tied to an owner that takes its calls with
// it when it goes first: what QMetaObject::invokeMethod(context, ...) and deleteLater() give, for
// objects that are not QObjects. A QObject costs 160 bytes (its private data), which the
// transport of every open connection paid for just these two (docs/BENCHMARKS.md).
#pragma once

#include <QtGlobal>

#include <functional>

namespace kairos {

struct DeferredCallsAccess;

class DeferredCalls
{
public:
    class Owner
    {
    public:
        Owner() = default;
        Owner(const Owner &) = delete;
        Owner &operator=(const Owner &) = delete;

    protected:
        ~Owner();  // drops the calls still waiting

    private:
        friend class DeferredCalls;
        friend struct DeferredCallsAccess;
        quint32 m_waitingCalls = 0;
    };

    // Runs `call` once control is back in this thread's event loop, in the order posted, unless
    // `owner` is destroyed first. May be called from inside a deferred call.
    static void post(Owner *owner, std::function<void()> call);
    // Runs what is waiting now (a worker's loop about to stop), including what those calls post.
    static void runWaiting();
};

}  // namespace kairos
