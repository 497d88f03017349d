#include "dnsmessage.h"

#include <QtEndian>

#include <ares.h>
#include <arpa/nameser.h>

#include <algorithm>
#include <memory>
#include <vector>

namespace kairos::dns {

namespace {

// RFC 2181 section 8: a TTL with the most significant bit set counts as zero.
quint32 ttlOf(long long ttl)
{
    return ttl < 0 || ttl > 0x7fffffff ? 0 : static_cast<quint32>(ttl);
}

// How many records of `recordSize` bytes of data fit in `length` bytes: each record also has a
// name (two bytes at least, as a compression pointer) and ten bytes of type, class, TTL and
// length. The arrays c-ares fills are sized by this rather than by the limit alone.
int recordsThatFit(int length, int recordSize, int limit)
{
    return std::max(1, std::min(limit, length / (12 + recordSize) + 1));
}

}  // namespace

QString normalizedName(const QString &name)
{
    QString normalized = name.toLower();
    if (normalized.endsWith(QLatin1Char('.')))
        normalized.chop(1);
    return normalized;
}

AddressRecords readAddressAnswer(const unsigned char *answer, int length, bool ipv6, int limit)
{
    AddressRecords records;
    if (limit <= 0)
        return records;
    int count = recordsThatFit(length, ipv6 ? 16 : 4, limit);
    int status;
    if (ipv6) {
        std::vector<ares_addr6ttl> found(static_cast<size_t>(count));
        status = ares_parse_aaaa_reply(answer, length, nullptr, found.data(), &count);
        if (status == ARES_SUCCESS || status == ARES_ENODATA) {
            for (int i = 0; i < count; ++i)
                records.addresses.append({QHostAddress(found[i].ip6addr._S6_un._S6_u8), ttlOf(found[i].ttl)});
        }
    } else {
        std::vector<ares_addrttl> found(static_cast<size_t>(count));
        status = ares_parse_a_reply(answer, length, nullptr, found.data(), &count);
        if (status == ARES_SUCCESS || status == ARES_ENODATA) {
            for (int i = 0; i < count; ++i)
                records.addresses.append(
                    {QHostAddress(qFromBigEndian<quint32>(&found[i].ipaddr.s_addr)), ttlOf(found[i].ttl)});
        }
    }
    if (status != ARES_SUCCESS && status != ARES_ENODATA)
        records.reading = Reading::Malformed;
    else
        records.reading = records.addresses.isEmpty() ? Reading::NoRecords : Reading::Records;
    return records;
}

ServiceRecords readServiceAnswer(const unsigned char *answer, int length, int limit)
{
    ServiceRecords records;
    if (limit <= 0)
        return records;
    ares_srv_reply *replies = nullptr;
    const int status = ares_parse_srv_reply(answer, length, &replies);
    std::unique_ptr<ares_srv_reply, void (*)(void *)> owner(replies, ares_free_data);
    if (status == ARES_ENODATA) {
        records.reading = Reading::NoRecords;
        return records;
    }
    if (status != ARES_SUCCESS)
        return records;
    for (const ares_srv_reply *reply = replies; reply && records.entries.size() < limit; reply = reply->next) {
        QString target = QString::fromUtf8(reply->host);
        if (target == QLatin1String("."))
            target.clear();
        records.entries.append({normalizedName(target), reply->port, reply->priority, reply->weight});
    }

    ns_msg message;
    if (ns_initparse(answer, length, &message) < 0) {
        records.entries.clear();
        return records;
    }
    bool sawTtl = false;
    const int answers = ns_msg_count(message, ns_s_an);
    for (int i = 0; i < answers; ++i) {
        ns_rr record;
        if (ns_parserr(&message, ns_s_an, i, &record) < 0) {
            records.entries.clear();
            return records;
        }
        if (ns_rr_type(record) == ns_t_srv && ns_rr_class(record) == ns_c_in) {
            const quint32 ttl = ttlOf(ns_rr_ttl(record));
            records.ttlSeconds = sawTtl ? std::min(records.ttlSeconds, ttl) : ttl;
            sawTtl = true;
        }
    }
    // The additional section is a hint: a record libresolv cannot read ends it, and the targets
    // it did not cover are looked up.
    int kept = 0;
    const int additional = ns_msg_count(message, ns_s_ar);
    for (int i = 0; i < additional && kept < limit; ++i) {
        ns_rr record;
        if (ns_parserr(&message, ns_s_ar, i, &record) < 0)
            break;
        if (ns_rr_class(record) != ns_c_in)
            continue;
        QHostAddress address;
        if (ns_rr_type(record) == ns_t_a && ns_rr_rdlen(record) == 4)
            address = QHostAddress(qFromBigEndian<quint32>(ns_rr_rdata(record)));
        else if (ns_rr_type(record) == ns_t_aaaa && ns_rr_rdlen(record) == 16)
            address = QHostAddress(ns_rr_rdata(record));
        else
            continue;
        records.additional[normalizedName(QString::fromUtf8(ns_rr_name(record)))].append(
            {address, ttlOf(ns_rr_ttl(record))});
        ++kept;
    }
    records.reading = records.entries.isEmpty() ? Reading::NoRecords : Reading::Records;
    return records;
}

}  // namespace kairos::dns
