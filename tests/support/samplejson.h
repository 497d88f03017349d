// A JSON API response of about `bytes` bytes for compression tests and benchmarks: an array of
// user records with ids, names, emails, nested addresses and tags, varied by a seeded generator
// so that it compresses like real data rather than like one record repeated.
#pragma once

#include <QByteArray>
#include <QRandomGenerator>

#include <array>

namespace kairos::test {

inline QByteArray sampleJson(qsizetype bytes, quint32 seed = 1)
{
    static constexpr std::array firstNames{"Ada",      "Grace", "Alan",    "Edsger",  "Barbara", "Donald",
                                           "Margaret", "Ken",   "Frances", "Niklaus", "Radia",   "Leslie",
                                           "Sophie",   "John",  "Hedy",    "Dennis"};
    static constexpr std::array lastNames{"Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov",  "Knuth",  "Hamilton",
                                          "Thompson", "Allen",  "Wirth",  "Perlman",  "Lamport", "Wilson", "Backus"};
    static constexpr std::array cities{"Lyon", "Porto", "Leeds", "Graz", "Tartu", "Ghent", "Bergen", "Aarhus"};
    static constexpr std::array tags{"admin", "billing", "beta", "support", "ops", "sales", "api", "mobile"};
    QRandomGenerator random(seed);
    auto pick = [&random](const auto &list) { return list[random.bounded(int(list.size()))]; };
    QByteArray json = "{\"users\":[";
    json.reserve(bytes + 512);
    for (int id = 1; json.size() < bytes; ++id) {
        const QByteArray first = pick(firstNames);
        const QByteArray last = pick(lastNames);
        if (id > 1)
            json += ',';
        json += "{\"id\":" + QByteArray::number(100000 + id * 7 + random.bounded(7)) + ",\"name\":\"" + first + ' '
                + last + "\",\"email\":\"" + first.toLower() + '.' + last.toLower()
                + QByteArray::number(random.bounded(1000))
                + "@example.com\",\"active\":" + (random.bounded(4) ? "true" : "false")
                + ",\"score\":" + QByteArray::number(random.bounded(10000) / 100.0) + ",\"address\":{\"street\":\""
                + QByteArray::number(1 + random.bounded(200)) + " Elm Street\",\"city\":\"" + pick(cities)
                + "\",\"zip\":\"" + QByteArray::number(10000 + random.bounded(89999)) + "\"},\"tags\":[\"" + pick(tags)
                + "\",\"" + pick(tags) + "\"],\"created_at\":\"2024-0" + QByteArray::number(1 + random.bounded(9))
                + "-1" + QByteArray::number(random.bounded(10)) + "T" + QByteArray::number(10 + random.bounded(14))
                + ":" + QByteArray::number(10 + random.bounded(50)) + ":00Z\"}";
    }
    json += "]}";
    return json;
}

}  // namespace kairos::test
