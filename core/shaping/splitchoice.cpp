#include "splitchoice.h"

#include "balancing/balancer.h"
#include "splitstate.h"

namespace kairos {

SplitChoice::SplitChoice(const SplitSettings &settings)
    : m_kind(settings.key.kind),
      m_keyName(settings.key.name.toLatin1()),
      m_canaryHeader(settings.canaryHeader.toLatin1()),
      m_canary(settings.canaryGroup())
{}

int SplitChoice::choose(const SplitState &state, const http::Headers &headers, quint64 clientHash) const
{
    if (!m_canaryHeader.isEmpty()) {
        const QByteArray override = headers.value(m_canaryHeader).trimmed();
        if (http::equalsIgnoreCase(override, "always"))
            return m_canary;
        if (http::equalsIgnoreCase(override, "never"))
            return 0;
    }
    quint64 hash = 0;
    switch (m_kind) {
    case SplitKey::Kind::Random: break;
    case SplitKey::Kind::ClientIp: hash = clientHash; break;
    case SplitKey::Kind::Header: {
        const QByteArray value = headers.combinedValue(m_keyName);
        if (!value.isEmpty())
            hash = kairos::clientHash(value);
        break;
    }
    case SplitKey::Kind::Cookie: {
        const QByteArray value = cookieValue(headers, m_keyName);
        if (!value.isEmpty())
            hash = kairos::clientHash(value);
        break;
    }
    }
    // No key (random, or the header or cookie is missing): a random point.
    if (hash == 0)
        hash = threadRandom();
    return state.groupAt(quint32(hash >> 32));
}

QByteArray cookieValue(const http::Headers &headers, QByteArrayView name)
{
    for (const http::Headers::Field &field : headers.fields()) {
        if (!http::equalsIgnoreCase(field.first, "cookie"))
            continue;
        for (const QByteArray &pair : field.second.split(';')) {
            const qsizetype equals = pair.indexOf('=');
            if (equals > 0 && pair.first(equals).trimmed() == name)
                return pair.sliced(equals + 1).trimmed();
        }
    }
    return {};
}

}  // namespace kairos
