// Routes the traffic inspector makes from a captured exchange, for the route editor to show
// before anything is applied: a mock answering as the backend did, and the served route with
// CORS for the exchange's origin.
#pragma once

#include "config/config.h"
#include "metrics/requestrecord.h"

#include <optional>

namespace kairos {

struct ExchangeRoute {
    Route route;
    QString original;           // the route the editor edits; empty: a new route
    std::optional<Route> seen;  // `original` as the config has it, when `route` changes it
    QStringList warnings;
};

// A mock route for the exchange's method and exact path, answering with its captured status,
// fields (those a mock may set) and body. An all-literal path wins over every placeholder and
// catch-all route (routetable.h), so the new route matches before the one that served it.
ExchangeRoute mockRouteFor(const RequestRecord &record, const Config &config);

// A refused preflight, or a request with an Origin whose answer allowed no origin.
bool wantsCors(const RequestRecord &record);
// The served route with the exchange's origin allowed (and the method and fields a preflight
// asked for, when the route lists which); none when no route served it or it sent no Origin.
std::optional<ExchangeRoute> corsRouteFor(const RequestRecord &record, const Config &config);

}  // namespace kairos
