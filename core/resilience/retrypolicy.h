// When and how long to wait before trying a request again.
#pragma once

#include "config/config.h"

#include <QByteArrayView>

namespace kairos {

// Delay before try number `nextAttempt` (2 is the first retry):
// min(initial_backoff_ms * backoff_multiplier^(nextAttempt - 2), max_backoff_ms). With jitter,
// a uniformly random delay between 0 and that ("full jitter"), drawn from `random`.
int backoffDelayMs(const RetryPolicy &policy, int nextAttempt, quint64 random = 0);

// GET, HEAD, OPTIONS, PUT, DELETE, TRACE: safe to send twice (RFC 9110 §9.2.2).
bool isIdempotentMethod(QByteArrayView method);

// Whether a response status asks for another try: listed in the policy and never a 4xx.
bool isRetryableStatus(const RetryPolicy &policy, int status);

}  // namespace kairos
