// A client's bytes on an h2c connection after the preface, cut into reads of a size the first
// byte picks: whatever the frames say, the connection must not crash, leak or stop making
// progress. No route matches, so every stream the frames open is answered by the gateway itself
// (404, 400, 431, 413...) and no backend is involved.
#include "config/configloader.h"
#include "proxy/clientconnection.h"
#include "proxy/http2connection.h"
#include "runtime/deferredcalls.h"

#include <cstring>

namespace {

using namespace kairos;

class InputTransport final : public Transport
{
public:
    InputTransport(QByteArrayView input, qsizetype readSize) : m_input(input), m_readSize(readSize) {}
    void connectToHost(const QString &, quint16) override {}
    bool isOpen() const override { return true; }
    bool mayRead() const override { return m_offset < m_input.size(); }
    qint64 read(char *data, qint64 max) override
    {
        const qint64 n = std::min<qint64>({max, m_readSize, m_input.size() - m_offset});
        std::memcpy(data, m_input.data() + m_offset, size_t(n));
        m_offset += n;
        return n;
    }
    void write(QByteArrayView data) override { m_written += data.size(); }
    qint64 bytesToWrite() const override { return 0; }
    void close() override {}
    void abort() override {}
    QHostAddress peerAddress() const override { return QHostAddress(QHostAddress::LocalHost); }

private:
    QByteArrayView m_input;
    qsizetype m_offset = 0;
    qsizetype m_readSize;
    qint64 m_written = 0;
};

struct Gateway {
    Gateway()
    {
        Config config;
        config.server.maxHeaderBytes = 4096;
        config.server.maxBodyBytes = 1024;
        const ConfigLoadResult frozen = freezeConfig(std::move(config));
        if (!frozen.ok())
            abort();
        snapshot = std::make_shared<GatewaySnapshot>(frozen.config, backends, metrics);
        services.snapshot = [this] { return snapshot; };
    }
    BackendRegistry backends;
    RouteMetricsRegistry metrics;
    GatewaySnapshotPtr snapshot;
    ConnectionServices services;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static Gateway gateway;
    if (size < 1)
        return 0;
    QByteArray input("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    input.append(reinterpret_cast<const char *>(data) + 1, qsizetype(size - 1));
    InputTransport transport(input, 1 + data[0] * 37);
    {
        bool finished = false;
        Http2Connection connection(transport, gateway.services, [&finished] { finished = true; });
        connection.start({});
        DeferredCalls::runWaiting();
        connection.checkDeadlines(std::numeric_limits<qint64>::max() / 2);
        DeferredCalls::runWaiting();
    }
    DeferredCalls::runWaiting();
    return 0;
}
