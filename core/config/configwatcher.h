// Applies edits of the config file within about a second. Watches the directory as well as the
// file, since editors save by writing a new file and renaming it over the old one, and tools
// delete and recreate files; bursts of events are coalesced. Content this process wrote itself
// (API and GUI changes) is recognised and not applied twice. A broken file is reported by the
// store and the running config stays.
#pragma once

#include <QFileSystemWatcher>
#include <QObject>
#include <QTimer>

namespace kairos {

class ConfigStore;

class ConfigWatcher : public QObject
{
    Q_OBJECT

public:
    explicit ConfigWatcher(ConfigStore &store, QObject *parent = nullptr);
    void start();

private:
    void scheduleCheck();
    void check();

    ConfigStore &m_store;
    QFileSystemWatcher m_watcher;
    QTimer m_debounce;
};

}  // namespace kairos
