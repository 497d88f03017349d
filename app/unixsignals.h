// Turns SIGINT and SIGTERM into a clean QCoreApplication::quit(), through a self-pipe, since a
// signal handler may not call into Qt (see Qt's "Calling Qt Functions From Unix Signal Handlers").
#pragma once

class QObject;

void quitOnTerminationSignals(QObject *parent);
