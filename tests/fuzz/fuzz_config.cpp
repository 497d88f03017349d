// Arbitrary bytes as a config file: read + validate must not crash, each problem's path must be
// found in the text (as the console's Config view does), and a config that passes must compile
// into a route table and survive a save and reload unchanged.
#include "config/configloader.h"
#include "config/configwriter.h"
#include "config/jsonlocate.h"
#include "routing/routetable.h"

#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    using namespace kairos;
    const QByteArray text(reinterpret_cast<const char *>(data), qsizetype(size));
    const ConfigLoadResult loaded = loadConfig(text);
    for (const ConfigProblem &problem : loaded.errors + loaded.warnings) {
        const qsizetype offset = locateJsonPath(text, problem.path);
        if (offset < 0 || offset > text.size())
            std::abort();
    }
    if (!loaded.ok()) {
        if (loaded.errors.isEmpty())
            std::abort();  // a refused config must say why
        return 0;
    }
    const RouteTable table(loaded.config);
    for (const CompiledRoute &route : table.routes())
        table.match(route.methods->value(0, "GET"), route.route->externalPath.toUtf8());

    const QByteArray saved = configToBytes(*loaded.config);
    const ConfigLoadResult reloaded = loadConfig(saved);
    if (!reloaded.ok() || configToBytes(*reloaded.config) != saved) {
        std::fprintf(stderr, "saved config does not load back the same:\n%s\n%s\n", saved.constData(),
                     qPrintable(reloaded.errorSummary()));
        std::abort();
    }
    return 0;
}
