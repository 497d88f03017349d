#include "ratelimitanswer.h"

namespace kairos {

http::Headers rateLimitFields(const RateLimiter &limiter, const RateLimiter::Decision &decision)
{
    http::Headers fields;
    fields.add("RateLimit-Limit", QByteArray::number(decision.limit));
    fields.add("RateLimit-Remaining", QByteArray::number(decision.remaining));
    fields.add("RateLimit-Reset", QByteArray::number(decision.resetSeconds));
    fields.add("RateLimit-Policy", limiter.policy());
    return fields;
}

GatewayError rateLimitedError(const RateLimiter &limiter, const RateLimiter::Decision &decision,
                              const QByteArray &whose)
{
    GatewayError error = GatewayError::fromStatus(
        429, "rate limit of " + limiter.policy() + " (" + whose + "key " + limiter.settings().keyText().toUtf8()
                 + ") exceeded; retry in " + QByteArray::number(decision.retryAfterSeconds) + " s");
    error.fields = rateLimitFields(limiter, decision);
    error.retryAfterSeconds = decision.retryAfterSeconds;
    error.note = "rate_limited";
    return error;
}

}  // namespace kairos
