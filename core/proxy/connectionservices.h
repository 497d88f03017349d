// What a worker lends each client connection (HTTP/1.1 or HTTP/2): the config snapshot, its pool,
// deadlines and local endpoints, and where finished requests are reported.
#pragma once

#include "admission.h"
#include "localhandler.h"
#include "runtime/deadlines.h"
#include "upstreampool.h"

#include <atomic>
#include <functional>

namespace kairos {

class MirrorSender;

struct ConnectionServices {
    std::function<GatewaySnapshotPtr()> snapshot;
    bool captureHeaders = false;         // copy heads into RequestRecord (for the console's traffic view)
    Breakpoints *breakpoints = nullptr;  // the console's; null headless
    MirrorSender *mirror = nullptr;      // the worker's copies for routes' mirrors
    UpstreamPool *pool = nullptr;
    Deadlines *deadlines = nullptr;  // the worker's timeout tick
    LocalHandler *localHandler = nullptr;
    RouteMetrics *unmatchedMetrics = nullptr;  // requests no route matched (and local endpoints)
    std::function<void(const RequestRecord &)> onRequestFinished;
    std::atomic<int> *openConnections = nullptr;  // the worker's count; a connection leaves it once closed
};

// A request is over: its timing, backend and tries into the record, then the route's metrics and
// the request observer (access log, console). exchange: the one that carried it, or null.
void reportFinishedRequest(ActiveRequest &request, const ProxyExchange *exchange, const ConnectionServices &services);

}  // namespace kairos
