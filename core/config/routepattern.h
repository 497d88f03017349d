// The syntax of external paths: "/" separated segments, each literal text, a "{name}"
// placeholder that matches one non-empty segment, or, as the last segment only, a "{*name}"
// catch-all that matches the rest of the path (possibly empty).
#pragma once

#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace kairos {

struct PatternSegment {
    enum Kind { Literal, Placeholder, CatchAll };
    Kind kind = Literal;
    QString text;  // the literal text, or the placeholder's name
};

struct RoutePattern {
    QList<PatternSegment> segments;

    bool isStatic() const;
    QStringList placeholderNames() const;
    // The same string for patterns that match the same paths: "/users/{}" for "/users/{id}".
    QString shape() const;

    // nullopt and a message in *error when the path is not a valid pattern.
    static std::optional<RoutePattern> parse(const QString &path, QString *error);
};

// Names used as "{name}" or "{*name}" in an internal path, in order of appearance.
QStringList internalPathPlaceholders(const QString &internalPath);

bool isValidPlaceholderName(const QString &name);

}  // namespace kairos
