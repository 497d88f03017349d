// What a rate limit's decision adds to an answer: the IETF draft's RateLimit-* fields, and the
// 429 of a refused request. One wording for a route's limit and a backend's.
#pragma once

#include "gatewayerror.h"
#include "protection/ratelimiter.h"

namespace kairos {

http::Headers rateLimitFields(const RateLimiter &limiter, const RateLimiter::Decision &decision);
// `whose`: "" for a route's limit, "backend http://b:8080, " for a backend's.
GatewayError rateLimitedError(const RateLimiter &limiter, const RateLimiter::Decision &decision,
                              const QByteArray &whose);

}  // namespace kairos
