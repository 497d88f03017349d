#include "retrypolicy.h"

#include <cmath>

namespace kairos {

int backoffDelayMs(const RetryPolicy &policy, int nextAttempt, quint64 random)
{
    const int retryNumber = std::max(nextAttempt - 2, 0);
    const double delay = policy.initialBackoffMs * std::pow(policy.backoffMultiplier, retryNumber);
    const int capped = delay >= policy.maxBackoffMs ? policy.maxBackoffMs : int(delay);
    if (!policy.jitter)
        return capped;
    return int(random % quint64(capped + 1));
}

bool isIdempotentMethod(QByteArrayView method)
{
    return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "PUT" || method == "DELETE"
           || method == "TRACE";
}

bool isRetryableStatus(const RetryPolicy &policy, int status)
{
    return (status < 400 || status >= 500) && policy.retryableStatusCodes.contains(status);
}

}  // namespace kairos
