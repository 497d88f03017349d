#include "corseditor.h"

#include "ruleformparts.h"

#include <QCheckBox>
#include <QFormLayout>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QSpinBox>

namespace kairos {

namespace {
const QLatin1String kListSeparator(", ");
}

CorsEditor::CorsEditor(const std::optional<CorsSettings> &cors, QWidget *parent)
    : QWidget(parent),
      m_base(cors && !cors->off ? *cors : CorsSettings()),
      m_mode(new OverrideChoice),
      m_fields(new QWidget),
      m_origins(new QPlainTextEdit),
      m_methods(new QLineEdit),
      m_headers(new QLineEdit),
      m_expose(new QLineEdit),
      m_credentials(new QCheckBox(tr("Allow credentials (cookies, Authorization)"))),
      m_maxAge(new QSpinBox)
{
    m_mode->setMode(OverrideChoice::modeOf(cors));
    m_origins->setPlainText(m_base.allowOrigins.join(QLatin1Char('\n')));
    m_origins->setPlaceholderText(tr("one origin per line: http://localhost:5173, https://*.example.com or *"));
    m_origins->setMaximumHeight(80);
    if (m_base.allowMethods)
        m_methods->setText(m_base.allowMethods->join(kListSeparator));
    m_methods->setPlaceholderText(tr("the route's methods"));
    if (m_base.allowHeaders)
        m_headers->setText(m_base.allowHeaders->join(kListSeparator));
    m_headers->setPlaceholderText(tr("whatever a preflight asks for; * for any"));
    m_expose->setText(m_base.exposeHeaders.join(kListSeparator));
    m_credentials->setChecked(m_base.allowCredentials);
    m_maxAge->setRange(0, 86'400);
    m_maxAge->setSuffix(QStringLiteral(" s"));
    m_maxAge->setValue(m_base.maxAgeS);

    auto *fields = new QFormLayout(m_fields);
    fields->setContentsMargins(0, 0, 0, 0);
    fields->addRow(tr("Allowed origins"), m_origins);
    fields->addRow(tr("Allowed methods"), m_methods);
    fields->addRow(tr("Allowed request fields"), m_headers);
    fields->addRow(tr("Exposed response fields"), m_expose);
    fields->addRow(QString(), m_credentials);
    fields->addRow(tr("Preflight cache (max_age_s)"), m_maxAge);
    auto *form = new QFormLayout(this);
    form->addRow(tr("CORS"), m_mode);
    form->addRow(m_fields);

    m_fields->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Maximum);  // rows together, at the top
    auto update = [this] { m_fields->setEnabled(m_mode->mode() == OverrideChoice::Own); };
    update();
    connect(m_mode, &QComboBox::currentIndexChanged, this, update);
    connect(m_mode, &QComboBox::currentIndexChanged, this, &CorsEditor::changed);
    connect(m_origins, &QPlainTextEdit::textChanged, this, &CorsEditor::changed);
    for (QLineEdit *edit : {m_methods, m_headers, m_expose})
        connect(edit, &QLineEdit::textChanged, this, &CorsEditor::changed);
    connect(m_credentials, &QCheckBox::toggled, this, &CorsEditor::changed);
    connect(m_maxAge, &QSpinBox::valueChanged, this, &CorsEditor::changed);
}

std::optional<CorsSettings> CorsEditor::value() const
{
    CorsSettings cors = m_base;
    cors.allowOrigins = splitList(m_origins->toPlainText());
    const QStringList methods = splitList(m_methods->text());
    cors.allowMethods = methods.isEmpty() ? std::nullopt : std::optional<QStringList>(methods);
    const QStringList headers = splitList(m_headers->text());
    cors.allowHeaders = headers.isEmpty() ? std::nullopt : std::optional<QStringList>(headers);
    cors.exposeHeaders = splitList(m_expose->text());
    cors.allowCredentials = m_credentials->isChecked();
    cors.maxAgeS = m_maxAge->value();
    return m_mode->choose(cors);
}

}  // namespace kairos
