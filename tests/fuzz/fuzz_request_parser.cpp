// Client bytes, whole and in arbitrary pieces, through the inbound request parser.
#include "parserdriver.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kairos::fuzz::requireSplitInvariance(kairos::http::MessageParser::Type::Request, data, size);
    return 0;
}
