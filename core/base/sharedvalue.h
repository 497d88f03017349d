// One copy of equal values. QString, QByteArray and Qt's lists are implicitly shared, so handing
// out the copy already in `seen` makes every equal value point at one block of memory: a config
// of thousands of routes repeats the same hosts, method lists and path pieces.
#pragma once

#include <QSet>

namespace kairos {

template <typename Value> Value sharedValue(QSet<Value> &seen, const Value &value)
{
    const auto existing = seen.constFind(value);
    if (existing != seen.cend())
        return *existing;
    seen.insert(value);
    return value;
}

}  // namespace kairos
