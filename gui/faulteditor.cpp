#include "faulteditor.h"

#include "ruleformparts.h"

#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QSpinBox>

namespace kairos {

namespace {
QDoubleSpinBox *percentBox(double value)
{
    auto *box = new QDoubleSpinBox;
    box->setRange(0, 100);
    box->setDecimals(1);
    box->setSuffix(QStringLiteral(" %"));
    box->setValue(value);
    return box;
}
}  // namespace

FaultEditor::FaultEditor(const std::optional<FaultSettings> &fault, QWidget *parent)
    : QWidget(parent),
      m_base(fault && !fault->off ? *fault : FaultSettings()),
      m_mode(new OverrideChoice),
      m_fields(new QWidget),
      m_delay(new QGroupBox(tr("Delay"))),
      m_delayMs(new QSpinBox),
      m_abort(new QGroupBox(tr("Abort"))),
      m_abortStatus(new QSpinBox),
      m_header(new QLineEdit(m_base.header))
{
    m_mode->setMode(OverrideChoice::modeOf(fault));
    const FaultSettings::Delay delay = m_base.delay.value_or(FaultSettings::Delay());
    m_delay->setCheckable(true);
    m_delay->setChecked(m_base.delay.has_value());
    m_delayPercent = percentBox(delay.percent);
    m_delayMs->setRange(0, 600'000);
    m_delayMs->setSuffix(QStringLiteral(" ms"));
    m_delayMs->setValue(delay.ms);
    auto *delayForm = new QFormLayout(m_delay);
    delayForm->addRow(tr("Of requests"), m_delayPercent);
    delayForm->addRow(tr("Wait"), m_delayMs);

    const FaultSettings::Abort abort = m_base.abort.value_or(FaultSettings::Abort());
    m_abort->setCheckable(true);
    m_abort->setChecked(m_base.abort.has_value());
    m_abortPercent = percentBox(abort.percent);
    m_abortStatus->setRange(100, 599);
    m_abortStatus->setValue(abort.status);
    auto *abortForm = new QFormLayout(m_abort);
    abortForm->addRow(tr("Of requests"), m_abortPercent);
    abortForm->addRow(tr("Answer with status"), m_abortStatus);

    m_header->setPlaceholderText(tr("none; e.g. X-Fault (\"delay=2000\", \"abort=503\")"));
    auto *boxes = new QHBoxLayout;
    boxes->addWidget(m_delay);
    boxes->addWidget(m_abort);
    auto *fields = new QFormLayout(m_fields);
    fields->setContentsMargins(0, 0, 0, 0);
    fields->addRow(boxes);
    fields->addRow(tr("Request field asking for a fault"), m_header);
    auto *form = new QFormLayout(this);
    form->addRow(tr("Faults"), m_mode);
    form->addRow(m_fields);

    m_fields->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Maximum);  // rows together, at the top
    auto update = [this] { m_fields->setEnabled(m_mode->mode() == OverrideChoice::Own); };
    update();
    connect(m_mode, &QComboBox::currentIndexChanged, this, update);
    connect(m_mode, &QComboBox::currentIndexChanged, this, &FaultEditor::changed);
    for (QGroupBox *box : {m_delay, m_abort})
        connect(box, &QGroupBox::toggled, this, &FaultEditor::changed);
    for (QDoubleSpinBox *box : {m_delayPercent, m_abortPercent})
        connect(box, &QDoubleSpinBox::valueChanged, this, &FaultEditor::changed);
    for (QSpinBox *box : {m_delayMs, m_abortStatus})
        connect(box, &QSpinBox::valueChanged, this, &FaultEditor::changed);
    connect(m_header, &QLineEdit::textChanged, this, &FaultEditor::changed);
}

std::optional<FaultSettings> FaultEditor::value() const
{
    FaultSettings fault = m_base;
    if (m_delay->isChecked()) {
        FaultSettings::Delay delay = fault.delay.value_or(FaultSettings::Delay());
        delay.percent = m_delayPercent->value();
        delay.ms = m_delayMs->value();
        fault.delay = delay;
    } else {
        fault.delay.reset();
    }
    if (m_abort->isChecked()) {
        FaultSettings::Abort abort = fault.abort.value_or(FaultSettings::Abort());
        abort.percent = m_abortPercent->value();
        abort.status = m_abortStatus->value();
        fault.abort = abort;
    } else {
        fault.abort.reset();
    }
    fault.header = m_header->text().trimmed();
    return m_mode->choose(fault);
}

}  // namespace kairos
