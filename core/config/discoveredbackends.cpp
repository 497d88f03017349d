#include "discoveredbackends.h"

#include <QHash>
#include <QSet>

namespace kairos {

namespace {

bool hasDiscoverEntry(const Route &route)
{
    return std::any_of(route.backends.begin(), route.backends.end(),
                       [](const Backend &backend) { return bool(backend.discover); });
}

// `found` as `entry` lists it: with the entry's fields, and for DNS records the entry's scheme
// (and, A/AAAA, its weight); a registration's scheme is its source's (sourceKey()).
Backend fromEntry(const Backend &entry, const Backend &found)
{
    const DiscoverySettings &settings = *entry.discover;
    Backend backend = entry;
    backend.discover.reset();
    backend.unknownKeys = {};
    // A DNS source writes "scheme://name": the name is what follows its "://" (no URL parse for
    // each of up to kMaxDiscoveredBackends on every swap).
    backend.host = settings.kind == DiscoverySettings::Kind::Etcd
                       ? found.host
                       : settings.scheme + found.host.mid(found.host.indexOf(QLatin1String("://")));
    backend.port = found.port;
    backend.weight = settings.kind == DiscoverySettings::Kind::Dns ? settings.weight : found.weight;
    backend.discovered = found.discovered;
    return backend;
}

}  // namespace

QList<DiscoverySettings> discoverySources(const Config &config)
{
    QList<DiscoverySettings> sources;
    QHash<QString, qsizetype> indexOf;  // by sourceKey()
    for (const Route &route : config.routes) {
        for (const Backend &backend : route.backends) {
            if (!backend.discover)
                continue;
            const auto known = indexOf.constFind(backend.discover->sourceKey());
            if (known == indexOf.cend()) {
                indexOf.insert(backend.discover->sourceKey(), sources.size());
                sources.append(*backend.discover);
                continue;
            }
            // Looked up as often as the most frequent entry asks; what the source finds does not
            // depend on the entries' scheme or weight, which expandDiscovered() puts on it.
            DiscoverySettings &source = sources[*known];
            source.refreshMs = std::min(source.refreshMs, backend.discover->refreshMs);
            source.respectTtl = source.respectTtl || backend.discover->respectTtl;
        }
    }
    return sources;
}

ConfigSnapshot expandDiscovered(const ConfigSnapshot &written, const DiscoveredBackends &found, int *leftOut)
{
    if (leftOut)
        *leftOut = 0;
    if (std::none_of(written->routes.begin(), written->routes.end(), hasDiscoverEntry))
        return written;
    int discovered = 0;  // in all routes
    auto expanded = std::make_shared<Config>(*written);
    for (Route &route : expanded->routes) {
        if (!hasDiscoverEntry(route))
            continue;
        QList<Backend> backends;
        QSet<QString> keys;  // within a split group: a backend may serve two groups
        const auto append = [&](Backend backend) {
            const QString key = backend.key();
            if (keys.contains(key) || backends.size() >= kMaxBackendsPerRoute)
                return;
            keys.insert(key);
            backends.append(std::move(backend));
        };
        // A split's groups are runs of route.backends: each run expands to a run of its own.
        QList<int> runs{int(route.backends.size())};
        if (const SplitSettings *split = route.split()) {
            runs.clear();
            for (const SplitGroup &group : split->groups)
                runs.append(group.backendCount);
        }
        int next = 0;
        for (int run = 0; run < runs.size(); ++run) {
            const int before = int(backends.size());
            keys.clear();
            for (int end = std::min(next + runs[run], int(route.backends.size())); next < end; ++next) {
                const Backend &entry = route.backends[next];
                if (!entry.discover) {
                    append(entry);
                    continue;
                }
                const auto source = found.find(entry.discover->sourceKey());
                if (source == found.end())
                    continue;
                for (const Backend &backend : source->second) {
                    if (discovered >= kMaxDiscoveredBackends) {
                        if (leftOut)
                            ++*leftOut;
                        continue;
                    }
                    const qsizetype before = backends.size();
                    append(fromEntry(entry, backend));
                    discovered += int(backends.size() - before);
                }
            }
            runs[run] = int(backends.size()) - before;
        }
        route.backends = std::move(backends);
        if (route.overrides->split) {
            RouteOverrides overrides = *route.overrides;
            for (int g = 0; g < overrides.split->groups.size(); ++g)
                overrides.split->groups[g].backendCount = runs[g];
            route.overrides = std::move(overrides);
        }
    }
    return expanded;
}

}  // namespace kairos
