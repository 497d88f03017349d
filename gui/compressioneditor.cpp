#include "compressioneditor.h"

#include "ruleformparts.h"

#include <QFormLayout>
#include <QLineEdit>
#include <QSpinBox>

namespace kairos {

namespace {
constexpr int kDefault = -1;
}

CompressionEditor::CompressionEditor(const std::optional<CompressionSettings> &compression, QWidget *parent)
    : QWidget(parent),
      m_base(compression && !compression->off ? *compression : CompressionSettings()),
      m_mode(new OverrideChoice),
      m_fields(new QWidget),
      m_encodings(new QLineEdit),
      m_minBytes(new QSpinBox)
{
    m_mode->setMode(OverrideChoice::modeOf(compression));
    if (m_base.encodings)
        m_encodings->setText(m_base.encodings->join(QLatin1String(", ")));
    m_encodings->setPlaceholderText(tr("the gateway's: zstd, br, gzip"));
    m_minBytes->setRange(kDefault, 1 << 30);
    m_minBytes->setSpecialValueText(tr("gateway's"));
    m_minBytes->setSuffix(QStringLiteral(" B"));
    m_minBytes->setValue(m_base.minBytes ? int(*m_base.minBytes) : kDefault);
    auto *fields = new QFormLayout(m_fields);
    fields->setContentsMargins(0, 0, 0, 0);
    fields->addRow(tr("Encodings, preferred first"), m_encodings);
    fields->addRow(tr("Smallest body compressed"), m_minBytes);
    auto *form = new QFormLayout(this);
    form->addRow(tr("Compression"), m_mode);
    form->addRow(m_fields);

    m_fields->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Maximum);  // rows together, at the top
    auto update = [this] { m_fields->setEnabled(m_mode->mode() == OverrideChoice::Own); };
    update();
    connect(m_mode, &QComboBox::currentIndexChanged, this, update);
    connect(m_mode, &QComboBox::currentIndexChanged, this, &CompressionEditor::changed);
    connect(m_encodings, &QLineEdit::textChanged, this, &CompressionEditor::changed);
    connect(m_minBytes, &QSpinBox::valueChanged, this, &CompressionEditor::changed);
}

std::optional<CompressionSettings> CompressionEditor::value() const
{
    CompressionSettings compression = m_base;
    const QStringList encodings = splitList(m_encodings->text());
    compression.encodings = encodings.isEmpty() ? std::nullopt : std::optional<QStringList>(encodings);
    compression.minBytes = m_minBytes->value() == kDefault ? std::nullopt : std::optional<qint64>(m_minBytes->value());
    return m_mode->choose(compression);
}

}  // namespace kairos
