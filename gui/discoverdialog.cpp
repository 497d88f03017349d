#include "discoverdialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace kairos {

DiscoverDialog::DiscoverDialog(const DiscoverySettings &settings, Check check, QWidget *parent)
    : QDialog(parent),
      m_base(settings),
      m_check(std::move(check)),
      m_form(new QFormLayout),
      m_kind(new QComboBox),
      m_about(new QLabel),
      m_name(new QLineEdit(settings.name)),
      m_port(new QSpinBox),
      m_scheme(new QComboBox),
      m_refresh(new QSpinBox),
      m_respectTtl(new QCheckBox(tr("Look up sooner when the records' TTL is shorter (respect_ttl)"))),
      m_nameservers(new QLineEdit(settings.nameservers.join(QLatin1String(", ")))),
      m_weight(new QSpinBox),
      m_problems(new QListWidget),
      m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel))
{
    setWindowTitle(settings.name.isEmpty() ? tr("Add discovered backends") : tr("Discovered backends"));
    using Kind = DiscoverySettings::Kind;
    m_kind->addItem(tr("DNS name (A/AAAA records)"), int(Kind::Dns));
    m_kind->addItem(tr("DNS SRV name"), int(Kind::DnsSrv));
    m_kind->addItem(tr("Service registered in etcd"), int(Kind::Etcd));
    m_kind->setCurrentIndex(m_kind->findData(int(settings.kind)));
    m_about->setWordWrap(true);
    m_port->setRange(0, 65535);
    m_port->setValue(settings.port);
    m_scheme->addItems({QStringLiteral("http"), QStringLiteral("https")});
    if (m_scheme->findText(settings.scheme) < 0)
        m_scheme->addItem(settings.scheme);  // shown as it is written; the validator says what is wrong
    m_scheme->setCurrentText(settings.scheme);
    m_refresh->setRange(0, 86'400'000);
    m_refresh->setSingleStep(1000);
    m_refresh->setSuffix(QStringLiteral(" ms"));
    m_refresh->setValue(settings.refreshMs);
    m_respectTtl->setChecked(settings.respectTtl);
    m_nameservers->setPlaceholderText(tr("the system's resolver; or 127.0.0.1:5353, [::1]:53"));
    m_weight->setRange(0, 1000);
    m_weight->setValue(settings.weight);

    m_form->addRow(tr("Source"), m_kind);
    m_form->addRow(QString(), m_about);
    m_form->addRow(tr("Name"), m_name);
    m_form->addRow(tr("Port"), m_port);
    m_form->addRow(tr("Scheme"), m_scheme);
    m_form->addRow(tr("Refresh every"), m_refresh);
    m_form->addRow(QString(), m_respectTtl);
    m_form->addRow(tr("Nameservers"), m_nameservers);
    m_form->addRow(tr("Weight"), m_weight);
    m_scheme->setToolTip(tr("How the backends found are reached; an etcd registration's own URL wins."));
    m_weight->setToolTip(tr("Every address's weight (SRV records and registrations carry their own)."));

    // The list takes the height the rows of another kind leave.
    m_problems->setMinimumHeight(60);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(m_form);
    layout->addSpacing(6);
    layout->addWidget(new QLabel(tr("Problems")));
    layout->addWidget(m_problems, 1);
    layout->addWidget(m_buttons);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    connect(m_kind, &QComboBox::currentIndexChanged, this, [this] {
        showKind();
        revalidate();
    });
    for (QLineEdit *edit : {m_name, m_nameservers})
        connect(edit, &QLineEdit::textChanged, this, &DiscoverDialog::revalidate);
    for (QSpinBox *spin : {m_port, m_refresh, m_weight})
        connect(spin, &QSpinBox::valueChanged, this, &DiscoverDialog::revalidate);
    connect(m_scheme, &QComboBox::currentTextChanged, this, &DiscoverDialog::revalidate);
    connect(m_respectTtl, &QCheckBox::toggled, this, &DiscoverDialog::revalidate);
    showKind();
    revalidate();
    resize(520, sizeHint().height());
}

void DiscoverDialog::showKind()
{
    using Kind = DiscoverySettings::Kind;
    const auto kind = Kind(m_kind->currentData().toInt());
    const bool dns = kind == Kind::Dns;
    const bool lookedUp = kind != Kind::Etcd;
    m_form->setRowVisible(m_port, dns);
    m_form->setRowVisible(m_weight, dns);
    m_form->setRowVisible(m_refresh, lookedUp);
    m_form->setRowVisible(m_respectTtl, lookedUp);
    m_form->setRowVisible(m_nameservers, lookedUp);
    switch (kind) {
    case Kind::Dns:
        m_about->setText(tr("Every address the name resolves to, on the port below."));
        m_name->setPlaceholderText(QStringLiteral("users.internal"));
        break;
    case Kind::DnsSrv:
        m_about->setText(tr("The target of each SRV record, with the record's port and weight; the lowest "
                            "priority that has targets is used."));
        m_name->setPlaceholderText(QStringLiteral("_http._tcp.users.service.consul"));
        break;
    case Kind::Etcd:
        m_about->setText(tr("The instances registered under services/<name>/ in the fleet's etcd (kairos-gateway "
                            "--register); etcd tells of each change as it happens."));
        m_name->setPlaceholderText(QStringLiteral("users"));
        break;
    }
}

DiscoverySettings DiscoverDialog::settings() const
{
    using Kind = DiscoverySettings::Kind;
    const DiscoverySettings defaults;
    DiscoverySettings settings = m_base;
    settings.kind = Kind(m_kind->currentData().toInt());
    settings.name = m_name->text().trimmed();
    settings.scheme = m_scheme->currentText();
    // What a kind does not use is left at its default: the validator refuses anything else there.
    const bool dns = settings.kind == Kind::Dns;
    const bool lookedUp = settings.kind != Kind::Etcd;
    settings.port = dns ? m_port->value() : defaults.port;
    settings.weight = dns ? m_weight->value() : defaults.weight;
    settings.refreshMs = lookedUp ? m_refresh->value() : defaults.refreshMs;
    settings.respectTtl = lookedUp && m_respectTtl->isChecked();
    settings.nameservers.clear();
    if (lookedUp) {
        for (const QString &server : m_nameservers->text().split(QLatin1Char(','), Qt::SkipEmptyParts)) {
            if (!server.trimmed().isEmpty())
                settings.nameservers.append(server.trimmed());
        }
    }
    return settings;
}

void DiscoverDialog::revalidate()
{
    const QStringList found = m_check ? m_check(settings()) : QStringList();
    m_problems->clear();
    m_problems->addItems(found);
    if (found.isEmpty())
        m_problems->addItem(tr("No problems."));
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(found.isEmpty());
}

}  // namespace kairos
