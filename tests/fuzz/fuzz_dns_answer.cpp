// One DNS answer as a nameserver could send it, read as the answer to an A, an AAAA and an SRV
// query (core/discovery/dnsmessage.h: c-ares's and libresolv's parsers, and the copying of the
// additional section's addresses around them). Whatever the bytes, the reading must stay within
// its limit and report no TTL above 2^31 - 1 (RFC 2181).
#include "discovery/dnsmessage.h"

#include <cstdint>
#include <cstdlib>
#include <limits>

namespace {

using namespace kairos::dns;

constexpr int kLimit = 16;
constexpr quint32 kMaxTtl = 0x7fffffff;

void check(bool condition)
{
    if (!condition)
        std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > static_cast<size_t>(std::numeric_limits<int>::max()))
        return 0;
    const int length = static_cast<int>(size);
    for (const bool ipv6 : {false, true}) {
        const AddressRecords records = readAddressAnswer(data, length, ipv6, kLimit);
        check(records.addresses.size() <= kLimit);
        check((records.reading == Reading::Records) == !records.addresses.isEmpty());
        for (const TimedAddress &address : records.addresses) {
            check(address.ttlSeconds <= kMaxTtl);
            check(address.address.protocol() == (ipv6 ? QAbstractSocket::IPv6Protocol : QAbstractSocket::IPv4Protocol));
        }
    }
    const ServiceRecords service = readServiceAnswer(data, length, kLimit);
    check(service.entries.size() <= kLimit);
    check((service.reading == Reading::Records) == !service.entries.isEmpty());
    check(service.ttlSeconds <= kMaxTtl);
    qsizetype additional = 0;
    for (const QList<TimedAddress> &addresses : service.additional) {
        additional += addresses.size();
        for (const TimedAddress &address : addresses)
            check(address.ttlSeconds <= kMaxTtl);
    }
    check(additional <= kLimit);
    return 0;
}
