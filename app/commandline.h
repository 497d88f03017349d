// kairos-gateway [--config PATH] [--listen HOST:PORT] [--no-gui] [--check] [--demo] [--no-watch]
//                [--access-log FILE|none] [--screenshot FILE] [--etcd URL[,URL...]] [--etcd-prefix PREFIX]
//                [--etcd-seed] [--register NAME=URL ...] [--register-ttl SECONDS] [--version] [--help]
#pragma once

#include "service/gatewayservice.h"

#include <QString>

class QCoreApplication;

namespace kairos {

struct CommandLine {
    ServiceOptions service;
    bool checkOnly = false;
    QString screenshotPath;
    QStringList registrations;  // --register: keep these registered in etcd instead of serving
    int registerTtlSeconds = 10;
    QString error;  // non-empty: print it and exit 2
};

// Decided before the application object exists, since it picks QApplication or QCoreApplication:
// the GUI runs unless --no-gui/--check/--version/--help is given or there is no display.
bool wantsGui(int argc, char **argv);
CommandLine parseCommandLine(const QCoreApplication &app, bool gui);
void installLogFormat();

}  // namespace kairos
