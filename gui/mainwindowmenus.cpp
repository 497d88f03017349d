// The main window's menu bar: File (open, save as, recent configs, quit), Edit (add a route,
// find), View (the tabs, full screen), Gateway (start/stop, reload, open in a browser, local
// HTTPS), Help (documentation, about).
#include "mainwindow.h"

#include "config/configwriter.h"
#include "trafficview.h"

#include <QApplication>
#include <QDesktopServices>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QSaveFile>
#include <QSettings>
#include <QTabWidget>
#include <QToolButton>
#include <QUrl>

namespace kairos {

namespace {
const QString kRecentKey = QStringLiteral("config/recent");
constexpr int kRecentCount = 8;

// A page of the documentation: installed beside the binary (share/doc/kairos-gateway), else the source tree's when
// the console runs from a build.
QUrl documentationPage(const QString &page)
{
    const QString installed = QCoreApplication::applicationDirPath() + QStringLiteral("/../" KAIROS_DOC_DIR "/") + page;
    if (QFileInfo::exists(installed))
        return QUrl::fromLocalFile(installed);
    const QString source = QStringLiteral(KAIROS_SOURCE_DOCS "/")
                           + (page == QLatin1String("README.md") ? page : QStringLiteral("docs/") + page);
    return QUrl::fromLocalFile(source);
}
}  // namespace

void MainWindow::setupMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Open config…"), QKeySequence::Open, this, [this] {
        const QString path =
            QFileDialog::getOpenFileName(this, tr("Open config"), QFileInfo(m_service.configStore().filePath()).path(),
                                         tr("JSON config (*.json);;All files (*)"));
        if (!path.isEmpty())
            openConfig(path);
    });
    file->addAction(tr("Save config &as…"), QKeySequence::SaveAs, this, [this] {
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Save config as"), m_service.configStore().filePath(), tr("JSON config (*.json)"));
        if (!path.isEmpty())
            saveConfigAs(path);
    });
    m_recentMenu = file->addMenu(tr("Open &recent"));
    fillRecentMenu();
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, [this] {
        m_quitting = true;
        QApplication::quit();
    });

    QMenu *edit = menuBar()->addMenu(tr("&Edit"));
    edit->addAction(tr("&Add route…"), QKeySequence::New, this, [this] { openRouteEditor(QString()); });
    // The search field of the view on screen: the routes' filter, the traffic inspector's search.
    edit->addAction(tr("&Find"), QKeySequence::Find, this, [this] {
        QLineEdit *field = m_tabs->currentWidget() == m_traffic ? m_traffic->searchEdit() : nullptr;
        if (!field) {
            m_tabs->setCurrentWidget(m_routesTab);
            field = m_routesFilterEdit;
        }
        field->setFocus();
        field->selectAll();
    });

    QMenu *view = menuBar()->addMenu(tr("&View"));
    // Rebuilt on opening: the Cluster tab comes and goes with fleet mode.
    connect(view, &QMenu::aboutToShow, this, [this, view] {
        view->clear();
        for (int i = 0; i < m_tabs->count(); ++i) {
            QAction *action = view->addAction(m_tabs->tabText(i), this, [this, i] { m_tabs->setCurrentIndex(i); });
            if (i < 9)
                action->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i)));
        }
        view->addSeparator();
        QAction *fullScreen = view->addAction(tr("&Full screen"), QKeySequence::FullScreen, this,
                                              [this] { isFullScreen() ? showNormal() : showFullScreen(); });
        fullScreen->setCheckable(true);
        fullScreen->setChecked(isFullScreen());
        QAction *notifications =
            view->addAction(tr("Desktop &notifications"), this, [this](bool on) { setNotificationsEnabled(on); });
        notifications->setCheckable(true);
        notifications->setChecked(notificationsEnabled());
        notifications->setToolTip(
            tr("A backend going down or coming back, a config change from the file, the API or the fleet"));
    });
    // Shortcuts work before the menu was ever opened.
    for (int i = 0; i < 9; ++i) {
        auto *action = new QAction(this);
        action->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i)));
        connect(action, &QAction::triggered, this, [this, i] {
            if (i < m_tabs->count())
                m_tabs->setCurrentIndex(i);
        });
        addAction(action);
    }

    QMenu *gateway = menuBar()->addMenu(tr("&Gateway"));
    gateway->addAction(tr("&Start / Stop"), m_startStop, &QToolButton::click);
    gateway->addAction(tr("&Reload config"), QKeySequence::Refresh, this, [this] {
        const ConfigStore::Change change = m_service.configStore().reloadFromFile();
        if (change.applied())
            showInfo(tr("Config reloaded from %1 (version %2).")
                         .arg(m_service.configStore().filePath())
                         .arg(change.revision));
        else
            showError(tr("The config file was not applied; the gateway keeps the running config:\n%1")
                          .arg(change.message + change.load.errorSummary()));
    });
    gateway->addAction(tr("Open in &browser"), this,
                       [this] { QDesktopServices::openUrl(QUrl(m_service.listenUrl())); });
    gateway->addAction(tr("Local &HTTPS (development certificate)…"), this, [this] {
        QString error;
        const QString instructions =
            m_service.devTlsInstructions().isEmpty() ? m_service.startDevTls(&error) : m_service.devTlsInstructions();
        if (instructions.isEmpty()) {
            showError(tr("HTTPS on localhost could not start: %1").arg(error));
            return;
        }
        QMessageBox box(QMessageBox::Information, tr("Local HTTPS"),
                        tr("Kairos serves HTTPS on localhost with a certificate from its own development "
                           "authority. Nothing was added to any trust store."),
                        QMessageBox::Ok, this);
        box.setDetailedText(instructions);
        box.exec();
    });

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    const std::pair<QString, QString> docs[] = {
        {tr("Getting started"), QStringLiteral("README.md")},
        {tr("Configuration reference"), QStringLiteral("CONFIGURATION.md")},
        {tr("Admin API"), QStringLiteral("API.md")},
        {tr("Fleet mode"), QStringLiteral("FLEET.md")},
        {tr("Deploying"), QStringLiteral("DEPLOYING.md")},
    };
    for (const auto &[title, page] : docs)
        help->addAction(title, this, [page] { QDesktopServices::openUrl(documentationPage(page)); });
    help->addSeparator();
    help->addAction(tr("&About Kairos"), this, [this] { QMessageBox::about(this, tr("About Kairos"), aboutText()); });
    help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
}

