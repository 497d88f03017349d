#include "mainwindow.h"

#include "breakpointsview.h"
#include "canaryview.h"

#include "backendchart.h"
#include "backendsmodel.h"
#include "backendsview.h"
#include "responsivenesswatch.h"
#include "clusterview.h"
#include "configeditor.h"
#include "exchangeroutes.h"
#include "faultswitch.h"
#include "metricsview.h"
#include "overviewview.h"
#include "routeeditor.h"
#include "routesmodel.h"
#include "trafficview.h"

#include "config/configwriter.h"
#include "discovery/discovery.h"
#include "fleet/fleetsync.h"
#include "proxy/backendreport.h"

#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QMessageBox>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStatusBar>
#include <QSystemTrayIcon>
#include <QTabWidget>
#include <QTableView>
#include <QTime>
#include <QTimer>

#include <algorithm>
#include <QToolButton>
#include <QVBoxLayout>

namespace kairos {

MainWindow::MainWindow(GatewayService &service, QWidget *parent)
    : QMainWindow(parent),
      m_service(service),
      m_tabs(new QTabWidget),
      m_banner(new QLabel),
      m_note(nullptr),
      m_routes(new RoutesModel(this)),
      m_routesFilter(new QSortFilterProxyModel(this)),
      m_routesView(new QTableView),
      m_backends(new BackendsModel(this)),
      m_healthChanges(new QListWidget),
      m_backendChart(new BackendChart),
      m_overview(new OverviewView(service)),
      m_metrics(new MetricsView),
      m_traffic(new TrafficView(service.recentRequests())),
      m_configEditor(new ConfigEditor(service.configStore())),
      m_listenLabel(new QLabel),
      m_configLabel(new QLabel),
      m_versionLabel(new QLabel),
      m_stateLabel(new QLabel),
      m_rateLabel(new QLabel),
      m_fleetLabel(new QLabel),
      m_startStop(new QToolButton),
      m_timer(new QTimer(this))
{
    setWindowTitle(tr("Kairos Gateway"));
    setWindowIcon(QIcon(QStringLiteral(":/kairos/icons/kairos.png")));
    m_banner->setWordWrap(true);
    m_banner->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_banner->hide();

    m_backendsView = new BackendsView(m_backends);
    QWidget *routesTab = makeRoutesTab();
    m_routesTab = routesTab;
    // Above the list, the latest health changes, newest first (they scroll out of the log).
    m_healthChanges->setMaximumHeight(72);
    m_healthChanges->setToolTip(tr("Backends taken down or brought back by their health checks"));
    m_healthChanges->hide();  // until the first change
    auto *backendsTab = new QWidget;
    m_backendsTab = backendsTab;
    auto *backendsLayout = new QVBoxLayout(backendsTab);
    backendsLayout->setContentsMargins(0, 0, 0, 0);
    backendsLayout->addWidget(m_healthChanges);
    auto *backendsSplit = new QSplitter(Qt::Vertical);
    backendsSplit->addWidget(m_backendsView);
    backendsSplit->addWidget(m_backendChart);
    backendsSplit->setStretchFactor(0, 2);
    backendsSplit->setStretchFactor(1, 1);
    backendsLayout->addWidget(backendsSplit, 1);
    connect(m_backendsView, &BackendsView::backendSelected, m_backendChart, &BackendChart::show);
    // Object names name the screenshot files (saveScreenshots()).
    m_overview->setObjectName(QStringLiteral("overview"));
    routesTab->setObjectName(QStringLiteral("routes"));
    backendsTab->setObjectName(QStringLiteral("backends"));
    m_metrics->setObjectName(QStringLiteral("metrics"));
    m_traffic->setObjectName(QStringLiteral("traffic"));
    m_traffic->setGatewayUrl([this] { return m_service.listenUrl(); });
    connect(m_traffic, &TrafficView::mockRequested, this, [this](const RequestRecord &record) {
        openExchangeRoute(mockRouteFor(record, *m_service.configStore().current()),
                          tr("A mock made from %1 %2 (status %3). Nothing changes until you apply it.")
                              .arg(QString::fromLatin1(record.method), QString::fromLatin1(record.target))
                              .arg(record.status));
    });
    connect(m_traffic, &TrafficView::corsRequested, this, [this](const RequestRecord &record) {
        openExchangeRoute(corsRouteFor(record, *m_service.configStore().current()),
                          tr("CORS for %1 added to this route's policy. Nothing changes until you apply it.")
                              .arg(QString::fromLatin1(record.requestHeaders.value("origin"))));
    });
    m_configEditor->setObjectName(QStringLiteral("config"));
    m_tabs->addTab(m_overview, tr("Overview"));
    m_tabs->addTab(routesTab, tr("Routes"));
    connect(m_overview, &OverviewView::routeActivated, this, [this, routesTab](const QString &route) {
        m_tabs->setCurrentWidget(routesTab);
        selectRoute(route);
    });
    connect(m_overview, &OverviewView::errorActivated, this, [this] { m_tabs->setCurrentWidget(m_traffic); });
    m_tabs->addTab(backendsTab, tr("Backends"));
    m_canary = new CanaryView(service);
    m_canary->setObjectName(QStringLiteral("canary"));
    m_tabs->addTab(m_canary, tr("Canary"));
    m_tabs->addTab(m_metrics, tr("Metrics"));
    m_tabs->addTab(m_traffic, tr("Traffic"));
    m_breakpointsView = new BreakpointsView(service.breakpoints());
    m_breakpointsView->setObjectName(QStringLiteral("breakpoints"));
    m_tabs->addTab(m_breakpointsView, tr("Breakpoints"));
    m_tabs->addTab(m_configEditor, tr("Config"));

    auto *central = new QWidget;
    auto *layout = new QVBoxLayout(central);
    layout->addWidget(m_banner);
    layout->addWidget(m_tabs);
    setCentralWidget(central);
    m_note = new QLabel(central);  // over the views, not in the layout
    m_note->setStyleSheet(QStringLiteral("background:#e3f1e4;color:#1b5e20;padding:8px;border-radius:4px;"
                                         "border:1px solid #a5d6a7;"));
    m_note->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_note->setWordWrap(true);
    m_note->hide();

    m_listenLabel->setTextFormat(Qt::RichText);
    m_listenLabel->setToolTip(tr("Click to copy the URL"));
    connect(m_listenLabel, &QLabel::linkActivated, this, [this](const QString &url) {
        QGuiApplication::clipboard()->setText(url);
        statusBar()->showMessage(tr("Copied %1").arg(url), 3000);
    });
    m_startStop->setAutoRaise(true);
    connect(m_startStop, &QToolButton::clicked, this, [this] {
        if (m_service.isListening()) {
            m_service.stop();
            return;
        }
        QString error;
        if (!m_service.restart(&error))
            showError(error);
    });
    statusBar()->addWidget(m_stateLabel);
    statusBar()->addWidget(m_listenLabel);
    statusBar()->addWidget(m_startStop);
    statusBar()->addPermanentWidget(m_fleetLabel);
    m_fleetLabel->hide();
    statusBar()->addPermanentWidget(m_rateLabel);
    statusBar()->addPermanentWidget(m_versionLabel);
    statusBar()->addPermanentWidget(m_configLabel);

    ConfigStore &store = m_service.configStore();
    connect(&store, &ConfigStore::configChanged, this,
            [this](ConfigSnapshot, quint64 revision) { onConfigChanged(revision); });
    connect(
        &store, &ConfigStore::changeRejected, this, [this](const QString &source, const QList<ConfigProblem> &errors) {
            QStringList lines;
            for (const ConfigProblem &problem : errors)
                lines.append(problem.toString());
            showError(tr("A config change from %1 was rejected; the gateway keeps running the last good config:\n%2")
                          .arg(source, lines.join(QLatin1Char('\n'))));
        });
    connect(m_configEditor, &ConfigEditor::message, this,
            [this](const QString &text, bool error) { error ? showError(text) : showInfo(text); });
    connect(&m_service, &GatewayService::listeningChanged, this, &MainWindow::refreshStatus);
    connect(&m_service, &GatewayService::backendHealthChanged, this,
            [this](const QString &backend, bool healthy, const QString &reason) {
                noteHealthChange(backend, healthy, reason);
                if (healthy)
                    notify(tr("Backend up"), tr("%1 answers its health checks again.").arg(backend));
                else
                    notify(tr("Backend down"), tr("%1 failed its health checks: %2").arg(backend, reason));
            });
    // Each second the numbers are sampled, but only the view on screen is redrawn from them
    // (5,000 routes: the whole window refreshed each second held a core's tenth).
    connect(m_timer, &QTimer::timeout, this, [this] {
        sample();
        updateViews(m_tabs->currentWidget());
    });
    connect(m_tabs, &QTabWidget::currentChanged, this, [this] { updateViews(m_tabs->currentWidget()); });
    m_timer->start(1000);

    setupTray();
    setupMenus();
    if (!store.filePath().isEmpty())
        rememberConfig(store.filePath());
    QSettings settings;
    if (!restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray()))
        resize(1100, 640);
    // The view shown when the console was last closed, by its object name.
    const QString lastView = settings.value(QStringLiteral("window/view")).toString();
    for (int i = 0; i < m_tabs->count(); ++i) {
        if (!lastView.isEmpty() && m_tabs->widget(i)->objectName() == lastView)
            m_tabs->setCurrentIndex(i);
    }
    new ResponsivenessWatch(this);
    m_metrics->setGateway(m_service.gateway());
    onConfigChanged(store.revision());
}

