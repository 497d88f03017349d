// Reads the JSON config into the model. Type errors ("must be a number") are reported here, with
// their JSON path; rules about values (ranges, duplicates) belong to the validator.
#pragma once

#include "config.h"

#include <QByteArray>

namespace kairos {

struct ConfigReadResult {
    std::optional<Config> config;   // absent when the document is not a JSON object
    QList<ConfigProblem> errors;    // the config must not be used when this is not empty
    QList<ConfigProblem> warnings;  // unknown keys (kept), ignored fields
};

// A key written twice in one object is an error there (see repeatedKeys()): which value was
// meant cannot be known, and QJsonDocument would keep the last one without a word.
ConfigReadResult readConfig(const QByteArray &json);

// One route object, as in "routers[i]" or the body of POST /api/routes. An object cannot show
// repeated keys: check the body's text with repeatedKeys(body, path) first.
Route readRoute(const QJsonObject &object, const QString &path, QList<ConfigProblem> &errors,
                QList<ConfigProblem> &warnings);

// A circuit_breaker / health_check block read over `base` (the defaults, or the top-level block
// when reading a route's override).
CircuitBreakerSettings readCircuitBreaker(const QJsonObject &object, const QString &path,
                                          const CircuitBreakerSettings &base, QList<ConfigProblem> &errors,
                                          QList<ConfigProblem> &warnings);
HealthCheckSettings readHealthCheck(const QJsonObject &object, const QString &path, const HealthCheckSettings &base,
                                    QList<ConfigProblem> &errors, QList<ConfigProblem> &warnings);
OutlierDetectionSettings readOutlierDetection(const QJsonObject &object, const QString &path,
                                              const OutlierDetectionSettings &base, QList<ConfigProblem> &errors,
                                              QList<ConfigProblem> &warnings);

}  // namespace kairos
