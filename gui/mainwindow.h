// The desktop management console. It runs the gateway in-process through GatewayService and
// uses only core's public API and signals; every edit goes through ConfigStore.
#pragma once

#include "proxy/backendreport.h"
#include "service/gatewayservice.h"

#include <QMainWindow>

#include <optional>

class QLabel;
class QMenu;
class QLineEdit;
class QListWidget;
class QSortFilterProxyModel;
class QSystemTrayIcon;
class QTabWidget;
class QTableView;
class QTimer;
class QToolButton;

namespace kairos {

class BackendChart;
class BackendsModel;
class BackendsView;
class CanaryView;
class ClusterView;
class ConfigEditor;
class MetricsView;
class OverviewView;
class RoutesModel;
class TrafficView;
class BreakpointsView;
struct ExchangeRoute;

class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(GatewayService &service, QWidget *parent = nullptr);
    ~MainWindow() override;

    void showError(const QString &message);
    // A passing note ("Config applied"): shown over the bottom right of the views for a few seconds,
    // outside the layout, so that nothing moves under the pointer when it comes and goes.
    void showInfo(const QString &message);
    QLabel *infoNote() const { return m_note; }
    QTabWidget *tabs() const { return m_tabs; }
    // Renders every view to "<base>-<view>.png" next to `path`; false if one could not be saved.
    bool saveScreenshots(const QString &path);

    // For tests.
    RoutesModel *routesModel() const { return m_routes; }
    BackendsModel *backendsModel() const { return m_backends; }
    BackendsView *backendsView() const { return m_backendsView; }
    QListWidget *healthChanges() const { return m_healthChanges; }
    BackendChart *backendChart() const { return m_backendChart; }
    ConfigEditor *configEditor() const { return m_configEditor; }
    TrafficView *trafficView() const { return m_traffic; }
    BreakpointsView *breakpointsView() const { return m_breakpointsView; }
    OverviewView *overview() const { return m_overview; }
    CanaryView *canaryView() const { return m_canary; }
    // File > Open config / Save config as, without the file dialog: false (and an error shown) when
    // the file is invalid or cannot be written. Both become the file edits are saved to.
    bool openConfig(const QString &path);
    bool saveConfigAs(const QString &path);
    QStringList recentConfigs() const;  // the most recent first
    QString aboutText() const;
    // Desktop notifications (the tray's): a backend down or up, a config change from elsewhere
    // than this window. On unless turned off (View menu); remembered.
    void notify(const QString &title, const QString &text);
    bool notificationsEnabled() const;
    void setNotificationsEnabled(bool enabled);
    QString lastNotification() const { return m_lastNotification; }
    void openRouteEditor(const QString &externalPath);  // empty: a new route
    // The editor on `route` (edits `original`, or adds it when empty), with a notice above it.
    void openRouteEditor(const QString &original, const Route &route, const QString &notice,
                         const std::optional<Route> &seen = std::nullopt);
    // The routes view's "Inject faults" switch (faultswitch.h); false, with the reason shown, when refused.
    bool setRouteFaults(const QString &externalPath, bool on);
    // Deletes the route if it is still `seen` (as the user saw it when asking to delete it);
    // returns false, changing nothing, when it changed or went meanwhile (`why` says which).
    bool deleteRoute(const Route &seen, QString *why);
    void refresh();  // samples the numbers and redraws every view now

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    QWidget *makeRoutesTab();
    void showRouteMenu(const QPoint &position);
    void openExchangeRoute(const std::optional<ExchangeRoute> &made, const QString &notice);
    void refreshStatus();
    void sample();                                   // once a second: what the charts and rates need, shown or not
    void updateViews(QWidget *only);                 // the view `only` (all when null) from the live state
    void refreshFleet();                             // the Cluster tab and the status bar's fleet line, in fleet mode
    SourceStatusLookup backendSourceStatus() const;  // discovery's sources, for the Backends tab
    QJsonObject backendSources() const;              // every source's status by key, those that found nothing included
    void onConfigChanged(quint64 revision);
    void setupTray();
    void setupMenus();  // mainwindowmenus.cpp
    void noteHealthChange(const QString &backend, bool healthy, const QString &reason);
    void rememberConfig(const QString &path);
    void fillRecentMenu();
    QString selectedRoute() const;
    void selectRoute(const QString &externalPath);

    GatewayService &m_service;
    QTabWidget *m_tabs;
    QMenu *m_recentMenu = nullptr;
    QString m_lastNotification;
    QLabel *m_banner;  // errors: they stay until the next message
    QLabel *m_note;    // showInfo()
    RoutesModel *m_routes;
    QSortFilterProxyModel *m_routesFilter;
    QTableView *m_routesView;
    QWidget *m_routesTab = nullptr;
    QLineEdit *m_routesFilterEdit = nullptr;
    QWidget *m_backendsTab = nullptr;
    BackendsModel *m_backends;
    BackendsView *m_backendsView = nullptr;
    QListWidget *m_healthChanges;
    BackendChart *m_backendChart;
    OverviewView *m_overview;
    CanaryView *m_canary = nullptr;
    MetricsView *m_metrics;
    TrafficView *m_traffic;
    BreakpointsView *m_breakpointsView = nullptr;
    ConfigEditor *m_configEditor;
    QLabel *m_listenLabel;
    QLabel *m_configLabel;
    QLabel *m_versionLabel;
    QLabel *m_stateLabel;
    QLabel *m_rateLabel;
    QLabel *m_fleetLabel;
    ClusterView *m_cluster = nullptr;  // added once the service runs in fleet mode
    QToolButton *m_startStop;
    QSystemTrayIcon *m_tray = nullptr;
    QTimer *m_timer;
    bool m_quitting = false;
};

// Starts the service and shows the window; with a screenshot path, renders every view and
// returns at once. Returns the application's exit status.
int runDesktop(GatewayService &service, const ServiceOptions &options, const QString &screenshotPath);

}  // namespace kairos