MainWindow::~MainWindow()
{
    QSettings().setValue(QStringLiteral("window/geometry"), saveGeometry());
    QSettings().setValue(QStringLiteral("window/view"), m_tabs->currentWidget()->objectName());
}

QWidget *MainWindow::makeRoutesTab()
{
    m_routesFilter->setSourceModel(m_routes);
    m_routesFilter->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_routesFilter->setFilterKeyColumn(-1);
    m_routesView->setModel(m_routesFilter);
    m_routesView->setSortingEnabled(true);
    m_routesView->sortByColumn(RoutesModel::ExternalPath, Qt::AscendingOrder);
    m_routesView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_routesView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_routesView->verticalHeader()->hide();
    m_routesView->horizontalHeader()->setStretchLastSection(true);
    connect(m_routesView, &QTableView::doubleClicked, this, [this] { openRouteEditor(selectedRoute()); });
    m_routesView->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_routesView, &QWidget::customContextMenuRequested, this, &MainWindow::showRouteMenu);

    auto *filter = new QLineEdit;
    m_routesFilterEdit = filter;
    filter->setPlaceholderText(tr("Filter routes"));
    filter->setClearButtonEnabled(true);
    connect(filter, &QLineEdit::textChanged, m_routesFilter, &QSortFilterProxyModel::setFilterFixedString);
    auto button = [](const QString &text) {
        auto *button = new QToolButton;
        button->setText(text);
        return button;
    };
    QToolButton *add = button(tr("Add"));
    QToolButton *edit = button(tr("Edit"));
    QToolButton *duplicate = button(tr("Duplicate"));
    QToolButton *remove = button(tr("Delete"));
    connect(add, &QToolButton::clicked, this, [this] { openRouteEditor(QString()); });
    connect(edit, &QToolButton::clicked, this, [this] { openRouteEditor(selectedRoute()); });
    connect(duplicate, &QToolButton::clicked, this, [this] {
        const ConfigSnapshot config = m_service.configStore().current();
        const Route *route = config->findRoute(selectedRoute());
        if (!route)
            return;
        Route copy = *route;
        copy.externalPath += QLatin1String("-copy");
        RouteEditor editor(m_service.configStore(), QString(), copy, this);
        editor.exec();
    });
    connect(remove, &QToolButton::clicked, this, [this] {
        const ConfigSnapshot config = m_service.configStore().current();
        const Route *route = config->findRoute(selectedRoute());
        if (!route
            || QMessageBox::question(this, tr("Delete route"), tr("Delete the route %1?").arg(route->externalPath))
                   != QMessageBox::Yes)
            return;
        QString why;
        if (!deleteRoute(*route, &why))
            showError(tr("The route was not deleted: %1").arg(why));
    });
    auto *tools = new QHBoxLayout;
    for (QToolButton *tool : {add, edit, duplicate, remove})
        tools->addWidget(tool);
    tools->addWidget(filter, 1);
    auto *tab = new QWidget;
    auto *layout = new QVBoxLayout(tab);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(tools);
    layout->addWidget(m_routesView);
    return tab;
}

