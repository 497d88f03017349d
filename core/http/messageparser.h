// Incremental parser of one HTTP/1.x message after another on a connection (requests from clients,
// responses from backends).
//
// The head (start line and header fields) is collected and checked here, strictly, because a
// gateway must never read a message differently from the server behind it (request smuggling):
// bare CR or LF, obs-fold, white space before the colon, control characters in values, more than
// one Content-Length, Content-Length with Transfer-Encoding, and any Transfer-Encoding other than
// a single "chunked" are all rejected. Body framing and chunk decoding are left to Debian's
// libhttp-parser. The request line is read here too, so that every method token passes, not only
// the ones libhttp-parser knows.
//
// A chunked message's trailer section is read by the head's rules and counts against the same
// limit (the head and its trailer fields together within maxHeadBytes). trailers() keeps only the fields RFC 9110 section 6.5.1 lets a trailer carry:
// whatever frames, routes, authenticates or controls the message (Content-Length,
// Transfer-Encoding, Host, Authorization, Connection, Set-Cookie, ...) is dropped, and the
// gateway's own fields (X-Forwarded-*, X-Request-Id) too, since a recipient that merges trailer
// fields into the head would read them as the gateway's. Trailer fields never bear on framing.
//
// Parsing stops after each head and after each complete message; the caller calls
// startNextMessage() when it is ready for the next pipelined one.
#pragma once

#include "httpmessage.h"

#include <QVarLengthArray>

#include <memory>
#include <variant>

struct http_parser;

namespace kairos::http {

class MessageParser
{
public:
    enum class Type { Request, Response };
    enum class State { Head, HeadDone, Body, Complete, Failed };
    enum class Framing { None, ContentLength, Chunked, UntilClose };
    using BodyPieces = QVarLengthArray<QByteArrayView, 4>;

    MessageParser(Type type, qsizetype maxHeadBytes);
    ~MessageParser();
    MessageParser(const MessageParser &) = delete;
    MessageParser &operator=(const MessageParser &) = delete;

    // Consumes bytes and returns how many it used. Body bytes come out as views into `data`, in
    // `body`. Stops after a head (state HeadDone: call continueToBody()) and after a complete
    // message (state Complete).
    qsizetype feed(const char *data, qsizetype size, BodyPieces *body = nullptr);
    // The peer closed: completes a response body delimited by the end of the connection.
    void finish();

    void continueToBody();
    void startNextMessage();
    // Between messages, with nothing buffered: gives back the buffers kept for the next head
    // when they hold more than `keepBytes`, and the last head's fields and target when that head
    // was larger (with 0, always).
    void releaseMemory(qsizetype keepBytes = 0);
    // Heap the parser's own buffers hold (the head being read, the framing fields).
    qsizetype bufferedCapacity() const { return m_headBuffer.capacity() + m_framingFields.capacity(); }
    // Must be set before the response head arrives when the request was HEAD.
    void setExpectNoBody(bool noBody) { m_expectNoBody = noBody; }

    State state() const { return m_state; }
    bool hasStartedMessage() const { return m_state != State::Head || !m_headBuffer.isEmpty(); }
    // The head of the parser's Type; asking for the other one throws std::bad_variant_access.
    const RequestHead &request() const { return std::get<RequestHead>(m_head); }
    RequestHead &request() { return std::get<RequestHead>(m_head); }
    const ResponseHead &response() const { return std::get<ResponseHead>(m_head); }
    ResponseHead &response() { return std::get<ResponseHead>(m_head); }
    Framing framing() const { return m_framing; }
    // Of a complete chunked message: its trailer fields that may be passed on (see the top);
    // empty for any other message.
    const Headers &trailers() const { return m_trailers; }
    quint64 contentLength() const { return m_contentLength; }
    bool keepAlive() const { return m_keepAlive; }
    bool isUpgrade() const { return m_upgrade; }
    // Why a request head's singleton fields are not answerable, which has a server answer 400;
    // null when they are fine. Host breaks RFC 9112 section 3.2 when there is none in HTTP/1.1,
    // more than one, or a value that is not host[:port] (RFC 3986): passing it on would leave the
    // backends to guess which host was meant (and which of two a cache or a virtual host keys
    // on). Authorization may come once (RFC 9110 section 11.6.2 has one credentials value): with
    // two, the gateway could verify one while the backend acts on the other.
    const char *singletonProblem() const
    {
        return m_singletonProblem == SingletonProblem::None ? nullptr : singletonProblemText();
    }

    // When Failed: the status to answer (400, 431, ...) and a reason for logs and the error body.
    int errorStatus() const { return m_errorStatus; }
    const QByteArray &errorMessage() const { return m_errorMessage; }

private:
    struct Callbacks;
    using Lines = QVarLengthArray<QByteArrayView, 32>;
    qsizetype feedHead(const char *data, qsizetype size);
    bool parseHeadBlock(QByteArrayView head);  // up to and with its empty line
    bool parseRequestLine(QByteArrayView line);
    bool checkFieldLines(const Lines &lines, qsizetype headBytes);
    void checkSingletonFields();  // of the head just read, whose fields m_lastFields holds
    const char *singletonProblemText() const;
    bool runFraming();
    qsizetype feedBody(const char *data, qsizetype size, BodyPieces *body);
    qsizetype badChunkFraming(QByteArrayView parsed, const BodyPieces &chunkData);
    qsizetype feedTrailers(const char *data, qsizetype size);
    bool parseTrailerBlock(QByteArrayView block);  // the field lines, each with its CRLF
    void completeTrailers();
    void fail(int status, QByteArray message);

    Type m_type;
    qsizetype m_maxHeadBytes;
    State m_state = State::Head;
    QByteArray m_headBuffer;
    QByteArray m_framingFields;  // the field lines libhttp-parser gets, CRLF-terminated
    std::unique_ptr<http_parser> m_parser;
    std::variant<RequestHead, ResponseHead> m_head;  // one parser reads only one kind
    // The last head's fields. A field that comes again at the same position with the same bytes
    // shares their name and value instead of allocating copies: on a keep-alive connection most
    // do (Host, User-Agent, Accept... from clients; Server, Content-Type, Date within its second
    // from backends), and a head whose fields all do shares the whole list. Kept only while
    // releaseMemory() would keep a buffer of that head's size.
    QList<Headers::Field> m_lastFields;
    QByteArray m_lastTarget;        // the last request target, likewise
    qsizetype m_lastHeadBytes = 0;  // the size of the head they came from
    Framing m_framing = Framing::None;
    quint64 m_contentLength = 0;
    bool m_keepAlive = true;
    bool m_upgrade = false;
    bool m_expectNoBody = false;
    bool m_messageComplete = false;
    bool m_framingCr = false;   // the last byte of chunk framing read was a CR (badChunkFraming())
    bool m_inTrailers = false;  // after the last chunk: feedTrailers() reads the rest, in m_headBuffer
    Headers m_trailers;
    enum class SingletonProblem : quint8 {
        None,
        HostMissing,
        HostRepeated,
        HostInvalid,
        AuthorizationRepeated
    } m_singletonProblem = SingletonProblem::None;
    BodyPieces *m_bodyOut = nullptr;
    int m_errorStatus = 0;
    // m_lastFields has one Host field, found valid, and at most one Authorization: a head with
    // the same fields needs no second look.
    bool m_lastFieldsSingletonsValid = false;
    QByteArray m_errorMessage;
};

}  // namespace kairos::http
