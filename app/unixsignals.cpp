#include "unixsignals.h"

#include "service/gatewayservice.h"

#include <QCoreApplication>
#include <QLoggingCategory>
#include <QSocketNotifier>

#include <cerrno>
#include <functional>
#include <csignal>
#include <cstring>
#include <sys/socket.h>
#include <unistd.h>

namespace {

int signalPipe[2] = {-1, -1};

void onSignal(int signalNumber)
{
    const int savedErrno = errno;  // the interrupted code may be about to read it
    const char byte = char(signalNumber);
    // Non-blocking: with the pipe full (a flood of signals), the signal is dropped rather than the
    // thread blocked inside its handler.
    [[maybe_unused]] const ssize_t written = ::write(signalPipe[0], &byte, 1);
    errno = savedErrno;
}

void reloadConfig(kairos::GatewayService &service)
{
    kairos::ConfigStore &store = service.configStore();
    const kairos::ConfigStore::Change change = store.reloadFromFile();
    if (change.applied()) {
        qInfo().noquote() << QStringLiteral("received SIGHUP - reloaded %1: config revision %2, %3 route(s)")
                                 .arg(store.filePath())
                                 .arg(change.revision)
                                 .arg(change.load.config->routes.size());
    } else {
        qWarning().noquote() << QStringLiteral("received SIGHUP - %1 not applied (%2 problem(s), logged above); "
                                               "config revision %3 stays in force")
                                    .arg(store.filePath())
                                    .arg(change.load.errors.size())
                                    .arg(change.revision);
    }
}

void reopenAccessLog(kairos::GatewayService &service)
{
    const QString path = service.options().accessLog;
    if (path.isEmpty() || path == QLatin1String("none")) {
        qInfo().noquote() << QStringLiteral("received SIGUSR1 - no access log file to reopen (the access log %1)")
                                 .arg(path.isEmpty() ? QStringLiteral("goes to stderr") : QStringLiteral("is off"));
        return;
    }
    QString error;
    if (service.reopenAccessLog(&error))
        qInfo().noquote() << "received SIGUSR1 - reopened the access log" << path;
    else
        qWarning().noquote() << "received SIGUSR1 -" << error + "; the access log stays on the file open until now";
}

// Routes `signalNumbers` through the self-pipe to `handle`, on `context`'s thread.
void routeSignals(QObject &context, std::function<void(int)> handle, std::initializer_list<int> signalNumbers)
{
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, signalPipe) != 0) {
        qWarning().noquote() << "cannot handle Unix signals: socketpair:" << std::strerror(errno);
        return;
    }
    auto *notifier = new QSocketNotifier(signalPipe[1], QSocketNotifier::Read, &context);
    QObject::connect(notifier, &QSocketNotifier::activated, &context, [notifier, handle = std::move(handle)] {
        char byte = 0;
        if (::read(signalPipe[1], &byte, 1) != 1)
            return;
        if (byte == SIGINT || byte == SIGTERM) {
            notifier->setEnabled(false);
            qInfo().noquote() << "received" << (byte == SIGINT ? "SIGINT" : "SIGTERM") << "- shutting down";
            QCoreApplication::quit();
            return;
        }
        handle(byte);
    });
    struct sigaction action = {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    for (const int signalNumber : signalNumbers)
        sigaction(signalNumber, &action, nullptr);
}

}  // namespace

void handleUnixSignals(kairos::GatewayService &service)
{
    routeSignals(service,
                 [&service](int signalNumber) {
                     if (signalNumber == SIGHUP)
                         reloadConfig(service);
                     else if (signalNumber == SIGUSR1)
                         reopenAccessLog(service);
                 },
                 {SIGINT, SIGTERM, SIGHUP, SIGUSR1});
}

void handleQuitSignals(QObject &context)
{
    routeSignals(context, [](int) {}, {SIGINT, SIGTERM});
}
