#include "headerruleseditor.h"

#include "ruleformparts.h"

#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>

namespace kairos {

HeaderRulesEditor::HeaderRulesEditor(const QString &title, const std::optional<HeaderRules> &rules, QWidget *parent)
    : QWidget(parent),
      m_base(rules && !rules->off ? *rules : HeaderRules()),
      m_mode(new OverrideChoice),
      m_fields(new QWidget),
      m_set(new NamedValuesTable(tr("Set field"), tr("Value"))),
      m_add(new NamedValuesTable(tr("Add field"), tr("Value"))),
      m_remove(new QLineEdit)
{
    m_mode->setMode(OverrideChoice::modeOf(rules));
    m_set->setValues(m_base.set);
    m_set->setToolTip(tr("Replaces every field of that name, or adds it. Values may name {client_ip}, "
                         "{request_id}, {route}, {host} and {path}."));
    m_add->setValues(m_base.add);
    m_add->setToolTip(tr("One more field of that name, beside those already there."));
    m_remove->setText(m_base.remove.join(QLatin1String(", ")));
    m_remove->setPlaceholderText(tr("field names, comma separated"));

    auto *tables = new QHBoxLayout;
    tables->addWidget(m_set);
    tables->addWidget(m_add);
    auto *fields = new QFormLayout(m_fields);
    fields->setContentsMargins(0, 0, 0, 0);
    fields->addRow(tables);
    fields->addRow(tr("Remove"), m_remove);
    auto *form = new QFormLayout(this);
    form->addRow(title, m_mode);
    form->addRow(m_fields);

    auto update = [this] { m_fields->setEnabled(m_mode->mode() == OverrideChoice::Own); };
    update();
    connect(m_mode, &QComboBox::currentIndexChanged, this, update);
    connect(m_mode, &QComboBox::currentIndexChanged, this, &HeaderRulesEditor::changed);
    connect(m_set, &NamedValuesTable::changed, this, &HeaderRulesEditor::changed);
    connect(m_add, &NamedValuesTable::changed, this, &HeaderRulesEditor::changed);
    connect(m_remove, &QLineEdit::textChanged, this, &HeaderRulesEditor::changed);
}

std::optional<HeaderRules> HeaderRulesEditor::value() const
{
    HeaderRules rules = m_base;
    rules.set = m_set->values();
    rules.add = m_add->values();
    rules.remove = splitList(m_remove->text());
    return m_mode->choose(rules);
}

}  // namespace kairos
