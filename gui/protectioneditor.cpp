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
      m_scope(new QComboBox),
      m_queueSize(new QSpinBox),
      m_queueTimeout(new QSpinBox),
      m_consecutive5xx(new QSpinBox),
      m_maxEjectionPercent(new QSpinBox),
      m_slowStart(new QSpinBox)
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

    const std::optional<QueueSettings> &queue = route.overrides->queue;
    m_baseQueue = queue && !queue->off ? *queue : QueueSettings();
    m_queueMode = modeBox(!queue       ? LimitMode::TopLevel
                          : queue->off ? LimitMode::Off
                                       : LimitMode::Own,
                          tr("Top-level queue"), tr("Own queue"), tr("No queue on this route"));
    m_queueSize->setRange(0, 1'000'000);
    m_queueSize->setValue(m_baseQueue.maxSize);
    m_queueTimeout->setRange(0, 3'600'000);
    m_queueTimeout->setSuffix(QStringLiteral(" ms"));
    m_queueTimeout->setValue(m_baseQueue.timeoutMs);

    // The route's own outlier_detection keys, laid over the top level's: the form sets two of them
    // and "enabled"; any other key the route has stays.
    const QJsonObject &outlierKeys = route.overrides->outlierDetection.keys;
    const bool outlierOff = outlierKeys.value(QLatin1String("enabled")) == QJsonValue(false);
    m_outlierMode = modeBox(outlierKeys.isEmpty() ? LimitMode::TopLevel
                            : outlierOff          ? LimitMode::Off
                                                  : LimitMode::Own,
                            tr("Top-level outlier_detection"), tr("Own settings"), tr("Off on this route"));
    const OutlierDetectionSettings outlierDefaults;
    m_consecutive5xx->setRange(0, 1000);
    m_consecutive5xx->setValue(
        outlierKeys.value(QLatin1String("consecutive_5xx")).toInt(outlierDefaults.consecutive5xx));
    m_maxEjectionPercent->setRange(0, 100);
    m_maxEjectionPercent->setSuffix(QStringLiteral(" %"));
    m_maxEjectionPercent->setValue(
        outlierKeys.value(QLatin1String("max_ejection_percent")).toInt(outlierDefaults.maxEjectionPercent));
    m_slowStart->setRange(-1, 86'400'000);
    m_slowStart->setSuffix(QStringLiteral(" ms"));
    m_slowStart->setSpecialValueText(tr("top level's"));
    m_slowStart->setValue(route.overrides->slowStartMs.value_or(-1));

    auto *form = new QFormLayout(this);
    form->addRow(tr("Rate limit"), m_limitMode);
    form->addRow(tr("Rate"), m_rate);
    form->addRow(tr("Burst"), m_burst);
    form->addRow(tr("Key"), m_key);
    form->addRow(tr("Field or claim"), m_keyName);
    form->addRow(tr("Scope"), m_scope);
    form->addRow(tr("Request queue"), m_queueMode);
    form->addRow(tr("Queue size"), m_queueSize);
    form->addRow(tr("Queue timeout"), m_queueTimeout);
    form->addRow(tr("Outlier detection"), m_outlierMode);
    form->addRow(tr("Consecutive 5xx"), m_consecutive5xx);
    form->addRow(tr("Max ejected"), m_maxEjectionPercent);
    form->addRow(tr("Slow start"), m_slowStart);

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
    for (QComboBox *mode : {m_queueMode, m_outlierMode})
        connect(mode, &QComboBox::currentIndexChanged, this, [this] {
            updateEnabled();
            emit changed();
        });
    for (QSpinBox *spin : {m_queueSize, m_queueTimeout, m_consecutive5xx, m_maxEjectionPercent, m_slowStart})
        connect(spin, &QSpinBox::valueChanged, this, &ProtectionEditor::changed);
    updateEnabled();
}

QComboBox *ProtectionEditor::modeBox(LimitMode mode, const QString &topLevel, const QString &own, const QString &off)
{
    auto *box = new QComboBox;
    box->addItem(topLevel, int(LimitMode::TopLevel));
    box->addItem(own, int(LimitMode::Own));
    box->addItem(off, int(LimitMode::Off));
    box->setCurrentIndex(box->findData(int(mode)));
    return box;
}

void ProtectionEditor::updateEnabled()
{
    const bool own = LimitMode(m_limitMode->currentData().toInt()) == LimitMode::Own;
    for (QWidget *field : std::initializer_list<QWidget *>{m_rate, m_burst, m_key, m_scope})
        field->setEnabled(own);
    const auto key = RateLimitSettings::Key(m_key->currentData().toInt());
    m_keyName->setEnabled(own && (key == RateLimitSettings::Key::Header || key == RateLimitSettings::Key::JwtClaim));
    const bool ownQueue = LimitMode(m_queueMode->currentData().toInt()) == LimitMode::Own;
    m_queueSize->setEnabled(ownQueue);
    m_queueTimeout->setEnabled(ownQueue);
    const bool ownOutlier = LimitMode(m_outlierMode->currentData().toInt()) == LimitMode::Own;
    m_consecutive5xx->setEnabled(ownOutlier);
    m_maxEjectionPercent->setEnabled(ownOutlier);
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
    switch (LimitMode(m_queueMode->currentData().toInt())) {
    case LimitMode::TopLevel: overrides.queue.reset(); break;
    case LimitMode::Off:
        overrides.queue = QueueSettings();
        overrides.queue->off = true;
        break;
    case LimitMode::Own:
        overrides.queue = m_baseQueue;
        overrides.queue->maxSize = m_queueSize->value();
        overrides.queue->timeoutMs = m_queueTimeout->value();
        break;
    }
    QJsonObject &outlierKeys = overrides.outlierDetection.keys;
    switch (LimitMode(m_outlierMode->currentData().toInt())) {
    case LimitMode::TopLevel: outlierKeys = QJsonObject(); break;
    case LimitMode::Off: outlierKeys = QJsonObject{{QLatin1String("enabled"), false}}; break;
    case LimitMode::Own:
        outlierKeys.remove(QLatin1String("enabled"));
        outlierKeys.insert(QLatin1String("consecutive_5xx"), m_consecutive5xx->value());
        outlierKeys.insert(QLatin1String("max_ejection_percent"), m_maxEjectionPercent->value());
        break;
    }
    if (m_slowStart->value() < 0)
        overrides.slowStartMs.reset();
    else
        overrides.slowStartMs = m_slowStart->value();
    route.overrides = overrides;
}

}  // namespace kairos