QString MainWindow::aboutText() const
{
    return tr("<b>Kairos Gateway %1</b><br>An API gateway with a desktop console.<br>Built with Qt %2, running on Qt "
              "%3.")
        .arg(QStringLiteral(KAIROS_VERSION), QStringLiteral(QT_VERSION_STR), QString::fromLatin1(qVersion()));
}

bool MainWindow::openConfig(const QString &path)
{
    QString error;
    if (!m_service.openConfigFile(path, &error)) {
        showError(tr("The config was not opened; the gateway keeps the running one:\n%1").arg(error));
        return false;
    }
    rememberConfig(path);
    refreshStatus();
    showInfo(tr("Config %1 opened (version %2).").arg(path).arg(m_service.configStore().revision()));
    return true;
}

bool MainWindow::saveConfigAs(const QString &path)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(configToBytes(*m_service.configStore().current())) < 0
        || !file.commit()) {
        showError(tr("The config was not saved to %1: %2").arg(path, file.errorString()));
        return false;
    }
    return openConfig(path);
}

QStringList MainWindow::recentConfigs() const
{
    return QSettings().value(kRecentKey).toStringList();
}

void MainWindow::rememberConfig(const QString &path)
{
    const QString absolute = QFileInfo(path).absoluteFilePath();
    QStringList recent = recentConfigs();
    recent.removeAll(absolute);
    recent.prepend(absolute);
    while (recent.size() > kRecentCount)
        recent.removeLast();
    QSettings settings;
    settings.setValue(kRecentKey, recent);
    settings.setValue(QStringLiteral("config/lastPath"), absolute);  // what the next start opens
    fillRecentMenu();
}

void MainWindow::fillRecentMenu()
{
    m_recentMenu->clear();
    const QStringList recent = recentConfigs();
    for (const QString &path : recent)
        m_recentMenu->addAction(path, this, [this, path] { openConfig(path); });
    m_recentMenu->setEnabled(!recent.isEmpty());
}

}  // namespace kairos
