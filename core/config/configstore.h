// The one way to change the running configuration: validate the whole candidate, save it to the
// file (when the change did not come from the file), swap the snapshot, apply it to the gateway.
// The REST API, the file watcher and the GUI all come through here, from any thread; changes are
// serialized, and a candidate that fails validation or cannot be saved changes nothing.
// In fleet mode (setSharedStore()), a valid candidate from the API or the GUI is published to the
// shared store instead, and applied when the store reports it back (applyShared()).
#pragma once

#include "configloader.h"
#include "sharedconfigstore.h"

#include <QDateTime>
#include <QMutex>
#include <QWaitCondition>
#include <QObject>

#include <functional>
#include <optional>

namespace kairos {

class ConfigStore : public QObject
{
    Q_OBJECT

public:
    enum class Source { File, Api, Gui, Cluster };

    struct Change {
        enum Outcome { Applied, Invalid, Refused, Stale, SaveFailed, Unavailable };
        Outcome outcome = Invalid;
        ConfigLoadResult load;  // the candidate's problems and warnings
        QString message;        // for Refused (with refusalCode), SaveFailed and Unavailable
        int refusalCode = 0;    // chosen by the edit that refused, e.g. 404 or 409
        quint64 revision = 0;   // the revision after the call

        bool applied() const { return outcome == Applied; }
    };

    struct Refusal {
        int code;
        QString message;
    };
    // Edits a copy of the current config; returns a refusal to leave everything as it is.
    using Edit = std::function<std::optional<Refusal>(Config &config)>;

    struct Status {
        quint64 revision = 0;
        QString filePath;
        QDateTime lastChangeAt;
        QString lastChangeSource;
        bool lastChangeOk = true;
        QList<ConfigProblem> lastErrors;
        quint64 applied = 0;
        quint64 rejected = 0;
    };

    explicit ConfigStore(QObject *parent = nullptr);

    ConfigSnapshot current() const;
    quint64 revision() const;
    QString etag() const;  // "\"<revision>\"", for HTTP ETag / If-Match
    QString filePath() const;
    void setFilePath(const QString &path);
    // Called, under the store's lock, with every config that becomes current.
    void setApplier(std::function<void(ConfigSnapshot)> applier);
    Status status() const;
    // The bytes this store last read from (valid or not) or wrote to the file; the watcher
    // ignores events that leave the file at these bytes.
    QByteArray lastFileBytes() const;

    Change reloadFromFile();
    Change replace(Config candidate, Source source, std::optional<QString> ifMatch = std::nullopt);
    Change replaceJson(const QByteArray &json, Source source, std::optional<QString> ifMatch = std::nullopt);
    Change modify(const Edit &edit, Source source, std::optional<QString> ifMatch = std::nullopt);

    // Fleet mode: changes go to `shared` (which must outlive the store's use of it); the revision
    // becomes the shared store's. Null: standalone.
    void setSharedStore(SharedConfigStore *shared);
    // Called by the shared store when what it holds changed: composes and applies it as `revision`.
    Change applyShared(quint64 revision);

signals:
    void configChanged(kairos::ConfigSnapshot config, quint64 revision);
    void changeRejected(const QString &source, const QList<kairos::ConfigProblem> &errors);

private:
    // What to signal once the lock is released (a slot may well read the store).
    struct Announcement {
        ConfigSnapshot applied;
        QString rejectedSource;
        QList<ConfigProblem> rejectedErrors;
    };

    Change commit(ConfigLoadResult load, Source source, const QByteArray &fileBytes, Announcement &announcement,
                  std::optional<quint64> revision = std::nullopt);
    Change publish(const ConfigLoadResult &load, Source source, const ConfigSnapshot &base, quint64 baseRevision,
                   std::optional<quint64> ifMatch);
    void announce(const Announcement &announcement, quint64 revision);
    bool save(const QByteArray &bytes, QString *error);
    static QString sourceName(Source source);

    mutable QMutex m_mutex;  // recursive use is avoided: commit() runs with it held
    ConfigSnapshot m_current;
    quint64 m_revision = 0;
    QString m_filePath;
    QByteArray m_lastFileBytes;
    std::function<void(ConfigSnapshot)> m_applier;
    Status m_status;
    SharedConfigStore *m_shared = nullptr;
    QWaitCondition m_revisionApplied;  // publish() waits on it for its own write to come back
};

}  // namespace kairos
