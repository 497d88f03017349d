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

namespace {

QString codePointName(char16_t unit)
{
    return QStringLiteral("U+%1").arg(QString::number(unit, 16).toUpper().rightJustified(4, QLatin1Char('0')));
}

bool isUnpairedSurrogate(const QString &text, qsizetype i)
{
    if (text[i].isHighSurrogate())
        return i + 1 == text.size() || !text[i + 1].isLowSurrogate();
    return text[i].isLowSurrogate() && (i == 0 || !text[i - 1].isHighSurrogate());
}

// What path[i] is when a route's path must not hold it, else nullptr.
const char *forbiddenCharacter(const QString &path, qsizetype i)
{
    const char16_t c = path[i].unicode();
    if (c < 0x20 || c == 0x7f)
        return "control characters";
    if (isUnpairedSurrogate(path, i))
        return "an unpaired surrogate";
    return nullptr;
}

}  // namespace

QString pathCharacterError(const QString &path)
{
    for (qsizetype i = 0; i < path.size(); ++i) {
        if (const char *forbidden = forbiddenCharacter(path, i))
            return QStringLiteral("must not contain %1 (%2 at position %3)")
                .arg(QLatin1String(forbidden), codePointName(path[i].unicode()))
                .arg(characterPosition(path, i));
    }
    return QString();
}

qsizetype characterPosition(const QString &text, qsizetype index)
{
    qsizetype position = 1;
    for (qsizetype i = 1; i <= index && i < text.size(); ++i) {
        if (!(text[i].isLowSurrogate() && text[i - 1].isHighSurrogate()))
            ++position;
    }
    return position;
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
    // First, so that no other message quotes the character.
    if (const QString characterError = pathCharacterError(path); !characterError.isEmpty())
        return fail(characterError);
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
