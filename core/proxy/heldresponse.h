// A response a breakpoint holds: the exchange sends it here instead of to the client; once it is
// whole (up to Breakpoints::kMaxHeldBodyBytes) it waits for the console's decision, then goes to
// the client as it was, edited, or replaced by an error. Larger responses go on unheld.
#pragma once

#include "breakpoints.h"
#include "proxyexchange.h"

namespace kairos {

class HeldResponse final : public ExchangeSink
{
public:
    // context: the exchange, on whose thread the decision arrives and which outlives this.
    HeldResponse(ExchangeSink &client, Breakpoints &breakpoints, QObject *context, Breakpoints::Message request);
    ~HeldResponse() override;

    void exchangeResponseHead(http::ResponseHead head, http::MessageParser::Framing framing,
                              quint64 contentLength) override;
    void exchangeResponseBody(QByteArrayView data) override;
    void exchangeResponseComplete(const http::Headers &trailers) override;
    void exchangeFailed(const GatewayError &error) override { m_client.exchangeFailed(error); }
    void exchangeAborted(const QByteArray &reason) override;
    void exchangeUpgraded(http::ResponseHead head, std::unique_ptr<UpstreamConnection> upstream,
                          QByteArray bufferedFromUpstream) override;
    bool clientIsCongested() const override { return m_passing && m_client.clientIsCongested(); }
    void exchangeReadyForBody() override { m_client.exchangeReadyForBody(); }

private:
    void passOn();  // too large to hold: what arrived goes now, the rest as it comes
    void hold();
    void release(const Breakpoints::Decision &decision);
    void withdraw();

    ExchangeSink &m_client;
    Breakpoints &m_breakpoints;
    QObject *m_context;
    Breakpoints::Message m_request;  // method, target, route and request id, for the console
    http::ResponseHead m_head;
    http::MessageParser::Framing m_framing = http::MessageParser::Framing::None;
    quint64 m_contentLength = 0;
    QByteArray m_body;
    http::Headers m_trailers;
    bool m_passing = false;
    quint64 m_heldId = 0;
    quint64 m_generation = 0;  // a decision or timeout for an earlier hold does nothing
};

}  // namespace kairos
