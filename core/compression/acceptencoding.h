// Content negotiation on Accept-Encoding (RFC 9110 §12.5.3).
#pragma once

#include "compression/compressionpolicy.h"

#include <QByteArrayView>

namespace kairos {

// The coding of policy.encodings the client accepts with the highest q-value (ties go to the
// earlier in policy.encodings), or Identity when it accepts none of them, names identity with a
// higher q-value than that coding's, or sends no Accept-Encoding at all. `acceptEncoding` is the
// field's combined value (http::Headers::combinedValue). Names and "q" are case-insensitive,
// "x-gzip" is gzip, "*" gives its q-value to every coding not named; an element whose q-value is
// malformed (not 0..1 with at most three decimals) is ignored, as are unknown codings.
ContentCoding chooseCoding(const CompressionPolicy &policy, QByteArrayView acceptEncoding);

}  // namespace kairos
