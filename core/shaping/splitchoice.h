// Which group of a split route a request goes to: the canary header's override first, then the
// split key's point on the groups' stretches of [0, 2^32) (SplitState::groupAt()).
#pragma once

#include "config/config.h"
#include "http/httpmessage.h"

#include <QByteArray>

namespace kairos {

class SplitState;

class SplitChoice
{
public:
    explicit SplitChoice(const SplitSettings &settings);

    // `clientHash`: clientHash() of the client's address (X-Forwarded-For's from trusted proxies).
    int choose(const SplitState &state, const http::Headers &headers, quint64 clientHash) const;

private:
    SplitKey::Kind m_kind;
    QByteArray m_keyName;  // the header's or cookie's name
    QByteArray m_canaryHeader;
    int m_canary;
};

// The value of cookie `name` in the request's Cookie fields; empty when it has none.
QByteArray cookieValue(const http::Headers &headers, QByteArrayView name);

}  // namespace kairos
