#include "configwatcher.h"

#include "configstore.h"

#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcConfig)

namespace kairos {

namespace {
constexpr int kDebounceMs = 200;
}

ConfigWatcher::ConfigWatcher(ConfigStore &store, QObject *parent)
    : QObject(parent), m_store(store), m_watcher(this), m_debounce(this)
{
    m_debounce.setSingleShot(true);
    m_debounce.setInterval(kDebounceMs);
    connect(&m_debounce, &QTimer::timeout, this, &ConfigWatcher::check);
    connect(&m_watcher, &QFileSystemWatcher::fileChanged, this, &ConfigWatcher::scheduleCheck);
    connect(&m_watcher, &QFileSystemWatcher::directoryChanged, this, &ConfigWatcher::scheduleCheck);
}

void ConfigWatcher::start()
{
    const QFileInfo file(m_store.filePath());
    m_watcher.addPath(file.absolutePath());
    if (file.exists())
        m_watcher.addPath(file.absoluteFilePath());
    qCInfo(lcConfig).noquote() << "watching" << file.absoluteFilePath() << "for changes";
}

void ConfigWatcher::scheduleCheck()
{
    m_debounce.start();
}

void ConfigWatcher::check()
{
    const QString path = QFileInfo(m_store.filePath()).absoluteFilePath();
    // A file replaced by rename is a new inode: watch it again.
    if (QFileInfo::exists(path) && !m_watcher.files().contains(path))
        m_watcher.addPath(path);
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return;  // being replaced, or deleted: wait for the next event
    const QByteArray bytes = file.readAll();
    if (bytes == m_store.lastFileBytes())
        return;
    qCInfo(lcConfig).noquote() << path << "changed on disk; reloading";
    m_store.reloadFromFile();
}

}  // namespace kairos
