// A header block for libnghttp2: the names and values kept alive until it is submitted (the
// library copies them then).
#pragma once

#include "http/httpmessage.h"

#include <nghttp2/nghttp2.h>

#include <vector>

namespace kairos {

class Http2Fields
{
public:
    // Names must be lowercase. A value that changes with every message (a request id, a date) is
    // not indexed: it would only push fields that repeat out of the peer's HPACK table, and
    // looking it up costs the deflater a search each time (bench/h2/h2.py, -m1).
    void add(QByteArray name, QByteArray value)
    {
        m_storage.push_back(std::move(name));
        m_storage.push_back(std::move(value));
    }
    // Each field's name lowercased.
    void addAll(const http::Headers &headers)
    {
        for (const http::Headers::Field &field : headers.fields())
            add(field.first.toLower(), field.second);
    }
    const nghttp2_nv *data()
    {
        m_nva.clear();
        for (size_t i = 0; i + 1 < m_storage.size(); i += 2) {
            const QByteArray &name = m_storage[i];
            const QByteArray &value = m_storage[i + 1];
            const bool changesEachTime = name == "x-request-id" || name == "date";
            m_nva.push_back({reinterpret_cast<uint8_t *>(const_cast<char *>(name.constData())),
                             reinterpret_cast<uint8_t *>(const_cast<char *>(value.constData())), size_t(name.size()),
                             size_t(value.size()),
                             uint8_t(changesEachTime ? NGHTTP2_NV_FLAG_NO_INDEX : NGHTTP2_NV_FLAG_NONE)});
        }
        return m_nva.data();
    }
    size_t size() const { return m_storage.size() / 2; }

private:
    std::vector<QByteArray> m_storage;
    std::vector<nghttp2_nv> m_nva;
};

}  // namespace kairos
