#include "routepattern.h"

#include <QRegularExpression>

namespace kairos {

bool isValidPlaceholderName(const QString &name)
{
    if (name.isEmpty() || !(name[0].isLetter() || name[0] == QLatin1Char('_')))
        return false;
    for (QChar c : name) {
        if (!(c.isLetterOrNumber() || c == QLatin1Char('_')) || c.unicode() > 127)
            return false;
    }
    return true;
}

bool RoutePattern::isStatic() const
{
    for (const PatternSegment &segment : segments) {
        if (segment.kind != PatternSegment::Literal)
            return false;
    }
    return true;
}

QStringList RoutePattern::placeholderNames() const
{
    QStringList names;
    for (const PatternSegment &segment : segments) {
        if (segment.kind != PatternSegment::Literal)
            names.append(segment.text);
    }
    return names;
}

QString RoutePattern::shape() const
{
    QString shape;
    for (const PatternSegment &segment : segments) {
        shape += QLatin1Char('/');
        switch (segment.kind) {
        case PatternSegment::Literal: shape += segment.text; break;
        case PatternSegment::Placeholder: shape += QLatin1String("{}"); break;
        case PatternSegment::CatchAll: shape += QLatin1String("{*}"); break;
        }
    }
    return shape;
}

std::optional<RoutePattern> RoutePattern::parse(const QString &path, QString *error)
{
    auto fail = [error](const QString &message) -> std::optional<RoutePattern> {
        if (error)
            *error = message;
        return std::nullopt;
    };
    if (!path.startsWith(QLatin1Char('/')))
        return fail(QStringLiteral("must start with \"/\" (got \"%1\")").arg(path));
    if (path.contains(QLatin1Char('?')) || path.contains(QLatin1Char('#')) || path.contains(QLatin1Char('\\')))
        return fail(QStringLiteral("must not contain \"?\", \"#\" or \"\\\" (got \"%1\")").arg(path));

    RoutePattern pattern;
    const QStringList parts = path.mid(1).split(QLatin1Char('/'));
    for (int i = 0; i < parts.size(); ++i) {
        const QString &part = parts[i];
        const bool last = i == parts.size() - 1;
        if (part.isEmpty() && !last)
            return fail(QStringLiteral("must not contain an empty segment \"//\" (got \"%1\")").arg(path));
        const QString beforeParameters = part.section(QLatin1Char(';'), 0, 0);  // "..;x" is ".." to many servers
        if (beforeParameters == QLatin1String(".") || beforeParameters == QLatin1String(".."))
            return fail(QStringLiteral("must not contain \".\" or \"..\" segments (got \"%1\")").arg(path));

        PatternSegment segment;
        if (part.startsWith(QLatin1Char('{')) && part.endsWith(QLatin1Char('}'))) {
            QString name = part.mid(1, part.size() - 2);
            segment.kind = PatternSegment::Placeholder;
            if (name.startsWith(QLatin1Char('*'))) {
                if (!last)
                    return fail(QStringLiteral("catch-all \"%1\" must be the last segment").arg(part));
                segment.kind = PatternSegment::CatchAll;
                name = name.mid(1);
            }
            if (!isValidPlaceholderName(name))
                return fail(QStringLiteral("invalid placeholder \"%1\" (names are letters, digits "
                                           "and \"_\", not starting with a digit)")
                                .arg(part));
            if (pattern.placeholderNames().contains(name))
                return fail(QStringLiteral("placeholder \"%1\" is used twice").arg(name));
            segment.text = name;
        } else if (part.contains(QLatin1Char('{')) || part.contains(QLatin1Char('}'))) {
            return fail(QStringLiteral("a placeholder must be a whole segment (got \"%1\")").arg(part));
        } else {
            segment.text = part;
        }
        pattern.segments.append(segment);
    }
    return pattern;
}

QStringList internalPathPlaceholders(const QString &internalPath)
{
    static const QRegularExpression placeholder(QStringLiteral("\\{\\*?([^{}]*)\\}"));
    QStringList names;
    for (auto it = placeholder.globalMatch(internalPath); it.hasNext();)
        names.append(it.next().captured(1));
    return names;
}

}  // namespace kairos
