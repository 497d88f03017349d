// What a route does besides choosing a backend, compiled per config: CORS, header rules, faults,
// and the answer of a route without backends (redirect, mock). Made by GatewaySnapshot, used by
// the admission steps, the exchange and both client connection kinds.
#pragma once

#include "compression/compressionpolicy.h"
#include "config/config.h"
#include "staticfiles/staticfiles.h"
#include "transform/corspolicy.h"
#include "transform/headerrules.h"

#include <memory>
#include <vector>

namespace kairos {

struct RouteRules {
    QByteArray route;  // the route's external_path, for the rules' {route}
    std::shared_ptr<const CorsPolicy> cors;
    std::shared_ptr<const CompiledHeaderRules> requestHeaders;
    std::shared_ptr<const CompiledHeaderRules> responseHeaders;
    const FaultSettings *fault = nullptr;  // in the snapshot's config
    QByteArray faultHeader;                // fault->header as a field name; empty: none
    const RedirectSettings *redirect = nullptr;
    const MockSettings *mock = nullptr;
    QByteArray mockBody;  // body, or body_file's content
    std::optional<StaticSite> staticSite;
    std::shared_ptr<const CompressionPolicy> compression;
};

// By route index, null for a route that has none of them; empty when no route has any.
std::vector<std::shared_ptr<const RouteRules>> compileRouteRules(const Config &config);

// The fault one request gets: the one its fault field asks for, or one drawn by the percentages.
struct FaultDecision {
    int delayMs = 0;
    int abortStatus = 0;
    bool any() const { return delayMs > 0 || abortStatus > 0; }
};
FaultDecision decideFault(const RouteRules &rules, const http::Headers &requestHeaders);

// A redirect's or a mock's answer to one request: status, fields and body. target: the request's
// path and query.
struct RouteAnswer {
    int status = 200;
    http::Headers fields;
    QByteArray body;
    int delayMs = 0;
    const char *note = nullptr;  // "redirect", "mock"
};
RouteAnswer routeAnswer(const RouteRules &rules, QByteArrayView target);

}  // namespace kairos
