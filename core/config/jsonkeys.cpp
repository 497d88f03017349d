#include "jsonkeys.h"

#include "base/bytesearch.h"

#include <algorithm>
#include <numeric>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace kairos {

namespace {

// A key of an object still open: its text lies in the JSON text when it has no escapes (nearly
// every key), else, decoded, in the scanner's buffer.
struct Key {
    size_t quote;   // where it starts in the JSON text: problems are listed in this order
    size_t offset;  // of its text, in the JSON text or in the buffer
    size_t size;
    bool decoded;
};

// An object or array opened and not yet closed.
struct Container {
    bool isObject = false;
    bool expectingKey = false;  // objects: the next string is a key
    int index = 0;              // arrays: the element being read
    size_t firstKey = 0;        // objects: their keys are keys[firstKey...]
    qsizetype bufferStart = 0;  // where the decoded ones begin in the buffer
    // Where it sits in its parent, for its path: under the parent's key, or at an element index.
    std::optional<size_t> keyInParent;
    std::optional<int> indexInParent;
};

// The four hex digits of a \u escape starting at `from`.
char32_t hexUnit(std::string_view text, size_t from)
{
    char32_t unit = 0;
    for (size_t i = from; i < from + 4; ++i) {
        const int digit = i < text.size() ? http::hexValue(text[i]) : -1;
        if (digit < 0)
            return 0xfffd;  // only in text QJsonDocument refuses
        unit = unit * 16 + char32_t(digit);
    }
    return unit;
}

bool isHighSurrogate(char32_t unit)
{
    return unit >= 0xd800 && unit <= 0xdbff;
}
bool isLowSurrogate(char32_t unit)
{
    return unit >= 0xdc00 && unit <= 0xdfff;
}

char unescapedChar(char escaped)
{
    switch (escaped) {
    case 'b': return '\b';
    case 'f': return '\f';
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    default: return escaped;  // \" \\ \/
    }
}

void appendUtf8(QByteArray &out, char32_t codePoint)
{
    if (codePoint < 0x80) {
        out.append(char(codePoint));
    } else if (codePoint < 0x800) {
        out.append(char(0xc0 | (codePoint >> 6)));
        out.append(char(0x80 | (codePoint & 0x3f)));
    } else if (codePoint < 0x10000) {
        out.append(char(0xe0 | (codePoint >> 12)));
        out.append(char(0x80 | ((codePoint >> 6) & 0x3f)));
        out.append(char(0x80 | (codePoint & 0x3f)));
    } else {
        out.append(char(0xf0 | (codePoint >> 18)));
        out.append(char(0x80 | ((codePoint >> 12) & 0x3f)));
        out.append(char(0x80 | ((codePoint >> 6) & 0x3f)));
        out.append(char(0x80 | (codePoint & 0x3f)));
    }
}

// A key's text between its quotes as QJsonDocument reads it, in UTF-8, so that it compares
// equal to the same key written without escapes. A \u surrogate pair becomes its one code point;
// a lone surrogate (which QJsonDocument keeps as it is) its own three bytes, which UTF-8 text
// cannot hold (QJsonDocument refuses them there), so it equals only the same lone surrogate.
void appendDecoded(QByteArray &out, std::string_view raw)
{
    for (size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] != '\\' || i + 1 == raw.size()) {
            out.append(raw[i]);
            continue;
        }
        const char escaped = raw[++i];
        if (escaped != 'u') {
            out.append(unescapedChar(escaped));
            continue;
        }
        char32_t unit = hexUnit(raw, i + 1);
        i += 4;
        const bool lowFollows = i + 2 < raw.size() && raw[i + 1] == '\\' && raw[i + 2] == 'u';
        if (isHighSurrogate(unit) && lowFollows && isLowSurrogate(hexUnit(raw, i + 3))) {
            unit = 0x10000 + ((unit - 0xd800) << 10) + (hexUnit(raw, i + 3) - 0xdc00);
            i += 6;
        }
        appendUtf8(out, unit);
    }
}

// One pass over the text, keeping only the objects and arrays still open and the keys of the
// open objects: memory grows with the nesting and the width of one object, not with the text.
class RepeatedKeyScanner
{
public:
    RepeatedKeyScanner(const QByteArray &json, const QString &basePath)
        : m_text(json.constData(), size_t(json.size())), m_basePath(basePath)
    {}

    QList<ConfigProblem> scan()
    {
        for (size_t i = 0; i < m_text.size(); ++i) {
            switch (m_text[i]) {
            case '{': open(true); break;
            case '[': open(false); break;
            case '}':
            case ']': close(); break;
            case ',': nextMember(); break;
            case '"': i = string(i); break;
            default: break;  // white space, ':', numbers, true, false, null
            }
        }
        std::stable_sort(m_found.begin(), m_found.end(),
                         [](const auto &a, const auto &b) { return a.first < b.first; });
        QList<ConfigProblem> problems;
        problems.reserve(m_found.size());
        for (auto &found : m_found)
            problems.append(std::move(found.second));
        return problems;
    }

private:
    void open(bool isObject)
    {
        Container container;
        container.isObject = isObject;
        container.expectingKey = isObject;
        container.firstKey = m_keys.size();
        container.bufferStart = m_buffer.size();
        if (!m_open.empty()) {
            const Container &parent = m_open.back();
            if (!parent.isObject)
                container.indexInParent = parent.index;
            else if (m_keys.size() > parent.firstKey)
                container.keyInParent = m_keys.size() - 1;  // the key this value belongs to
        }
        m_open.push_back(container);
    }