void MainWindow::showRouteMenu(const QPoint &position)
{
    const ConfigSnapshot config = m_service.configStore().current();
    const Route *route = config->findRoute(selectedRoute());
    if (!route)
        return;
    const QString path = route->externalPath;
    QMenu menu;
    menu.addAction(tr("Edit…"), this, [this, path] { openRouteEditor(path); });
    if (route->split()) {
        menu.addAction(tr("Show canary"), this, [this, path] {
            m_tabs->setCurrentWidget(m_canary);
            m_canary->selectRoute(path);
        });
    }
    QAction *faults = menu.addAction(tr("Inject faults"));
    faults->setCheckable(true);
    faults->setChecked(faultsInjected(*config, *route));
    faults->setEnabled(!Config::answersItself(*route));
    faults->setToolTip(tr("Off writes \"fault\": null and keeps the route's settings in the console; on brings them "
                          "back, or with none kept aborts 10 % of requests with 503 and delays 10 % by 1000 ms."));
    menu.setToolTipsVisible(true);
    connect(faults, &QAction::toggled, this, [this, path](bool on) { setRouteFaults(path, on); });
    menu.exec(m_routesView->viewport()->mapToGlobal(position));
}

bool MainWindow::deleteRoute(const Route &seen, QString *why)
{
    const QJsonObject seenJson = routeToJson(seen);
    const ConfigStore::Change change = m_service.configStore().modify(
        [&](Config &config) -> std::optional<ConfigStore::Refusal> {
            const auto existing = std::find_if(config.routes.begin(), config.routes.end(), [&](const Route &route) {
                return route.externalPath == seen.externalPath;
            });
            if (existing == config.routes.end())
                return ConfigStore::Refusal{404, tr("it was removed meanwhile.")};
            if (routeToJson(*existing) != seenJson)
                return ConfigStore::Refusal{409, tr("it was changed meanwhile; look at it again before deleting it.")};
            config.routes.erase(existing);
            return std::nullopt;
        },
        ConfigStore::Source::Gui);
    if (!change.applied())
        *why = change.message + change.load.errorSummary();
    return change.applied();
}

