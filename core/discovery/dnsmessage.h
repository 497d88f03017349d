// Reading one DNS answer, the bytes c-ares hands to an ares_query callback. c-ares's own parsers
// read the A, AAAA and SRV records; glibc's libresolv (ns_initparse, ns_parserr) reads what
// c-ares 1.18 does not return: the SRV records' TTL and the addresses of the additional section.
// Functions of the bytes alone, so that tests/fuzz/fuzz_dns_answer.cpp can feed them anything.
#pragma once

#include <QHash>
#include <QHostAddress>
#include <QList>
#include <QString>

namespace kairos::dns {

enum class Reading {
    Records,    // at least one record of the type asked for
    NoRecords,  // a well-formed answer without one
    Malformed   // c-ares or libresolv could not read it
};

struct TimedAddress {
    QHostAddress address;
    quint32 ttlSeconds = 0;
};

struct AddressRecords {
    Reading reading = Reading::Malformed;
    QList<TimedAddress> addresses;  // at most the limit given
};

// The A records (ipv6 false) or AAAA records of an answer. A CNAME on the way lowers the TTL to
// the CNAME's when that is smaller (c-ares does this).
AddressRecords readAddressAnswer(const unsigned char *answer, int length, bool ipv6, int limit);

struct ServiceEntry {
    QString target;  // as in the record, without the trailing dot; empty for "." (no service)
    quint16 port = 0;
    int priority = 0;
    int weight = 0;
};

struct ServiceRecords {
    Reading reading = Reading::Malformed;
    QList<ServiceEntry> entries;  // at most the limit given
    // The smallest TTL of the SRV records. The records of one name and type form one RRset, and
    // an RRset has a single TTL (RFC 2181 section 5.2); taking the smallest stays safe when a
    // server breaks that rule, and c-ares's SRV parser does not say which TTL goes with which
    // record.
    quint32 ttlSeconds = 0;
    // A and AAAA records of the additional section, by name in lower case without the trailing
    // dot; at most the limit given in all.
    QHash<QString, QList<TimedAddress>> additional;
};

ServiceRecords readServiceAnswer(const unsigned char *answer, int length, int limit);

// The name without its trailing dot, in lower case: how targets are compared.
QString normalizedName(const QString &name);

}  // namespace kairos::dns
