// The config file's JSON with syntax highlighting: Validate lists every problem with its JSON
// path and marks its line (clicking a problem shows that line); edits not applied are said so,
// and Revert asks before dropping them. Apply goes through ConfigStore (validate, save, swap)
// like the API does, with the revision the text was based on as If-Match: when the running
// config moved meanwhile (an API call, the file, another console, the fleet), nothing is
// applied until the user has seen what changed and chosen to overwrite it, to merge the edits
// onto it (where they touch other routes and sections than the change made meanwhile) or to
// drop the edits.
#pragma once

#include "config/configstore.h"

#include <QWidget>

class QLabel;
class QListWidget;
class QListWidgetItem;
class QPlainTextEdit;
class QPushButton;
class QSyntaxHighlighter;

namespace kairos {

class ConfigEditor : public QWidget
{
    Q_OBJECT

public:
    explicit ConfigEditor(ConfigStore &store, QWidget *parent = nullptr);

    // Shows the running config, unless the text has unapplied edits (then it says so instead);
    // while the view is hidden, once it is shown. `force`: now, over any edits.
    void showRunningConfig(bool force = false);
    QPlainTextEdit *editor() const { return m_editor; }
    QPushButton *applyButton() const { return m_apply; }
    QListWidget *problems() const { return m_problems; }
    // Shown when Apply found the running config moved since the text was loaded.
    QWidget *conflictBar() const { return m_conflict; }
    QLabel *conflictText() const { return m_conflictText; }
    QPushButton *overwriteButton() const { return m_overwrite; }
    QPushButton *mergeButton() const { return m_merge; }
    QPushButton *discardButton() const { return m_discard; }

signals:
    void message(const QString &text, bool error);

protected:
    void showEvent(QShowEvent *event) override;

private:
    bool validate();
    void apply();
    void applyOver(const QString &etag);
    void showConflict();
    void applyMerged();
    void settle(const ConfigStore::Change &change, const QString &refused, const QString &applied);
    QStringList mergeConflicts(const ConfigSnapshot &running);
    int problemPosition(const QByteArray &text, const ConfigProblem &problem) const;
    void showProblem(QListWidgetItem *item);

    ConfigStore &m_store;
    QPlainTextEdit *m_editor;
    QSyntaxHighlighter *m_highlighter = nullptr;
    QListWidget *m_problems;
    QLabel *m_state;
    QPushButton *m_apply;
    ConfigSnapshot m_base;  // the config the text was loaded from
    QString m_baseEtag;     // its revision, as If-Match
    QWidget *m_conflict;
    QLabel *m_conflictText;
    QPushButton *m_overwrite;
    QPushButton *m_merge;
    QPushButton *m_discard;
    ConfigSnapshot m_merged;  // the edits merged onto the running config, when they merge
    QString m_conflictEtag;
    bool m_stale =
        false;  // the running config changed while the view was hidden   // the running revision the user was shown, which Overwrite replaces
};

}  // namespace kairos