void MainWindow::selectRoute(const QString &externalPath)
{
    const QModelIndexList found = m_routesFilter->match(m_routesFilter->index(0, RoutesModel::ExternalPath),
                                                        Qt::DisplayRole, externalPath, 1, Qt::MatchExactly);
    if (!found.isEmpty())
        m_routesView->selectRow(found.first().row());
}

QString MainWindow::selectedRoute() const
{
    const QModelIndexList rows = m_routesView->selectionModel()->selectedRows(RoutesModel::ExternalPath);
    return rows.isEmpty() ? QString() : rows.first().data().toString();
}

void MainWindow::openRouteEditor(const QString &externalPath)
{
    const ConfigSnapshot config = m_service.configStore().current();
    const Route *existing = externalPath.isEmpty() ? nullptr : config->findRoute(externalPath);
    Route route;
    if (existing) {
        route = *existing;
    } else {
        route.externalPath = QStringLiteral("/new");
        route.internalPath = QStringLiteral("/");
        route.methods = {QStringLiteral("GET")};
        Backend backend;
        backend.host = QStringLiteral("http://127.0.0.1");
        backend.port = 8080;
        route.backends = {backend};
    }
    openRouteEditor(existing ? externalPath : QString(), route, QString());
}

void MainWindow::openRouteEditor(const QString &original, const Route &route, const QString &notice,
                                 const std::optional<Route> &seen)
{
    auto *editor = new RouteEditor(m_service.configStore(), original, route, this);
    if (seen)
        editor->setSeen(*seen);
    editor->setAttribute(Qt::WA_DeleteOnClose);
    editor->setObjectName(QStringLiteral("routeEditor"));
    editor->setNotice(notice);
    editor->open();
}

bool MainWindow::setRouteFaults(const QString &externalPath, bool on)
{
    QSettings kept;
    const ConfigStore::Change change = setFaultsInjected(m_service.configStore(), externalPath, on, kept);
    if (!change.applied())
        showError(tr("Faults not changed: %1").arg(change.message + change.load.errorSummary()));
    return change.applied();
}

void MainWindow::openExchangeRoute(const std::optional<ExchangeRoute> &made, const QString &notice)
{
    if (!made)
        return;
    QStringList lines{notice};
    lines += made->warnings;
    openRouteEditor(made->original, made->route, lines.join(QLatin1Char('\n')), made->seen);
}

