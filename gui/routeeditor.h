// Adds or edits one route: paths, methods as check boxes, auth, strategy, a backends table (with
// each backend's own rate limit and max_connections), the retry policy and the route's protection (ProtectionEditor). The route is validated as part of the whole config on every edit; Apply is
// enabled only when there is no problem, and goes through ConfigStore like every change.
#pragma once

#include "config/configstore.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QGroupBox;
class QLineEdit;
class QListWidget;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace kairos {

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
    QPushButton *applyButton() const { return m_apply; }
    ProtectionEditor *protectionEditor() const { return m_protection; }
    QTableWidget *backendsTable() const { return m_backends; }

private:
    void addBackendRow(const Backend &backend);
    void revalidate();
    void apply();
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
    QListWidget *m_problems;
    QPushButton *m_apply;
};

}  // namespace kairos
