#include "validators.h"

#include <cstdio>
#include <ctime>
#include <limits>

namespace kairos {

namespace {

constexpr const char *kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char *kLongDays[] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
constexpr const char *kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// `count` decimal digits at `at`, or -1.
int digitsAt(QByteArrayView text, qsizetype at, int count)
{
    if (at < 0 || at + count > text.size())
        return -1;
    int value = 0;
    for (int i = 0; i < count; ++i) {
        const char c = text[at + i];
        if (c < '0' || c > '9')
            return -1;
        value = value * 10 + (c - '0');
    }
    return value;
}

bool isOneOf(QByteArrayView word, const char *const *names, int count)
{
    for (int i = 0; i < count; ++i) {
        if (word == QByteArrayView(names[i]))
            return true;
    }
    return false;
}

int monthAt(QByteArrayView text, qsizetype at)
{
    if (at + 3 > text.size())
        return -1;
    for (int month = 0; month < 12; ++month) {
        if (text.sliced(at, 3) == QByteArrayView(kMonths[month]))
            return month + 1;
    }
    return -1;
}

// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (H. Hinnant's algorithm).
qint64 daysFromCivil(qint64 year, int month, int day)
{
    year -= month <= 2;
    const qint64 era = (year >= 0 ? year : year - 399) / 400;
    const qint64 yearOfEra = year - era * 400;
    const qint64 dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    const qint64 dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
    return era * 146097 + dayOfEra - 719468;
}

struct DateFields {
    int year = -1, month = -1, day = -1, hour = -1, minute = -1, second = -1;
};

// "08:49:37" at `at`.
bool readTime(QByteArrayView text, qsizetype at, DateFields *date)
{
    if (at + 8 > text.size() || text[at + 2] != ':' || text[at + 5] != ':')
        return false;
    date->hour = digitsAt(text, at, 2);
    date->minute = digitsAt(text, at + 3, 2);
    date->second = digitsAt(text, at + 6, 2);
    return date->hour >= 0 && date->minute >= 0 && date->second >= 0;
}

// "Sun, 06 Nov 1994 08:49:37 GMT"
bool readImfFixdate(QByteArrayView text, DateFields *date)
{
    if (text.size() != 29 || !isOneOf(text.first(3), kDays, 7) || text.sliced(3, 2) != ", " || text[7] != ' '
        || text[11] != ' ' || text[16] != ' ' || text.sliced(25) != " GMT")
        return false;
    date->day = digitsAt(text, 5, 2);
    date->month = monthAt(text, 8);
    date->year = digitsAt(text, 12, 4);
    return readTime(text, 17, date);
}

// "Sunday, 06-Nov-94 08:49:37 GMT"; a two-digit year is in the last hundred years from now and
// at most fifty ahead (§5.6.7).
bool readRfc850Date(QByteArrayView text, qint64 nowYear, DateFields *date)
{
    const qsizetype comma = text.indexOf(',');
    if (comma < 0 || !isOneOf(text.first(comma), kLongDays, 7))
        return false;
    const QByteArrayView rest = text.sliced(comma);
    if (rest.size() != 24 || rest[1] != ' ' || rest[4] != '-' || rest[8] != '-' || rest[11] != ' '
        || rest.sliced(20) != " GMT")
        return false;
    date->day = digitsAt(rest, 2, 2);
    date->month = monthAt(rest, 5);
    const int shortYear = digitsAt(rest, 9, 2);
    if (shortYear < 0)
        return false;
    date->year = int(nowYear - nowYear % 100 + shortYear);
    if (date->year > nowYear + 50)
        date->year -= 100;
    return readTime(rest, 12, date);
}

// "Sun Nov  6 08:49:37 1994"
bool readAsctimeDate(QByteArrayView text, DateFields *date)
{
    if (text.size() != 24 || !isOneOf(text.first(3), kDays, 7) || text[3] != ' ' || text[7] != ' ' || text[10] != ' '
        || text[19] != ' ')
        return false;
    date->month = monthAt(text, 4);
    date->day = text[8] == ' ' ? digitsAt(text, 9, 1) : digitsAt(text, 8, 2);
    date->year = digitsAt(text, 20, 4);
    return readTime(text, 11, date);
}

// Digits only, at least one; values past qint64 saturate, which any file size is below.
std::optional<qint64> parseCount(QByteArrayView text)
{
    if (text.isEmpty())
        return std::nullopt;
    qint64 value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9')
            return std::nullopt;
        const int digit = c - '0';
        value = value > (std::numeric_limits<qint64>::max() - digit) / 10 ? std::numeric_limits<qint64>::max()
                                                                          : value * 10 + digit;
    }
    return value;
}

}  // namespace

