// Backend bytes, whole and in arbitrary pieces, through the upstream response parser (the first
// byte's high bit says whether the request was HEAD).
#include "parserdriver.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kairos::fuzz::requireSplitInvariance(kairos::http::MessageParser::Type::Response, data, size);
    return 0;
}
