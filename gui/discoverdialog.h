// Adds or changes a route's discover entry (docs/DISCOVERY.md): the source (a DNS name, an SRV
// name or a service registered in etcd) and how it is looked up. Only what applies to the chosen
// kind is shown; the others keep their defaults, which is what the validator asks of them. The
// entry's problems, as the config validator words them for the route, show as it is edited.
#pragma once

#include "config/config.h"

#include <QDialog>

#include <functional>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QListWidget;
class QSpinBox;

namespace kairos {

class DiscoverDialog : public QDialog
{
    Q_OBJECT

public:
    // The problems the route would have with these settings in its entry, paths as from the entry.
    using Check = std::function<QStringList(const DiscoverySettings &)>;

    DiscoverDialog(const DiscoverySettings &settings, Check check, QWidget *parent = nullptr);

    DiscoverySettings settings() const;
    QComboBox *kindBox() const { return m_kind; }
    QLineEdit *nameEdit() const { return m_name; }
    QSpinBox *portBox() const { return m_port; }
    QComboBox *schemeBox() const { return m_scheme; }
    QSpinBox *refreshBox() const { return m_refresh; }
    QCheckBox *respectTtlBox() const { return m_respectTtl; }
    QLineEdit *nameserversEdit() const { return m_nameservers; }
    QSpinBox *weightBox() const { return m_weight; }
    QListWidget *problemsList() const { return m_problems; }
    QDialogButtonBox *buttons() const { return m_buttons; }

private:
    void showKind();
    void revalidate();

    DiscoverySettings m_base;  // keeps the keys this form does not know
    Check m_check;
    QFormLayout *m_form;
    QComboBox *m_kind;
    QLabel *m_about;
    QLineEdit *m_name;
    QSpinBox *m_port;
    QComboBox *m_scheme;
    QSpinBox *m_refresh;
    QCheckBox *m_respectTtl;
    QLineEdit *m_nameservers;
    QSpinBox *m_weight;
    QListWidget *m_problems;
    QDialogButtonBox *m_buttons;
};

}  // namespace kairos
