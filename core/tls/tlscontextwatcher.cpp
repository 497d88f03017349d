#include "tlscontextwatcher.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcTls)

namespace kairos {

namespace {

constexpr int kSettleMs = 250;

QStringList filesOf(const TlsSettings &settings)
{
    QStringList files{settings.certFile, settings.keyFile};
    for (const TlsCertificate &certificate : settings.certificates)
        files << certificate.certFile << certificate.keyFile;
    if (!settings.clientCaFile.isEmpty())
        files << settings.clientCaFile;
    files.removeDuplicates();
    return files;
}

}  // namespace

TlsContextWatcher::TlsContextWatcher(QObject *parent) : QObject(parent), m_watcher(this), m_settle(this)
{
    m_settle.setSingleShot(true);
    m_settle.setInterval(kSettleMs);
    connect(&m_settle, &QTimer::timeout, this, &TlsContextWatcher::reload);
    // A file replaced by a rename leaves the watch list, its directory's change brings it back.
    connect(&m_watcher, &QFileSystemWatcher::fileChanged, &m_settle, qOverload<>(&QTimer::start));
    connect(&m_watcher, &QFileSystemWatcher::directoryChanged, &m_settle, qOverload<>(&QTimer::start));
}

QByteArray TlsContextWatcher::fingerprint() const
{
    QCryptographicHash hash(QCryptographicHash::Sha256);
    for (const QString &path : filesOf(m_settings)) {
        QFile file(path);
        hash.addData(path.toUtf8());
        if (file.open(QIODevice::ReadOnly))
            hash.addData(file.readAll());
    }
    return hash.result();
}

bool TlsContextWatcher::apply(const TlsSettings &settings, QString *error)
{
    const bool sameSettings = m_current && settings == m_settings;
    m_settings = settings;
    watch();
    const QByteArray now = fingerprint();
    if (sameSettings && now == m_loadedFingerprint) {
        m_lastError.clear();  // back to what is loaded
        return true;
    }
    QString loadError;
    TlsServerContextPtr made = TlsServerContext::create(settings, &loadError);
    if (!made) {
        m_lastError = loadError;
        *error = loadError;
        return false;
    }
    m_current = std::move(made);
    m_loadedFingerprint = now;
    m_lastError.clear();
    return true;
}

void TlsContextWatcher::reload()
{
    const TlsServerContextPtr before = m_current;
    QString error;
    if (!apply(m_settings, &error)) {
        qCWarning(lcTls).noquote() << "TLS certificates not reloaded, the previous ones stay in use:" << error;
        emit filesReloaded(false);
        return;
    }
    if (m_current != before) {
        qCInfo(lcTls) << "TLS certificates reloaded";
        emit filesReloaded(true);
    }
}

void TlsContextWatcher::watch()
{
    if (!m_watcher.files().isEmpty())
        m_watcher.removePaths(m_watcher.files());
    if (!m_watcher.directories().isEmpty())
        m_watcher.removePaths(m_watcher.directories());
    const QStringList files = filesOf(m_settings);
    QStringList directories;
    for (const QString &file : files)
        directories << QFileInfo(file).absolutePath();
    directories.removeDuplicates();
    m_watcher.addPaths(files);
    m_watcher.addPaths(directories);
}

}  // namespace kairos
