// Unix signals with the meanings server operators know from nginx, each handled on the event loop
// through a self-pipe, since a signal handler may not call into Qt (see Qt's "Calling Qt Functions
// From Unix Signal Handlers"):
//   SIGINT, SIGTERM  a clean QCoreApplication::quit()
//   SIGHUP           reload the config file, as the file watcher does (`systemctl reload`)
//   SIGUSR1          reopen the access log file, after log rotation renamed it
// Each one is logged with its outcome.
#pragma once

namespace kairos {
class GatewayService;
}

class QObject;

void handleUnixSignals(kairos::GatewayService &service);
// SIGINT and SIGTERM only, as above (--register, which has no config to reload or log to reopen).
void handleQuitSignals(QObject &context);
