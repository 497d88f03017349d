#include "discoveredbackends.h"

#include <QSet>

namespace kairos {

namespace {

bool hasDiscoverEntry(const Route &route)
{
    return std::any_of(route.backends.begin(), route.backends.end(),
                       [](const Backend &backend) { return bool(backend.discover); });
}

Backend fromEntry(const Backend &entry, const Backend &found)
{
    Backend backend = entry;
    backend.discover.reset();
    backend.unknownKeys = {};
    backend.host = found.host;
    backend.port = found.port;
    backend.weight = found.weight;
    backend.discovered = found.discovered;
    return backend;
}

}  // namespace

QList<DiscoverySettings> discoverySources(const Config &config)
{
    QList<DiscoverySettings> sources;
    QSet<QString> seen;
    for (const Route &route : config.routes) {
        for (const Backend &backend : route.backends) {
            if (backend.discover && !seen.contains(backend.discover->sourceKey())) {
                seen.insert(backend.discover->sourceKey());
                sources.append(*backend.discover);
            }
        }
    }
    return sources;
}

ConfigSnapshot expandDiscovered(const ConfigSnapshot &written, const DiscoveredBackends &found)
{
    if (std::none_of(written->routes.begin(), written->routes.end(), hasDiscoverEntry))
        return written;
    auto expanded = std::make_shared<Config>(*written);
    for (Route &route : expanded->routes) {
        if (!hasDiscoverEntry(route))
            continue;
        QList<Backend> backends;
        QSet<QString> keys;
        const auto append = [&](Backend backend) {
            const QString key = backend.key();
            if (keys.contains(key) || backends.size() >= kMaxBackendsPerRoute)
                return;
            keys.insert(key);
            backends.append(std::move(backend));
        };
        for (const Backend &entry : route.backends) {
            if (!entry.discover) {
                append(entry);
                continue;
            }
            const auto source = found.find(entry.discover->sourceKey());
            if (source == found.end())
                continue;
            for (const Backend &backend : source->second)
                append(fromEntry(entry, backend));
        }
        route.backends = std::move(backends);
    }
    return expanded;
}

}  // namespace kairos
