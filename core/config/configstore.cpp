#include "configstore.h"

#include "configreader.h"
#include "configwriter.h"

#include <QFile>
#include <QLoggingCategory>
#include <QDeadlineTimer>
#include <QSaveFile>

#include <algorithm>

Q_LOGGING_CATEGORY(lcConfig, "kairos.config")

namespace kairos {

namespace {
// How long a published change waits for the shared store's watch to bring it back.
constexpr int kSharedApplyWaitMs = 5'000;
}  // namespace

ConfigStore::ConfigStore(QObject *parent) : QObject(parent) {}

ConfigSnapshot ConfigStore::current() const
{
    QMutexLocker lock(&m_mutex);
    return m_current;
}

quint64 ConfigStore::revision() const
{
    QMutexLocker lock(&m_mutex);
    return m_revision;
}

QString ConfigStore::etag() const
{
    return QStringLiteral("\"%1\"").arg(revision());
}

QString ConfigStore::filePath() const
{
    QMutexLocker lock(&m_mutex);
    return m_filePath;
}

void ConfigStore::setFilePath(const QString &path)
{
    QMutexLocker lock(&m_mutex);
    m_filePath = path;
    m_status.filePath = path;
}

void ConfigStore::setApplier(std::function<void(ConfigSnapshot)> applier)
{
    QMutexLocker lock(&m_mutex);
    m_applier = std::move(applier);
}

ConfigStore::Status ConfigStore::status() const
{
    QMutexLocker lock(&m_mutex);
    Status status = m_status;
    status.revision = m_revision;
    return status;
}

QByteArray ConfigStore::lastFileBytes() const
{
    QMutexLocker lock(&m_mutex);
    return m_lastFileBytes;
}

ConfigStore::Change ConfigStore::reloadFromFile()
{
    Announcement announcement;
    Change change;
    {
        QMutexLocker lock(&m_mutex);
        QFile file(m_filePath);
        if (!file.open(QIODevice::ReadOnly)) {
            ConfigLoadResult failed;
            failed.errors.append({QString(), QStringLiteral("cannot read %1: %2").arg(m_filePath, file.errorString())});
            change = commit(failed, Source::File, QByteArray(), announcement);
        } else {
            const QByteArray bytes = file.readAll();
            // In fleet mode the file holds only this machine's sections; the revision stays the store's.
            change = m_shared ? commit(m_shared->compose(&bytes), Source::File, bytes, announcement, m_revision)
                              : commit(loadConfig(bytes), Source::File, bytes, announcement);
            if (m_shared && change.applied())
                m_shared->localFileApplied(bytes);
        }
    }
    announce(announcement, change.revision);
    return change;
}

ConfigStore::Change ConfigStore::replaceJson(const QByteArray &json, Source source, std::optional<QString> ifMatch)
{
    ConfigReadResult read = readConfig(json);
    if (!read.config || !read.errors.isEmpty()) {
        Announcement announcement;
        Change change;
        {
            QMutexLocker lock(&m_mutex);
            change = commit(loadConfig(json), source, QByteArray(), announcement);  // every problem
        }
        announce(announcement, change.revision);
        return change;
    }
    return replace(std::move(*read.config), source, std::move(ifMatch));
}

ConfigStore::Change ConfigStore::replace(Config candidate, Source source, std::optional<QString> ifMatch)
{
    return modify(
        [&candidate](Config &config) -> std::optional<Refusal> {
            config = std::move(candidate);
            return std::nullopt;
        },
        source, std::move(ifMatch));
}

namespace {

// If-Match (RFC 9110 13.1.1): "*", or a list of entity tags compared strongly: a weak one
// (W/"7") never matches.
bool matchesRevision(const QString &ifMatch, quint64 revision)
{
    const QString current = QStringLiteral("\"%1\"").arg(revision);
    const QStringList tags = ifMatch.split(QLatin1Char(','));
    return std::any_of(tags.begin(), tags.end(), [&current](const QString &tag) {
        const QString trimmed = tag.trimmed();
        return trimmed == current || trimmed == QLatin1String("*");
    });
}

}  // namespace

ConfigStore::Change ConfigStore::modify(const Edit &edit, Source source, std::optional<QString> ifMatch)
{
    Announcement announcement;
    QMutexLocker lock(&m_mutex);
    if (ifMatch && !matchesRevision(*ifMatch, m_revision)) {
        Change stale;
        stale.outcome = Change::Stale;
        stale.revision = m_revision;
        stale.message = QStringLiteral("the config changed since you read it (now at revision %1)").arg(m_revision);
        return stale;
    }
    Config candidate = m_current ? *m_current : Config();
    if (std::optional<Refusal> refusal = edit(candidate)) {
        Change refused;
        refused.outcome = Change::Refused;
        refused.refusalCode = refusal->code;
        refused.message = refusal->message;
        refused.revision = m_revision;
        return refused;
    }
    ConfigLoadResult load = freezeConfig(std::move(candidate));
    if (m_shared && load.ok()) {
        // If-Match has just been compared with this revision: the write is based on it.
        const std::optional<quint64> basedOn =
            ifMatch && ifMatch->trimmed() != QLatin1String("*") ? std::optional<quint64>(m_revision) : std::nullopt;
        const ConfigSnapshot base = m_current;
        const quint64 baseRevision = m_revision;
        lock.unlock();
        return publish(load, source, base, baseRevision, basedOn);
    }
    const Change change = commit(std::move(load), source, QByteArray(), announcement);
    lock.unlock();
    announce(announcement, change.revision);
    return change;
}

void ConfigStore::setSharedStore(SharedConfigStore *shared)
{
    QMutexLocker lock(&m_mutex);
    m_shared = shared;
}

ConfigStore::Change ConfigStore::applyShared(quint64 revision)
{
    Announcement announcement;
    QMutexLocker lock(&m_mutex);
    if (!m_shared)
        return Change();
    const Change change = commit(m_shared->compose(nullptr), Source::Cluster, QByteArray(), announcement, revision);
    m_revisionApplied.wakeAll();
    lock.unlock();
    announce(announcement, change.revision);
    return change;
}

ConfigStore::Change ConfigStore::publish(const ConfigLoadResult &load, Source source, const ConfigSnapshot &base,
                                         quint64 baseRevision, std::optional<quint64> ifMatch)
{
    const SharedConfigStore::Publication published = m_shared->publish(*base, baseRevision, *load.config, ifMatch);
    Change change;
    change.load = load;
    QMutexLocker lock(&m_mutex);
    change.revision = m_revision;
    switch (published.outcome) {
    case SharedConfigStore::Publication::Accepted: {
        // A write answers once this instance serves it: its own watch brings it back.
        QDeadlineTimer deadline(kSharedApplyWaitMs);
        while (m_revision < published.revision && !deadline.hasExpired())
            m_revisionApplied.wait(&m_mutex, deadline);
        if (m_revision < published.revision)
            qCWarning(lcConfig).noquote()
                << "change from" << sourceName(source) << "accepted by the shared store at revision"
                << published.revision << "but not yet back through its watch";
        change.outcome = Change::Applied;
        change.revision = std::max(m_revision, published.revision);
        break;
    }
    case SharedConfigStore::Publication::Refused:
        change.outcome = Change::Refused;
        change.refusalCode = published.refusalCode;
        change.message = published.message;
        break;
    case SharedConfigStore::Publication::Conflict:
        change.outcome = ifMatch ? Change::Stale : Change::Refused;
        change.refusalCode = 409;
        change.message = published.message;
        break;
    case SharedConfigStore::Publication::Unavailable:
        change.outcome = Change::Unavailable;
        change.message = published.message;
        break;
    }
    if (!change.applied())
        qCWarning(lcConfig).noquote() << "config change from" << sourceName(source) << "not applied:" << change.message;
    return change;
}

void ConfigStore::announce(const Announcement &announcement, quint64 revision)
{
    if (announcement.applied)
        emit configChanged(announcement.applied, revision);
    else if (!announcement.rejectedErrors.isEmpty())
        emit changeRejected(announcement.rejectedSource, announcement.rejectedErrors);
}

ConfigStore::Change ConfigStore::commit(ConfigLoadResult load, Source source, const QByteArray &fileBytes,
                                        Announcement &announcement, std::optional<quint64> revision)
{
    Change change;
    change.load = load;
    const QString from = sourceName(source);
    for (const ConfigProblem &warning : load.warnings)
        qCWarning(lcConfig).noquote() << "config warning (" + from + "):" << warning.toString();
    if (source == Source::File)
        m_lastFileBytes = fileBytes;  // seen, good or not: the watcher reacts to the next edit only
    if (!load.ok()) {
        for (const ConfigProblem &error : load.errors)
            qCWarning(lcConfig).noquote() << "config change from" << from << "rejected:" << error.toString();
        change.outcome = Change::Invalid;
        change.revision = m_revision;
        m_status.lastChangeAt = QDateTime::currentDateTimeUtc();
        m_status.lastChangeSource = from;
        m_status.lastChangeOk = false;
        m_status.lastErrors = load.errors;
        ++m_status.rejected;
        announcement.rejectedSource = from;
        announcement.rejectedErrors = load.errors;
        return change;
    }
    if (source != Source::File && !m_shared && !m_filePath.isEmpty()) {
        const QByteArray bytes = configToBytes(*load.config);
        QString error;
        if (!save(bytes, &error)) {
            qCWarning(lcConfig).noquote() << "config change from" << from << "not applied:" << error;
            change.outcome = Change::SaveFailed;
            change.message = error;
            change.revision = m_revision;
            ++m_status.rejected;
            return change;
        }
        m_lastFileBytes = bytes;
    }
    m_current = load.config;
    m_revision = revision ? *revision : m_revision + 1;
    m_status.lastChangeAt = QDateTime::currentDateTimeUtc();
    m_status.lastChangeSource = from;
    m_status.lastChangeOk = true;
    m_status.lastErrors.clear();
    ++m_status.applied;
    if (m_applier)
        m_applier(m_current);
    qCInfo(lcConfig).noquote() << "config revision" << m_revision << "applied from" << from << "with"
                               << m_current->routes.size() << "route(s)";
    change.outcome = Change::Applied;
    change.revision = m_revision;
    announcement.applied = m_current;
    return change;
}

bool ConfigStore::save(const QByteArray &bytes, QString *error)
{
    QSaveFile file(m_filePath);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size()) {
        *error = QStringLiteral("cannot write %1: %2").arg(m_filePath, file.errorString());
        return false;
    }
    // The file holds secrets (JWT secret, admin token): owner only.
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    if (!file.commit()) {
        *error = QStringLiteral("cannot write %1: %2").arg(m_filePath, file.errorString());
        return false;
    }
    return true;
}

QString ConfigStore::sourceName(Source source)
{
    switch (source) {
    case Source::File: return QStringLiteral("file");
    case Source::Api: return QStringLiteral("api");
    case Source::Gui: return QStringLiteral("gui");
    case Source::Cluster: return QStringLiteral("etcd");
    }
    return QString();
}

}  // namespace kairos
