#include "jsonlocate.h"

#include <QRegularExpression>

#include <vector>

namespace kairos {

namespace {

// One step of a path: a member's key, or an element's index.
struct Step {
    QByteArray key;
    int index = -1;

    bool operator==(const Step &other) const { return index == other.index && key == other.key; }
};

std::vector<Step> parsePath(const QString &path)
{
    std::vector<Step> steps;
    static const QRegularExpression step(QStringLiteral(R"(([^.\[\]]+)|\[(\d+)\])"));
    for (auto it = step.globalMatch(path); it.hasNext();) {
        const QRegularExpressionMatch match = it.next();
        if (match.capturedLength(1) > 0)
            steps.push_back(Step{match.captured(1).toUtf8(), -1});
        else
            steps.push_back(Step{{}, match.captured(2).toInt()});
    }
    return steps;
}

// An object or array opened and not yet closed; `depth` steps lead to it.
struct Open {
    bool isObject = false;
    bool expectingKey = false;
    bool elementStarted = false;
    int index = 0;
    size_t depth = 0;
};

class Locator
{
public:
    Locator(const QByteArray &json, std::vector<Step> target) : m_text(json), m_target(std::move(target)) {}

    qsizetype run()
    {
        for (qsizetype i = 0; i < m_text.size(); ++i) {
            const char c = m_text[i];
            switch (c) {
            case ' ':
            case '\t':
            case '\n':
            case '\r':
            case ':': break;
            case ',': nextMember(); break;
            case '}':
            case ']':
                if (!m_open.empty())
                    m_open.pop_back();
                break;
            case '"': i = string(i); break;
            default:
                valueStarts(i);
                if (c == '{' || c == '[')
                    m_open.push_back(Open{c == '{', c == '{', false, 0, m_path.size()});
                break;
            }
        }
        return m_best;
    }

private:
    void nextMember()
    {
        if (m_open.empty())
            return;
        Open &open = m_open.back();
        open.expectingKey = open.isObject;
        if (!open.isObject) {
            ++open.index;
            open.elementStarted = false;
        }
    }

    // An array's element begins at `at` (objects' values are placed by their key).
    void valueStarts(qsizetype at)
    {
        if (m_open.empty() || m_open.back().isObject || m_open.back().elementStarted)
            return;
        Open &open = m_open.back();
        open.elementStarted = true;
        m_path.resize(open.depth);
        m_path.push_back(Step{{}, open.index});
        consider(at);
    }

    qsizetype string(qsizetype quote)
    {
        qsizetype end = quote + 1;
        while (end < m_text.size() && m_text[end] != '"')
            end += m_text[end] == '\\' ? 2 : 1;
        if (!m_open.empty() && m_open.back().isObject && m_open.back().expectingKey) {
            Open &open = m_open.back();
            open.expectingKey = false;
            m_path.resize(open.depth);
            m_path.push_back(Step{m_text.mid(quote + 1, end - quote - 1), -1});
            consider(quote);
        } else {
            valueStarts(quote);
        }
        return end;
    }

    // The value at m_path starts at `at`: kept when it is the deepest part of the target so far.
    void consider(qsizetype at)
    {
        if (m_path.size() > m_target.size() || m_path.size() <= m_bestDepth)
            return;
        for (size_t i = 0; i < m_path.size(); ++i) {
            if (!(m_path[i] == m_target[i]))
                return;
        }
        m_bestDepth = m_path.size();
        m_best = at;
    }

    const QByteArray &m_text;
    const std::vector<Step> m_target;
    std::vector<Open> m_open;
    std::vector<Step> m_path;  // of the value being read
    size_t m_bestDepth = 0;
    qsizetype m_best = 0;
};

}  // namespace

qsizetype locateJsonPath(const QByteArray &json, const QString &path)
{
    return Locator(json, parsePath(path)).run();
}

}  // namespace kairos