void MainWindow::onConfigChanged(quint64 revision)
{
    const ConfigSnapshot config = m_service.configStore().current();
    m_routes->setConfig(config, m_service.gateway() ? m_service.gateway()->snapshot() : nullptr);
    m_routesView->resizeColumnsToContents();
    QStringList paths;
    for (const Route &route : config->routes)
        paths.append(route.externalPath);
    m_metrics->setRoutes(paths);
    m_configEditor->showRunningConfig();
    m_canary->setRoutes();
    const ConfigStore::Status status = m_service.configStore().status();
    if (revision > 1) {
        const QString text = tr("Config version %1 applied (from %2).").arg(revision).arg(status.lastChangeSource);
        showInfo(text);
        if (status.lastChangeSource != QLatin1String("gui"))
            notify(tr("Config changed"), text);
    }
    refreshStatus();
}

void MainWindow::refresh()
{
    sample();
    updateViews(nullptr);
}

void MainWindow::sample()
{
    m_traffic->poll();
    refreshFleet();
    const double rate = m_metrics->sample();
    m_rateLabel->setText(tr("%1 req/s").arg(rate, 0, 'f', 0));
    m_overview->sample();
    if (Gateway *gateway = m_service.gateway())
        m_backendChart->sample(*gateway->snapshot());
}

void MainWindow::updateViews(QWidget *only)
{
    Gateway *gateway = m_service.gateway();
    if (!gateway)
        return;
    const GatewaySnapshotPtr snapshot = gateway->snapshot();
    const auto shows = [only](QWidget *view) { return !only || only == view; };
    if (shows(m_backendsTab))
        m_backends->setReport(describeBackends(*snapshot, backendSourceStatus()), backendSources());
    if (shows(m_overview))
        m_overview->show();
    if (shows(m_routesTab))
        m_routes->setConfig(m_service.configStore().current(), snapshot);
}

SourceStatusLookup MainWindow::backendSourceStatus() const
{
    const Discovery *discovery = m_service.discovery();
    if (!discovery)
        return {};
    return [discovery](const QString &key) { return discovery->sourceStatus(key); };
}

QJsonObject MainWindow::backendSources() const
{
    QJsonObject sources;
    if (const Discovery *discovery = m_service.discovery()) {
        for (const auto &[key, status] : discovery->statuses())
            sources.insert(key, status.toJson());
    }
    return sources;
}

void MainWindow::refreshFleet()
{
    FleetSync *fleet = m_service.fleet();
    if (!fleet)
        return;
    if (!m_cluster) {
        m_cluster = new ClusterView;
        m_cluster->setObjectName(QStringLiteral("cluster"));
        m_tabs->insertTab(m_tabs->count() - 1, m_cluster, tr("Cluster"));
        m_fleetLabel->show();
    }
    const QJsonObject status = fleet->status();
    m_cluster->setStatus(status);
    m_fleetLabel->setText(ClusterView::summary(status));
    const bool up = status.value(QLatin1String("store")).toObject().value(QLatin1String("up")).toBool();
    m_fleetLabel->setStyleSheet(up ? QString() : QStringLiteral("color:#d03a2f"));
}

void MainWindow::refreshStatus()
{
    const bool listening = m_service.isListening();
    const QString url = m_service.listenUrl();
    m_listenLabel->setText(listening ? QStringLiteral("<a href=\"%1\">%1</a>").arg(url) : tr("not listening"));
    m_stateLabel->setText(listening ? tr("● running") : tr("● stopped"));
    m_stateLabel->setStyleSheet(listening ? QStringLiteral("color:#2e9d4f") : QStringLiteral("color:#d03a2f"));
    m_startStop->setText(listening ? tr("Stop") : tr("Start"));
    m_configLabel->setText(tr("Config: %1").arg(m_service.configStore().filePath()));
    m_versionLabel->setText(tr("version %1").arg(m_service.configStore().revision()));
    refreshFleet();
    if (m_tray)
        m_tray->setToolTip(listening ? tr("Kairos: running on %1").arg(url) : tr("Kairos: stopped"));
}

void MainWindow::showError(const QString &message)
{
    m_banner->setStyleSheet(QStringLiteral("background:#fde2e1;color:#8a1c12;padding:8px;border-radius:4px;"));
    m_banner->setText(message);
    m_banner->show();
    refreshStatus();
}

