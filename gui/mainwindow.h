// The desktop management console's main window. It runs the gateway in-process through
// GatewayService and only uses core's public API and signals.
#pragma once

#include "service/gatewayservice.h"

#include <QMainWindow>

class QLabel;
class QTableView;

namespace kairos {

class RoutesModel;

class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(GatewayService &service, QWidget *parent = nullptr);

    void showError(const QString &message);

private:
    void refreshStatus();

    GatewayService &m_service;
    RoutesModel *m_routes;
    QTableView *m_routesView;
    QLabel *m_banner;
    QLabel *m_listenLabel;
    QLabel *m_configLabel;
};

// Starts the service and shows the window; with a screenshot path, renders the window to it and
// returns at once. Returns the application's exit status.
int runDesktop(GatewayService &service, const ServiceOptions &options, const QString &screenshotPath);

}  // namespace kairos
