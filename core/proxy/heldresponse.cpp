#include "heldresponse.h"

#include <QTimer>

namespace kairos {

HeldResponse::HeldResponse(ExchangeSink &client, Breakpoints &breakpoints, QObject *context,
                           Breakpoints::Message request)
    : m_client(client), m_breakpoints(breakpoints), m_context(context), m_request(std::move(request))
{}

HeldResponse::~HeldResponse()
{
    withdraw();
}

void HeldResponse::withdraw()
{
    if (m_heldId)
        m_breakpoints.withdraw(m_heldId);
    m_heldId = 0;
    ++m_generation;
}

void HeldResponse::exchangeResponseHead(http::ResponseHead head, http::MessageParser::Framing framing,
                                        quint64 contentLength)
{
    if (m_passing) {
        m_client.exchangeResponseHead(std::move(head), framing, contentLength);
        return;
    }
    m_head = std::move(head);
    m_framing = framing;
    m_contentLength = contentLength;
}

void HeldResponse::exchangeResponseBody(QByteArrayView data)
{
    if (m_passing) {
        m_client.exchangeResponseBody(data);
        return;
    }
    m_body += data;
    if (m_body.size() > Breakpoints::kMaxHeldBodyBytes)
        passOn();
}

void HeldResponse::passOn()
{
    m_passing = true;
    m_client.exchangeResponseHead(std::move(m_head), m_framing, m_contentLength);
    if (!m_body.isEmpty())
        m_client.exchangeResponseBody(m_body);
    m_body = QByteArray();
}

void HeldResponse::exchangeResponseComplete(const http::Headers &trailers)
{
    if (m_passing) {
        m_client.exchangeResponseComplete(trailers);
        return;
    }
    m_trailers = trailers;
    hold();
}

void HeldResponse::exchangeAborted(const QByteArray &reason)
{
    withdraw();
    if (m_passing)
        m_client.exchangeAborted(reason);
    else  // nothing reached the client yet: it can still get an answer
        m_client.exchangeFailed(GatewayError::fromStatus(502, reason));
}

void HeldResponse::exchangeUpgraded(http::ResponseHead head, std::unique_ptr<UpstreamConnection> upstream,
                                    QByteArray bufferedFromUpstream)
{
    m_passing = true;  // a tunnel is not a message to hold
    m_client.exchangeUpgraded(std::move(head), std::move(upstream), std::move(bufferedFromUpstream));
}

void HeldResponse::hold()
{
    Breakpoints::Message message = m_request;
    message.response = true;
    message.status = m_head.status;
    message.headers = m_head.headers;
    message.body = m_body;
    const quint64 generation = ++m_generation;
    m_heldId = m_breakpoints.hold(std::move(message), m_context, [this, generation](const Breakpoints::Decision &d) {
        if (generation == m_generation)
            release(d);
    });
    QTimer::singleShot(m_breakpoints.timeoutMs(), m_context, [this, generation] {
        if (generation == m_generation)
            release({});
    });
}

void HeldResponse::release(const Breakpoints::Decision &decision)
{
    withdraw();
    m_passing = true;
    if (decision.action == Breakpoints::Action::Answer) {
        m_client.exchangeFailed(
            GatewayError::fromStatus(decision.answerStatus, "answered at a breakpoint in the console"));
        return;
    }
    if (decision.action == Breakpoints::Action::ContinueEdited && Breakpoints::isValidEdit(decision.edited)) {
        m_head.status = decision.edited.status;
        m_head.reason.clear();
        m_head.headers = decision.edited.headers;
        m_body = decision.edited.body;
    }
    // The whole body is here: it goes with its length, whatever framing the backend used.
    m_head.headers.remove("transfer-encoding");
    m_head.headers.remove("content-length");
    const bool bodyless = m_head.status == 204 || m_head.status == 304 || m_head.status < 200;
    if (!bodyless)
        m_head.headers.add(QByteArrayLiteral("Content-Length"), QByteArray::number(m_body.size()));
    const QByteArray body = std::move(m_body);
    m_client.exchangeResponseHead(std::move(m_head), http::MessageParser::Framing::ContentLength,
                                  bodyless ? 0 : quint64(body.size()));
    if (!bodyless && !body.isEmpty())
        m_client.exchangeResponseBody(body);
    m_client.exchangeResponseComplete(m_trailers);  // may end the exchange's life: nothing after it
}

}  // namespace kairos
