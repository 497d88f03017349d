#include "connectioneditor.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QLineEdit>
#include <QSpinBox>

namespace kairos {

namespace {

constexpr int kDefault = -1;  // an optional key left unset: the server's or top level's value
constexpr qint64 kKiB = 1024;

QSpinBox *optionalBox(std::optional<qint64> value, int maximum, const QString &suffix, const QString &unsetText)
{
    auto *box = new QSpinBox;
    box->setRange(kDefault, maximum);
    box->setSpecialValueText(unsetText);
    box->setSuffix(suffix);
    box->setValue(value ? int(*value) : kDefault);
    return box;
}

std::optional<int> optionalValue(const QSpinBox *box)
{
    return box->value() == kDefault ? std::nullopt : std::optional<int>(box->value());
}

QComboBox *overrideBox(bool own, const QString &topLevel)
{
    auto *box = new QComboBox;
    box->addItem(topLevel, false);
    box->addItem(QObject::tr("Own settings"), true);
    box->setCurrentIndex(own ? 1 : 0);
    return box;
}

QSpinBox *keyBox(const QJsonObject &keys, const char *key, int fallback, int minimum, int maximum,
                 const QString &suffix = QString())
{
    auto *box = new QSpinBox;
    box->setRange(minimum, maximum);
    box->setSuffix(suffix);
    box->setValue(keys.value(QLatin1String(key)).toInt(fallback));
    return box;
}

}  // namespace

ConnectionEditor::ConnectionEditor(const Route &route, QWidget *parent)
    : QGroupBox(parent),  // untitled: the route editor's tab names it
      m_preserveHost(new QCheckBox(tr("Pass the client's Host on (preserve_host)"))),
      m_forwardAuthorization(new QCheckBox(tr("Pass Authorization on to the backend (forward_authorization)"))),
      m_retryNonIdempotent(new QCheckBox(tr("Retry POST and PATCH too (retry_non_idempotent)"))),
      m_timeout(new QSpinBox),
      m_upgrades(new QLineEdit)
{
    const RouteOverrides &overrides = *route.overrides;
    const QString serverText = tr("server's");
    m_preserveHost->setChecked(route.preserveHost);
    m_forwardAuthorization->setChecked(route.forwardAuthorization);
    m_retryNonIdempotent->setChecked(route.retryNonIdempotent);
    m_timeout->setRange(1, 86'400'000);
    m_timeout->setSuffix(QStringLiteral(" ms"));
    m_timeout->setValue(route.timeoutMs);
    m_connectTimeout = optionalBox(overrides.connectTimeoutMs, 3'600'000, QStringLiteral(" ms"), serverText);
    m_responseTimeout = optionalBox(overrides.responseTimeoutMs, 86'400'000, QStringLiteral(" ms"), serverText);
    m_maxBody =
        optionalBox(overrides.maxBodyBytes ? std::optional<qint64>(*overrides.maxBodyBytes / kKiB) : std::nullopt,
                    1 << 30, QStringLiteral(" KiB"), serverText);
    m_tunnelIdle = optionalBox(overrides.tunnelIdleTimeoutMs, 86'400'000, QStringLiteral(" ms"), serverText);
    if (overrides.allowedUpgrades)
        m_upgrades->setText(overrides.allowedUpgrades->join(QLatin1String(", ")));
    m_upgrades->setPlaceholderText(tr("top level's (websocket by default); \"none\" for none"));
    if (overrides.allowedUpgrades && overrides.allowedUpgrades->isEmpty())
        m_upgrades->setText(QStringLiteral("none"));

    const QJsonObject &circuit = overrides.circuitBreaker.keys;
    const CircuitBreakerSettings circuitDefaults;
    m_circuitMode = overrideBox(!circuit.isEmpty(), tr("Top-level circuit_breaker"));
    m_failureThreshold = keyBox(circuit, "failure_threshold", circuitDefaults.failureThreshold, 1, 1'000'000);
    m_openDuration =
        keyBox(circuit, "open_duration_ms", circuitDefaults.openDurationMs, 1, 86'400'000, QStringLiteral(" ms"));
    const QJsonObject &health = overrides.healthCheck.keys;
    const HealthCheckSettings healthDefaults;
    m_healthMode = overrideBox(!health.isEmpty(), tr("Top-level health_check"));
    m_healthInterval = keyBox(health, "interval_ms", healthDefaults.intervalMs, 1, 86'400'000, QStringLiteral(" ms"));
    m_unhealthyThreshold = keyBox(health, "unhealthy_threshold", healthDefaults.unhealthyThreshold, 1, 1'000'000);

    auto *form = new QFormLayout(this);
    form->addRow(m_preserveHost);
    form->addRow(m_forwardAuthorization);
    form->addRow(m_retryNonIdempotent);
    form->addRow(tr("All tries (timeout_ms)"), m_timeout);
    form->addRow(tr("Connect timeout"), m_connectTimeout);
    form->addRow(tr("Response timeout"), m_responseTimeout);
    form->addRow(tr("Body limit"), m_maxBody);
    form->addRow(tr("Idle tunnel timeout"), m_tunnelIdle);
    form->addRow(tr("Allowed upgrades"), m_upgrades);
    form->addRow(tr("Circuit breaker"), m_circuitMode);
    form->addRow(tr("  failures to open"), m_failureThreshold);
    form->addRow(tr("  open for"), m_openDuration);
    form->addRow(tr("Health checks"), m_healthMode);
    form->addRow(tr("  interval"), m_healthInterval);
    form->addRow(tr("  failures to mark down"), m_unhealthyThreshold);

    for (QCheckBox *box : {m_preserveHost, m_forwardAuthorization, m_retryNonIdempotent})
        connect(box, &QCheckBox::toggled, this, &ConnectionEditor::changed);
    for (QSpinBox *box : {m_timeout, m_connectTimeout, m_responseTimeout, m_maxBody, m_tunnelIdle, m_failureThreshold,
                          m_openDuration, m_healthInterval, m_unhealthyThreshold})
        connect(box, &QSpinBox::valueChanged, this, &ConnectionEditor::changed);
    connect(m_upgrades, &QLineEdit::textChanged, this, &ConnectionEditor::changed);
    for (QComboBox *mode : {m_circuitMode, m_healthMode}) {
        connect(mode, &QComboBox::currentIndexChanged, this, &ConnectionEditor::updateEnabled);
        connect(mode, &QComboBox::currentIndexChanged, this, &ConnectionEditor::changed);
    }
    updateEnabled();
}

void ConnectionEditor::updateEnabled()
{
    const bool ownCircuit = m_circuitMode->currentData().toBool();
    m_failureThreshold->setEnabled(ownCircuit);
    m_openDuration->setEnabled(ownCircuit);
    const bool ownHealth = m_healthMode->currentData().toBool();
    m_healthInterval->setEnabled(ownHealth);
    m_unhealthyThreshold->setEnabled(ownHealth);
}

void ConnectionEditor::applyTo(Route &route) const
{
    route.preserveHost = m_preserveHost->isChecked();
    route.forwardAuthorization = m_forwardAuthorization->isChecked();
    route.retryNonIdempotent = m_retryNonIdempotent->isChecked();
    route.timeoutMs = m_timeout->value();
    RouteOverrides overrides = *route.overrides;
    overrides.connectTimeoutMs = optionalValue(m_connectTimeout);
    overrides.responseTimeoutMs = optionalValue(m_responseTimeout);
    const std::optional<int> bodyKiB = optionalValue(m_maxBody);
    overrides.maxBodyBytes = bodyKiB ? std::optional<qint64>(*bodyKiB * kKiB) : std::nullopt;
    overrides.tunnelIdleTimeoutMs = optionalValue(m_tunnelIdle);
    const QString upgrades = m_upgrades->text().trimmed();
    if (upgrades.isEmpty()) {
        overrides.allowedUpgrades.reset();
    } else if (upgrades == QLatin1String("none")) {
        overrides.allowedUpgrades = QStringList();
    } else {
        QStringList list;
        for (const QString &protocol : upgrades.split(QLatin1Char(','), Qt::SkipEmptyParts))
            list.append(protocol.trimmed());
        overrides.allowedUpgrades = list;
    }
    // Own settings: the two keys shown over the route's other keys; the top level's: none.
    QJsonObject &circuit = overrides.circuitBreaker.keys;
    if (m_circuitMode->currentData().toBool()) {
        circuit.insert(QLatin1String("failure_threshold"), m_failureThreshold->value());
        circuit.insert(QLatin1String("open_duration_ms"), m_openDuration->value());
    } else {
        circuit = QJsonObject();
    }
    QJsonObject &health = overrides.healthCheck.keys;
    if (m_healthMode->currentData().toBool()) {
        health.insert(QLatin1String("interval_ms"), m_healthInterval->value());
        health.insert(QLatin1String("unhealthy_threshold"), m_unhealthyThreshold->value());
    } else {
        health = QJsonObject();
    }
    route.overrides = overrides;
}

}  // namespace kairos
