// Adds or edits one route: paths, methods as check boxes, auth, strategy, priority, what the route answers
// with (RouteBehaviourEditor: its backends, or a redirect, a mock or static files), a backends
// table (with each backend's own rate limit and max_connections; a discover entry shows its
// source, changed in DiscoverDialog), and on tabs the retry policy,
// the route's protection (ProtectionEditor), its connection settings (ConnectionEditor), CORS,
// header rules, faults, compression and the traffic split (SplitEditor: with one, the backends
// table lists one group's backends at a time). The route is
// validated as part of the whole config on every edit; Apply is enabled only when there is no
// problem, and goes through ConfigStore like every change. A route changed by someone else
// while the editor was open is not overwritten without asking.
#pragma once

#include "config/configstore.h"

#include <QDialog>
#include <QHash>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QGroupBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QLayout;
class QSpinBox;
class QTabWidget;
class QTableWidget;

namespace kairos {

class CompressionEditor;
class ConnectionEditor;
class CorsEditor;
class FaultEditor;
class HeaderRulesEditor;
class ProtectionEditor;
class RouteBehaviourEditor;
class SplitEditor;

class RouteEditor : public QDialog
{
    Q_OBJECT

public:
    // `original`: the route being edited (its external path), or empty to add one; `route` fills the form.
    RouteEditor(ConfigStore &store, const QString &original, const Route &route, QWidget *parent = nullptr);
    // When the form starts from changes proposed to `original` (a CORS origin from the traffic
    // inspector): `seen` is the route as the config had it, which Apply checks is still there.
    void setSeen(const Route &seen);

    Route route() const;
    QStringList problems() const;
    QLineEdit *externalPathEdit() const { return m_externalPath; }
    QLineEdit *internalPathEdit() const { return m_internalPath; }
    QPushButton *applyButton() const { return m_apply; }
    ProtectionEditor *protectionEditor() const { return m_protection; }
    ConnectionEditor *connectionEditor() const { return m_connection; }
    QTableWidget *backendsTable() const { return m_backends; }
    QPushButton *addDiscoveredButton() const { return m_addDiscovered; }
    QPushButton *editDiscoveredButton() const { return m_editDiscovered; }
    // Opens the discover entry dialog on `row` (a discover entry), or to add one when -1.
    void editDiscovered(int row);
    RouteBehaviourEditor *behaviourEditor() const { return m_behaviour; }
    CorsEditor *corsEditor() const { return m_cors; }
    HeaderRulesEditor *requestHeadersEditor() const { return m_requestHeaders; }
    HeaderRulesEditor *responseHeadersEditor() const { return m_responseHeaders; }
    FaultEditor *faultEditor() const { return m_fault; }
    CompressionEditor *compressionEditor() const { return m_compression; }
    QTabWidget *sectionTabs() const { return m_tabs; }
    SplitEditor *splitEditor() const { return m_split; }
    // With a split: which group's backends the backends table lists (and adds to).
    QComboBox *backendGroupChoice() const { return m_backendGroup; }
    QComboBox *priorityChoice() const { return m_priority; }
    // A line above the form about where the route came from (e.g. a captured exchange).
    void setNotice(const QString &text);
    QLabel *noticeLabel() const { return m_notice; }
    // Shown when Apply found the route changed or removed since the editor opened.
    QWidget *conflictBar() const { return m_conflict; }
    QLabel *conflictText() const { return m_conflictText; }
    QPushButton *overwriteButton() const { return m_overwrite; }

private:
    void addBackendRow(const Backend &backend);
    // Puts `backend` on `row`: a discover entry's source is shown, not edited, in the table.
    void showBackendRow(int row, const Backend &backend);
    const Backend *backendOfRow(int row) const;
    Backend backendAt(int row) const;  // the row's backend with the table's edits
    QWidget *makeRulesTab();
    void showBackends();
    // The backends table's rows of the group chosen above it (all without a split); rows of a
    // group that was removed go to the first group.
    void showGroupBackends();
    int rowGroup(int row) const;
    QList<int> rowsInRouteOrder() const;  // the table's rows as route() lists their backends
    void revalidate();
    // Applies onto the running config. Unless `overwrite`, only when the route is still what the
    // editor opened with: other routes may have changed meanwhile, this one may not.
    void apply(bool overwrite = false);
    Config candidate(const Route &edited, int *index) const;
    QStringList problemsOf(const Route &edited) const;

    ConfigStore &m_store;
    QString m_original;
    Route m_base;        // keeps the fields this form does not show
    QJsonObject m_seen;  // the route as it was when the editor opened, for the conflict check
    QLineEdit *m_externalPath;
    QLineEdit *m_internalPath;
    QList<QCheckBox *> m_methodBoxes;
    QLineEdit *m_otherMethods;
    QCheckBox *m_auth;
    QComboBox *m_strategy;
    QComboBox *m_priority;
    QTableWidget *m_backends;
    SplitEditor *m_split = nullptr;
    QComboBox *m_backendGroup = nullptr;
    QWidget *m_backendGroupRow = nullptr;
    // Each row's backend as the form started it (its cells' data names it), for what the table
    // does not show: TLS verification, a limit's key, a discover entry, unknown keys.
    QHash<int, Backend> m_rowBackends;
    int m_nextRowId = 0;
    QPushButton *m_addDiscovered;
    QPushButton *m_editDiscovered;
    QGroupBox *m_retry;
    QSpinBox *m_attempts;
    QSpinBox *m_initialBackoff;
    QSpinBox *m_maxBackoff;
    QDoubleSpinBox *m_multiplier;
    QLineEdit *m_statusCodes;
    ProtectionEditor *m_protection;
    ConnectionEditor *m_connection;
    RouteBehaviourEditor *m_behaviour;
    CorsEditor *m_cors;
    HeaderRulesEditor *m_requestHeaders;
    HeaderRulesEditor *m_responseHeaders;
    FaultEditor *m_fault;
    CompressionEditor *m_compression;
    QFormLayout *m_form = nullptr;
    QLayout *m_backendRow = nullptr;
    QTabWidget *m_tabs = nullptr;
    QLabel *m_notice;
    QListWidget *m_problems;
    QPushButton *m_apply;
    QWidget *m_conflict;
    QLabel *m_conflictText;
    QPushButton *m_overwrite;
};

}  // namespace kairos
