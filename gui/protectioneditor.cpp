#include "protectioneditor.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLineEdit>
#include <QSpinBox>

namespace kairos {

ProtectionEditor::ProtectionEditor(const Route &route, QWidget *parent)
    : QGroupBox(tr("Protection"), parent),
      m_limitMode(new QComboBox),
      m_rate(new QDoubleSpinBox),
      m_burst(new QSpinBox),
      m_key(new QComboBox),
      m_keyName(new QLineEdit),
      m_scope(new QComboBox)
{
    const std::optional<RateLimitSettings> &own = route.overrides->rateLimit;
    m_baseLimit = own && !own->off ? *own : RateLimitSettings();
    if (m_baseLimit.requestsPerSecond <= 0)
        m_baseLimit.requestsPerSecond = 100;
    m_limitMode->addItem(tr("Top-level rate_limit"), int(LimitMode::TopLevel));
    m_limitMode->addItem(tr("Own limit"), int(LimitMode::Own));
    m_limitMode->addItem(tr("No limit on this route"), int(LimitMode::Off));
    const LimitMode mode = !own ? LimitMode::TopLevel : own->off ? LimitMode::Off : LimitMode::Own;
    m_limitMode->setCurrentIndex(m_limitMode->findData(int(mode)));
    m_rate->setRange(0, 1e9);
    m_rate->setDecimals(3);
    m_rate->setSuffix(tr(" req/s"));
    m_rate->setValue(m_baseLimit.requestsPerSecond);
    m_burst->setRange(0, 1'000'000'000);
    m_burst->setSpecialValueText(tr("a second's worth"));
    m_burst->setValue(m_baseLimit.burst);
    m_key->addItem(tr("client address (client_ip)"), int(RateLimitSettings::Key::ClientIp));
    m_key->addItem(tr("the whole route (route)"), int(RateLimitSettings::Key::Route));
    m_key->addItem(tr("a request field (header:NAME)"), int(RateLimitSettings::Key::Header));
    m_key->addItem(tr("a verified JWT claim (jwt:CLAIM)"), int(RateLimitSettings::Key::JwtClaim));
    m_key->setCurrentIndex(m_key->findData(int(m_baseLimit.key)));
    m_keyName->setText(m_baseLimit.keyName);
    m_keyName->setPlaceholderText(tr("x-api-key, sub, ..."));
    m_scope->addItem(QStringLiteral("instance"), int(RateLimitSettings::Scope::Instance));
    m_scope->addItem(QStringLiteral("fleet"), int(RateLimitSettings::Scope::Fleet));
    m_scope->setCurrentIndex(m_scope->findData(int(m_baseLimit.scope)));

    auto *form = new QFormLayout(this);
    form->addRow(tr("Rate limit"), m_limitMode);
    form->addRow(tr("Rate"), m_rate);
    form->addRow(tr("Burst"), m_burst);
    form->addRow(tr("Key"), m_key);
    form->addRow(tr("Field or claim"), m_keyName);
    form->addRow(tr("Scope"), m_scope);

    connect(m_limitMode, &QComboBox::currentIndexChanged, this, [this] {
        updateEnabled();
        emit changed();
    });
    connect(m_rate, &QDoubleSpinBox::valueChanged, this, &ProtectionEditor::changed);
    connect(m_burst, &QSpinBox::valueChanged, this, &ProtectionEditor::changed);
    connect(m_key, &QComboBox::currentIndexChanged, this, [this] {
        updateEnabled();
        emit changed();
    });
    connect(m_keyName, &QLineEdit::textChanged, this, &ProtectionEditor::changed);
    connect(m_scope, &QComboBox::currentIndexChanged, this, &ProtectionEditor::changed);
    updateEnabled();
}

void ProtectionEditor::updateEnabled()
{
    const bool own = LimitMode(m_limitMode->currentData().toInt()) == LimitMode::Own;
    for (QWidget *field : std::initializer_list<QWidget *>{m_rate, m_burst, m_key, m_scope})
        field->setEnabled(own);
    const auto key = RateLimitSettings::Key(m_key->currentData().toInt());
    m_keyName->setEnabled(own && (key == RateLimitSettings::Key::Header || key == RateLimitSettings::Key::JwtClaim));
}

void ProtectionEditor::applyTo(Route &route) const
{
    RouteOverrides overrides = *route.overrides;
    switch (LimitMode(m_limitMode->currentData().toInt())) {
    case LimitMode::TopLevel: overrides.rateLimit.reset(); break;
    case LimitMode::Off:
        overrides.rateLimit = RateLimitSettings();
        overrides.rateLimit->off = true;
        break;
    case LimitMode::Own: {
        RateLimitSettings limit = m_baseLimit;
        limit.requestsPerSecond = m_rate->value();
        limit.burst = m_burst->value();
        limit.scope = RateLimitSettings::Scope(m_scope->currentData().toInt());
        limit.key = RateLimitSettings::Key(m_key->currentData().toInt());
        limit.keyName.clear();
        if (limit.key == RateLimitSettings::Key::Header)  // as the config reader keeps it
            limit.keyName = m_keyName->text().trimmed().toLower();
        else if (limit.key == RateLimitSettings::Key::JwtClaim)
            limit.keyName = m_keyName->text().trimmed();
        overrides.rateLimit = limit;
        break;
    }
    }
    route.overrides = overrides;
}

}  // namespace kairos
