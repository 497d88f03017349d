// Adds or edits one route: paths, methods as check boxes, auth, strategy, a backends table (with
// each backend's own rate limit and max_connections), and on tabs the retry policy, the route's
// protection (ProtectionEditor) and its connection settings (ConnectionEditor). The route is
// validated as part of the whole config on every edit; Apply is enabled only when there is no
// problem, and goes through ConfigStore like every change. A route changed by someone else
// while the editor was open is not overwritten without asking.
#pragma once

#include "config/configstore.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QGroupBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace kairos {

class ConnectionEditor;
class ProtectionEditor;

class RouteEditor : public QDialog
{
    Q_OBJECT

public:
    // `original`: the route being edited (its external path), or empty to add one; `route` fills the form.
    RouteEditor(ConfigStore &store, const QString &original, const Route &route, QWidget *parent = nullptr);

    Route route() const;
    QStringList problems() const;
    QLineEdit *externalPathEdit() const { return m_externalPath; }
    QLineEdit *internalPathEdit() const { return m_internalPath; }
    QPushButton *applyButton() const { return m_apply; }
    ProtectionEditor *protectionEditor() const { return m_protection; }
    ConnectionEditor *connectionEditor() const { return m_connection; }
    QTableWidget *backendsTable() const { return m_backends; }
    // Shown when Apply found the route changed or removed since the editor opened.
    QWidget *conflictBar() const { return m_conflict; }
    QLabel *conflictText() const { return m_conflictText; }
    QPushButton *overwriteButton() const { return m_overwrite; }

private:
    void addBackendRow(const Backend &backend);
    void revalidate();
    // Applies onto the running config. Unless `overwrite`, only when the route is still what the
    // editor opened with: other routes may have changed meanwhile, this one may not.
    void apply(bool overwrite = false);
    Config candidate(int *index) const;

    ConfigStore &m_store;
    QString m_original;
    Route m_base;  // keeps the fields this form does not show
    QLineEdit *m_externalPath;
    QLineEdit *m_internalPath;
    QList<QCheckBox *> m_methodBoxes;
    QLineEdit *m_otherMethods;
    QCheckBox *m_auth;
    QComboBox *m_strategy;
    QTableWidget *m_backends;
    QGroupBox *m_retry;
    QSpinBox *m_attempts;
    QSpinBox *m_initialBackoff;
    QSpinBox *m_maxBackoff;
    QDoubleSpinBox *m_multiplier;
    QLineEdit *m_statusCodes;
    ProtectionEditor *m_protection;
    ConnectionEditor *m_connection;
    QListWidget *m_problems;
    QPushButton *m_apply;
    QWidget *m_conflict;
    QLabel *m_conflictText;
    QPushButton *m_overwrite;
};

}  // namespace kairos