QByteArray httpDate(qint64 secondsSinceEpoch)
{
    const std::time_t seconds = std::time_t(secondsSinceEpoch);
    std::tm fields{};
    if (!gmtime_r(&seconds, &fields))
        return QByteArray();
    char text[40];
    const int length =
        std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[fields.tm_wday], fields.tm_mday,
                      kMonths[fields.tm_mon], fields.tm_year + 1900, fields.tm_hour, fields.tm_min, fields.tm_sec);
    return QByteArray(text, length);
}

std::optional<qint64> parseHttpDate(QByteArrayView text)
{
    text = text.trimmed();
    const qint64 now = std::time(nullptr);
    const qint64 nowYear = 1970 + now / 31556952;  // within a day of the new year is close enough
    DateFields date;
    if (!readImfFixdate(text, &date) && !readRfc850Date(text, nowYear, &date) && !readAsctimeDate(text, &date))
        return std::nullopt;
    if (date.year < 0 || date.month < 1 || date.day < 1 || date.day > 31 || date.hour > 23 || date.minute > 59
        || date.second > 60)
        return std::nullopt;
    return daysFromCivil(date.year, date.month, date.day) * 86400 + date.hour * 3600 + date.minute * 60 + date.second;
}

bool entityTagListMatches(QByteArrayView list, QByteArrayView tag)
{
    list = list.trimmed();
    if (list == "*")
        return true;
    const QByteArrayView opaqueTag = tag.startsWith("W/") ? tag.sliced(2) : tag;
    qsizetype at = 0;
    while (at < list.size()) {
        const char c = list[at];
        if (c == ' ' || c == '\t' || c == ',') {
            ++at;
            continue;
        }
        if (list.sliced(at).startsWith("W/"))
            at += 2;
        if (at >= list.size() || list[at] != '"')
            return false;
        const qsizetype close = list.indexOf('"', at + 1);
        if (close < 0)
            return false;
        if (list.sliced(at, close + 1 - at) == opaqueTag)
            return true;
        at = close + 1;
    }
    return false;
}

ByteRange byteRangeOf(QByteArrayView value, qint64 size)
{
    value = value.trimmed();
    if (value.size() < 6 || value.first(6).compare("bytes=", Qt::CaseInsensitive) != 0 || size <= 0)
        return {};
    const QByteArrayView spec = value.sliced(6).trimmed();
    const qsizetype dash = spec.indexOf('-');
    if (dash < 0 || spec.contains(','))
        return {};
    const std::optional<qint64> first = parseCount(spec.first(dash));
    const std::optional<qint64> last = parseCount(spec.sliced(dash + 1));
    if (dash == 0) {  // a suffix: the last N bytes
        if (!last)
            return {};
        if (*last == 0)
            return {ByteRange::Unsatisfiable};
        const qint64 length = qMin(*last, size);
        return {ByteRange::Part, size - length, length};
    }
    if (!first || (dash + 1 < spec.size() && (!last || *last < *first)))
        return {};
    if (*first >= size)
        return {ByteRange::Unsatisfiable};
    const qint64 end = last ? qMin(*last, size - 1) : size - 1;
    return {ByteRange::Part, *first, end - *first + 1};
}

}  // namespace kairos
