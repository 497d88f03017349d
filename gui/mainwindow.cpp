#include "mainwindow.h"

#include "routesmodel.h"

#include <QApplication>
#include <QHeaderView>
#include <QLabel>
#include <QStatusBar>
#include <QTableView>
#include <QVBoxLayout>

namespace kairos {

MainWindow::MainWindow(GatewayService &service, QWidget *parent)
    : QMainWindow(parent),
      m_service(service),
      m_routes(new RoutesModel(this)),
      m_routesView(new QTableView),
      m_banner(new QLabel),
      m_listenLabel(new QLabel),
      m_configLabel(new QLabel)
{
    setWindowTitle(tr("Kairos Gateway"));
    auto *central = new QWidget;
    auto *layout = new QVBoxLayout(central);
    m_banner->setWordWrap(true);
    m_banner->setStyleSheet(QStringLiteral("background:#fde2e1;color:#8a1c12;padding:8px;border-radius:4px;"));
    m_banner->hide();
    layout->addWidget(m_banner);
    m_routesView->setModel(m_routes);
    m_routesView->horizontalHeader()->setStretchLastSection(true);
    m_routesView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_routesView->verticalHeader()->hide();
    layout->addWidget(m_routesView);
    setCentralWidget(central);
    statusBar()->addWidget(m_listenLabel);
    statusBar()->addPermanentWidget(m_configLabel);
    resize(1000, 480);

    connect(&m_service.configStore(), &ConfigStore::configChanged, this, [this](ConfigSnapshot config, quint64) {
        m_routes->setConfig(std::move(config));
        m_routesView->resizeColumnsToContents();
    });
    connect(&m_service, &GatewayService::listeningChanged, this, &MainWindow::refreshStatus);
    m_routes->setConfig(m_service.configStore().current());
    refreshStatus();
}

void MainWindow::showError(const QString &message)
{
    m_banner->setText(message);
    m_banner->show();
    refreshStatus();
}

void MainWindow::refreshStatus()
{
    m_listenLabel->setText(m_service.isListening() ? tr("Listening on %1").arg(m_service.listenUrl())
                                                   : tr("Not listening"));
    m_configLabel->setText(tr("Config: %1").arg(m_service.configStore().filePath()));
    m_routes->setConfig(m_service.configStore().current());
    m_routesView->resizeColumnsToContents();
}

int runDesktop(GatewayService &service, const ServiceOptions &options, const QString &screenshotPath)
{
    MainWindow window(service);
    QString error;
    if (!service.start(options, &error))
        window.showError(error);
    window.show();
    if (!screenshotPath.isEmpty()) {
        QApplication::processEvents();
        const bool saved = window.grab().save(screenshotPath);
        service.stop();
        return saved ? 0 : 1;
    }
    const int status = QApplication::exec();
    service.stop();
    return status;
}

}  // namespace kairos
