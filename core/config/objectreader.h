// Reads typed values out of one JSON object of the config, for configreader and the readers of
// single blocks: wrong types are reported at their JSON path.
#pragma once

#include "config/config.h"
#include "config/jsonkeys.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QSet>

#include <cmath>
#include <limits>
#include <optional>

namespace kairos {

// Reads typed values out of one JSON object, reporting wrong types at their path and remembering
// which keys were consumed so that the rest can be kept as unknown keys.
class ObjectReader
{
public:
    ObjectReader(const QJsonObject &object, QString path, QList<ConfigProblem> &errors, QList<ConfigProblem> &warnings)
        : m_object(object), m_path(std::move(path)), m_errors(errors), m_warnings(warnings)
    {}

    QString childPath(const QString &key) const { return m_path.isEmpty() ? key : m_path + QLatin1Char('.') + key; }

    bool has(const QString &key) const { return m_object.contains(key); }
    bool isNull(const QString &key) const { return m_object.value(key).isNull(); }

    QJsonValue take(const QString &key)
    {
        m_seen.insert(key);
        return m_object.value(key);
    }

    QString string(const QString &key, const QString &fallback = QString())
    {
        const QJsonValue value = take(key);
        if (value.isUndefined() || value.isNull())
            return fallback;
        if (!value.isString()) {
            error(key, QStringLiteral("must be a string"));
            return fallback;
        }
        return value.toString();
    }

    bool boolean(const QString &key, bool fallback)
    {
        const QJsonValue value = take(key);
        if (value.isUndefined() || value.isNull())
            return fallback;
        if (!value.isBool()) {
            error(key, QStringLiteral("must be true or false"));
            return fallback;
        }
        return value.toBool();
    }

    double number(const QString &key, double fallback)
    {
        const QJsonValue value = take(key);
        if (value.isUndefined() || value.isNull())
            return fallback;
        if (!value.isDouble()) {
            error(key, QStringLiteral("must be a number"));
            return fallback;
        }
        return value.toDouble();
    }

    qint64 integer64(const QString &key, qint64 fallback)
    {
        const QJsonValue value = take(key);
        if (value.isUndefined() || value.isNull())
            return fallback;
        std::optional<qint64> whole = wholeNumber(value);
        if (!whole) {
            error(key, QStringLiteral("must be a whole number"));
            return fallback;
        }
        return *whole;
    }

    int integer(const QString &key, int fallback)
    {
        const qint64 value = integer64(key, fallback);
        if (value < std::numeric_limits<int>::min() || value > std::numeric_limits<int>::max()) {
            error(key, QStringLiteral("is out of range (got %1)").arg(value));
            return fallback;
        }
        return int(value);
    }

    QStringList stringList(const QString &key, const QStringList &fallback = {})
    {
        const QJsonValue value = take(key);
        if (value.isUndefined() || value.isNull())
            return fallback;
        if (!value.isArray()) {
            error(key, QStringLiteral("must be an array of strings"));
            return fallback;
        }
        QStringList result;
        const QJsonArray array = value.toArray();
        for (int i = 0; i < array.size(); ++i) {
            if (!array[i].isString())
                error(key + QStringLiteral("[%1]").arg(i), QStringLiteral("must be a string"));
            else
                result.append(array[i].toString());
        }
        return result;
    }

    QList<int> integerList(const QString &key, const QList<int> &fallback)
    {
        const QJsonValue value = take(key);
        if (value.isUndefined() || value.isNull())
            return fallback;
        if (!value.isArray()) {
            error(key, QStringLiteral("must be an array of whole numbers"));
            return fallback;
        }
        QList<int> result;
        const QJsonArray array = value.toArray();
        for (int i = 0; i < array.size(); ++i) {
            std::optional<qint64> whole = wholeNumber(array[i]);
            if (!whole || *whole < std::numeric_limits<int>::min() || *whole > std::numeric_limits<int>::max())
                error(key + QStringLiteral("[%1]").arg(i), QStringLiteral("must be a whole number"));
            else
                result.append(int(*whole));
        }
        return result;
    }

    // An object-valued key; reports a wrong type and returns nullopt when absent or wrong.
    std::optional<QJsonObject> object(const QString &key)
    {
        const QJsonValue value = take(key);
        if (value.isUndefined() || value.isNull())
            return std::nullopt;
        if (!value.isObject()) {
            error(key, QStringLiteral("must be an object"));
            return std::nullopt;
        }
        return value.toObject();
    }

    std::optional<QJsonArray> array(const QString &key)
    {
        const QJsonValue value = take(key);
        if (value.isUndefined() || value.isNull())
            return std::nullopt;
        if (!value.isArray()) {
            error(key, QStringLiteral("must be an array"));
            return std::nullopt;
        }
        return value.toArray();
    }

    void error(const QString &key, const QString &message) { m_errors.append({childPath(key), message}); }

    void warning(const QString &key, const QString &message) { m_warnings.append({childPath(key), message}); }

    // Keys nobody read: kept verbatim so that a save writes them back, and reported once.
    QJsonObject unknownKeys()
    {
        QJsonObject unknown;
        for (auto it = m_object.begin(); it != m_object.end(); ++it) {
            if (m_seen.contains(it.key()))
                continue;
            unknown.insert(it.key(), it.value());
            warning(printableKey(it.key()), QStringLiteral("unknown key (kept as is, not used)"));
        }
        return unknown;
    }

    QList<ConfigProblem> &errors() { return m_errors; }
    QList<ConfigProblem> &warnings() { return m_warnings; }

private:
    static std::optional<qint64> wholeNumber(const QJsonValue &value)
    {
        if (!value.isDouble())
            return std::nullopt;
        const double number = value.toDouble();
        if (!std::isfinite(number) || std::floor(number) != number || std::fabs(number) > 9.0e15)
            return std::nullopt;
        return qint64(number);
    }

    QJsonObject m_object;
    QString m_path;
    QList<ConfigProblem> &m_errors;
    QList<ConfigProblem> &m_warnings;
    QSet<QString> m_seen;
};

}  // namespace kairos