void MainWindow::showInfo(const QString &message)
{
    m_note->setText(message);
    QWidget *area = m_note->parentWidget();
    // On one line when it fits (a word-wrapped label's size hint is narrower than its text).
    const int textWidth = m_note->fontMetrics().horizontalAdvance(message) + 40;  // padding, border, margins
    const int width = std::min({textWidth, 480, area->width() - 24});
    const int height = m_note->heightForWidth(width);
    m_note->setGeometry(area->width() - width - 16, area->height() - height - 16, width, height);
    m_note->raise();
    m_note->show();
    QTimer::singleShot(6000, m_note, [this, message] {
        if (m_note->text() == message)
            m_note->hide();
    });
}

void MainWindow::setupTray()
{
    if (!QSystemTrayIcon::isSystemTrayAvailable())
        return;
    m_tray = new QSystemTrayIcon(windowIcon(), this);
    auto *menu = new QMenu(this);
    menu->addAction(tr("Show"), this, [this] {
        showNormal();
        activateWindow();
    });
    menu->addAction(tr("Start / Stop"), m_startStop, &QToolButton::click);
    menu->addAction(tr("Quit"), this, [this] {
        m_quitting = true;
        QApplication::quit();
    });
    m_tray->setContextMenu(menu);
    connect(m_tray, &QSystemTrayIcon::activated, this, [this] {
        showNormal();
        activateWindow();
    });
    m_tray->show();
}

void MainWindow::noteHealthChange(const QString &backend, bool healthy, const QString &reason)
{
    constexpr int kKept = 50;
    const QString time = QTime::currentTime().toString(QStringLiteral("HH:mm:ss"));
    auto *item = new QListWidgetItem(healthy ? tr("%1  %2 up").arg(time, backend)
                                             : tr("%1  %2 down: %3").arg(time, backend, reason));
    item->setForeground(healthy ? QColor(0x2e, 0x9d, 0x4f) : QColor(0xd0, 0x3a, 0x2f));  // read on light and dark
    m_healthChanges->insertItem(0, item);
    while (m_healthChanges->count() > kKept)
        delete m_healthChanges->takeItem(m_healthChanges->count() - 1);
    m_healthChanges->show();
}

void MainWindow::notify(const QString &title, const QString &text)
{
    if (!notificationsEnabled())
        return;
    m_lastNotification = title + QLatin1String(": ") + text;
    if (m_tray && m_tray->isVisible())
        m_tray->showMessage(title, text);
}

bool MainWindow::notificationsEnabled() const
{
    return QSettings().value(QStringLiteral("notifications/enabled"), true).toBool();
}

void MainWindow::setNotificationsEnabled(bool enabled)
{
    QSettings().setValue(QStringLiteral("notifications/enabled"), enabled);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    // With a tray icon the gateway keeps proxying in the background; Quit in its menu stops it.
    if (m_tray && m_tray->isVisible() && !m_quitting) {
        hide();
        m_tray->showMessage(tr("Kairos keeps running"),
                            tr("The gateway is still proxying. Quit from this icon's menu."));
        event->ignore();
        return;
    }
    event->accept();
    QApplication::quit();
}

bool MainWindow::saveScreenshots(const QString &path)
{
    const QFileInfo info(path);
    const QString base = info.path() + QLatin1Char('/') + info.completeBaseName();
    bool saved = true;
    for (int i = 0; i < m_tabs->count(); ++i) {
        m_tabs->setCurrentIndex(i);
        QApplication::processEvents();
        saved =
            grab().save(base + QLatin1Char('-') + m_tabs->widget(i)->objectName() + QStringLiteral(".png")) && saved;
    }
    m_tabs->setCurrentIndex(0);
    QApplication::processEvents();
    return grab().save(path) && saved;
}

int runDesktop(GatewayService &service, const ServiceOptions &options, const QString &screenshotPath)
{
    ServiceOptions withTraffic = options;
    withTraffic.recentRequests = 500;
    QString error;
    const bool started = service.start(withTraffic, &error);
    MainWindow window(service);
    if (!started)
        window.showError(error);
    window.show();
    if (!screenshotPath.isEmpty()) {
        // Let the demo traffic of a screenshot run show up in the views first.
        QEventLoop settle;
        QTimer::singleShot(2500, &settle, &QEventLoop::quit);
        settle.exec();
        window.refresh();
        const bool saved = window.saveScreenshots(screenshotPath);
        service.stop();
        return saved ? 0 : 1;
    }
    const int status = QApplication::exec();
    service.stop();
    return status;
}

}  // namespace kairos
