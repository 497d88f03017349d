// What both ends of the gateway's HTTP/2 (clients, Http2Connection; backends, Http2UpstreamSession)
// do the same way around a libnghttp2 session: header blocks, sending what it queued, windows.
#pragma once

#include "http/httpmessage.h"
#include "runtime/transport.h"

#include <nghttp2/nghttp2.h>

#include <climits>
#include <vector>

namespace kairos {

// What a stream may send before the gateway acknowledges it: as much as a socket's own high-water
// mark, so a body moves at the speed of one HTTP/1.1 connection.
constexpr int32_t kHttp2StreamWindowBytes = int32_t(Transport::kHighWaterBytes);
constexpr qsizetype kHttp2ReadChunkBytes = 64 * 1024;

// Writes the frames the session has queued to `transport`, until the transport holds its
// high-water mark, the session has nothing left or `maxFrames` went; 0, or libnghttp2's error.
// Not from inside the session's own callbacks.
inline int sendQueuedFrames(nghttp2_session *session, Transport &transport, int maxFrames = INT_MAX)
{
    for (int frames = 0; frames < maxFrames && transport.bytesToWrite() < Transport::kHighWaterBytes; ++frames) {
        const uint8_t *data = nullptr;
        const ssize_t length = nghttp2_session_mem_send(session, &data);
        if (length <= 0)
            return int(length);
        transport.write(QByteArrayView(reinterpret_cast<const char *>(data), qsizetype(length)));
    }
    return 0;
}

// A header block for libnghttp2: names and values kept alive until it is submitted (the library
// copies them then).
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