    void close()
    {
        if (m_open.empty())
            return;
        const Container &container = m_open.back();
        if (container.isObject)
            reportRepeatsInInnermost();
        m_keys.resize(container.firstKey);
        m_buffer.resize(container.bufferStart);  // keeps its capacity for the next object
        m_open.pop_back();
    }

    void nextMember()
    {
        if (m_open.empty())
            return;
        Container &container = m_open.back();
        if (container.isObject)
            container.expectingKey = true;
        else
            ++container.index;
    }

    // The string whose opening quote is at `quote`; returns where its closing quote is.
    size_t string(size_t quote)
    {
        const size_t end = closingQuote(quote);
        if (!m_open.empty() && m_open.back().isObject && m_open.back().expectingKey) {
            m_open.back().expectingKey = false;
            addKey(quote, m_text.substr(quote + 1, end - quote - 1));
        }
        return end;
    }

    // A quote ends the string unless an odd number of backslashes precede it (`\"`, but `\\"`).
    size_t closingQuote(size_t opening) const
    {
        for (size_t quote = m_text.find('"', opening + 1); quote != std::string_view::npos;
             quote = m_text.find('"', quote + 1)) {
            size_t backslashes = 0;
            while (m_text[quote - 1 - backslashes] == '\\')  // stops at the opening quote at the latest
                ++backslashes;
            if (backslashes % 2 == 0)
                return quote;
        }
        return m_text.size();
    }

    void addKey(size_t quote, std::string_view raw)
    {
        if (raw.find('\\') == std::string_view::npos) {
            m_keys.push_back({quote, quote + 1, raw.size(), false});
            return;
        }
        const qsizetype start = m_buffer.size();
        appendDecoded(m_buffer, raw);
        m_keys.push_back({quote, size_t(start), size_t(m_buffer.size() - start), true});
    }

    std::string_view keyText(size_t index) const
    {
        const Key &key = m_keys[index];
        const char *base = key.decoded ? m_buffer.constData() : m_text.data();
        return std::string_view(base + key.offset, key.size);
    }

    QString keyString(size_t index) const
    {
        const std::string_view text = keyText(index);
        return QString::fromUtf8(text.data(), qsizetype(text.size()));
    }

    // Sorted by text, then by position, equal keys sit side by side with their first one ahead.
    void reportRepeatsInInnermost()
    {
        const size_t firstKey = m_open.back().firstKey;
        if (m_keys.size() - firstKey < 2)
            return;
        m_order.resize(m_keys.size() - firstKey);
        std::iota(m_order.begin(), m_order.end(), firstKey);
        std::sort(m_order.begin(), m_order.end(), [this](size_t a, size_t b) {
            const int order = keyText(a).compare(keyText(b));
            return order != 0 ? order < 0 : a < b;
        });
        for (size_t first = 0; first < m_order.size();) {
            size_t end = first + 1;
            while (end < m_order.size() && keyText(m_order[end]) == keyText(m_order[first]))
                ++end;
            if (end - first > 1)
                report(m_order[first], end - first);
            first = end;
        }
    }

    void report(size_t key, size_t times)
    {
        const QString name = QLatin1Char('"') + printableKey(keyString(key)) + QLatin1Char('"');
        const QString message = times == 2 ? QStringLiteral("%1 appears twice").arg(name)
                                           : QStringLiteral("%1 appears %2 times").arg(name, QString::number(times));
        m_found.append({m_keys[key].quote, ConfigProblem{innermostPath(), message}});
    }

    // "routers[0].backends[1]": the path of the innermost open container under the base path.
    QString innermostPath() const
    {
        QString path = m_basePath;
        for (size_t depth = 1; depth < m_open.size(); ++depth) {
            const Container &container = m_open[depth];
            if (container.indexInParent) {
                path += QStringLiteral("[%1]").arg(*container.indexInParent);
            } else if (container.keyInParent) {
                if (!path.isEmpty())
                    path += QLatin1Char('.');
                path += printableKey(keyString(*container.keyInParent));
            }
        }
        return path;
    }

    const std::string_view m_text;
    const QString m_basePath;
    std::vector<Container> m_open;
    std::vector<Key> m_keys;
    QByteArray m_buffer;  // decoded keys of the open objects
    std::vector<size_t> m_order;
    QList<std::pair<size_t, ConfigProblem>> m_found;
};

}  // namespace

QList<ConfigProblem> repeatedKeys(const QByteArray &json, const QString &basePath)
{
    return RepeatedKeyScanner(json, basePath).scan();
}

QString printableKey(const QString &key)
{
    QString text;
    text.reserve(key.size());
    for (const QChar c : key) {
        if (c.unicode() < 0x20 || c.unicode() == 0x7f)
            text += QStringLiteral("\\u%1").arg(c.unicode(), 4, 16, QLatin1Char('0'));
        else
            text += c;
    }
    return text;
}

}  // namespace kairos
