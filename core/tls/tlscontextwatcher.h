// The TLS listener's current context, made from server.tls and made again when the settings or
// the files they name change: a renewed certificate (certbot, cert-manager) serves new
// connections without a restart. A change that does not load (a key that no longer matches, a
// half-written file) keeps the previous context, and is logged and kept in lastError() until a
// later change loads. Lives on the gateway's thread.
#pragma once

#include "tlsservercontext.h"

#include <QFileSystemWatcher>
#include <QObject>
#include <QTimer>

namespace kairos {

class TlsContextWatcher : public QObject
{
    Q_OBJECT

public:
    explicit TlsContextWatcher(QObject *parent = nullptr);

    // Loads `settings` (unless they are the ones in use and no file changed); false and *error
    // when it fails, keeping the current context.
    bool apply(const TlsSettings &settings, QString *error);
    TlsServerContextPtr current() const { return m_current; }
    QString lastError() const { return m_lastError; }

signals:
    // A changed file was loaded (ok), or did not load and the previous context stays.
    void filesReloaded(bool ok);

private:
    void reload();
    void watch();
    QByteArray fingerprint() const;  // the settings' files as they are now

    TlsSettings m_settings;
    TlsServerContextPtr m_current;
    QByteArray m_loadedFingerprint;
    QString m_lastError;
    QFileSystemWatcher m_watcher;
    QTimer m_settle;  // writers replace a certificate and its key one after the other
};

}  // namespace kairos
