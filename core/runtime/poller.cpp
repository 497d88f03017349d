#include "poller.h"

#include <QLoggingCategory>
#include <QObject>
#include <QSocketNotifier>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <sys/epoll.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcRuntime, "kairos.runtime")

namespace kairos {

namespace {
thread_local Poller *threadPoller = nullptr;
// Then Qt's own events (timers, queued calls) get a turn. As many as nginx takes: with 64, at 200
// connections a round of ~400 ready sockets took seven wakeups, and p90 was 9-18 % higher
// (docs/BENCHMARKS.md, events per wakeup).
constexpr int kEventsPerWakeup = 512;
}  // namespace

Poller *Poller::acquire()
{
    if (!threadPoller) {
        const int epoll = ::epoll_create1(EPOLL_CLOEXEC);
        if (epoll < 0)
            return nullptr;
        threadPoller = new Poller(epoll, true);
    }
    ++threadPoller->m_users;
    return threadPoller;
}

Poller *Poller::createForEventLoop()
{
    const int epoll = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll < 0)
        return nullptr;
    auto *poller = new Poller(epoll, false);
    poller->m_users = 1;
    return poller;
}

void Poller::bindToCurrentThread()
{
    Q_ASSERT(!threadPoller);
    threadPoller = this;
}

void Poller::release(PollClient *client)
{
    if (m_dispatching)
        m_released.push_back(client);
    if (--m_users > 0 || m_dispatching)
        return;
    if (threadPoller == this)
        threadPoller = nullptr;
    delete this;
}

Poller::Poller(int epoll, bool withNotifier)
    : m_epoll(epoll), m_notifier(withNotifier ? new QSocketNotifier(m_epoll, QSocketNotifier::Read) : nullptr)
{
    if (m_notifier)
        QObject::connect(m_notifier, &QSocketNotifier::activated, m_notifier, [this] { dispatch(); });
}

Poller::~Poller()
{
    delete m_notifier;
    ::close(m_epoll);
}

void Poller::watch(int descriptor, PollClient *client, quint32 before, quint32 after)
{
    if (before == after)
        return;
    epoll_event event{};
    event.events =
        ((after & Read) ? EPOLLIN : 0u) | ((after & Write) ? EPOLLOUT : 0u) | ((after & Urgent) ? EPOLLPRI : 0u);
    event.data.ptr = client;
    const int operation = before == None ? EPOLL_CTL_ADD : after == None ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
    if (::epoll_ctl(m_epoll, operation, descriptor, &event) == 0)
        return;
    // Closing a descriptor takes it out of the set: one closed before it was unwatched is gone.
    if (operation == EPOLL_CTL_DEL && (errno == EBADF || errno == ENOENT))
        return;
    qCWarning(lcRuntime) << "epoll_ctl on descriptor" << descriptor << "failed:" << std::strerror(errno);
}

bool Poller::deleteAfterEvent(QObject *object)
{
    if (!threadPoller || !threadPoller->m_dispatching)
        return false;
    threadPoller->m_afterEvent.push_back(object);
    return true;
}

int Poller::wait(int timeoutMs)
{
    epoll_event events[kEventsPerWakeup];
    const int count = ::epoll_wait(m_epoll, events, kEventsPerWakeup, timeoutMs);
    if (count <= 0)
        return 0;                       // EINTR: a signal, nothing ready
    const bool nested = m_dispatching;  // a handler's own event loop
    m_dispatching = true;
    for (int i = 0; i < count; ++i) {
        auto *client = static_cast<PollClient *>(events[i].data.ptr);
        if (!m_released.empty() && std::find(m_released.begin(), m_released.end(), client) != m_released.end())
            continue;  // deleted by an earlier event of this batch
        const quint32 ready = events[i].events;
        client->pollReady(((ready & EPOLLIN) ? Read : None) | ((ready & EPOLLOUT) ? Write : None)
                          | ((ready & EPOLLPRI) ? Urgent : None) | ((ready & (EPOLLHUP | EPOLLERR)) ? Failed : None));
        while (!m_afterEvent.empty()) {  // a destructor may add more
            QObject *object = m_afterEvent.back();
            m_afterEvent.pop_back();
            delete object;
        }
    }
    if (!nested) {
        m_dispatching = false;
        m_released.clear();
    }
    return count;
}

void Poller::dispatch()
{
    wait(0);
    if (m_users == 0) {
        threadPoller = nullptr;
        m_notifier->setEnabled(false);
        m_notifier->deleteLater();  // this runs inside its signal
        m_notifier = nullptr;
        delete this;
    }
}

}  // namespace kairos
