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

// The message for the first character neither path of a route may hold, such as "must not
// contain control characters (U+0009 at position 3)"; empty when there is none. Control
// characters (U+0000-U+001F, U+007F): the backend's request line cannot carry one, an external
// path holding one is reached only by a request that encodes it (%09; never NUL, refused even
// encoded), and a message or log line that quotes the path would break on it. Unpaired
// surrogates (a lone "\ud800" escape): no request matches one, and UTF-8 turns it into "?", which
// would make the rest of an internal path a query.
QString pathCharacterError(const QString &path);

// Where text[index] is as an editor shows it: characters counted from 1, a surrogate pair as one.
qsizetype characterPosition(const QString &text, qsizetype index);

}  // namespace kairos
