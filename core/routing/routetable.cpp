#include "routetable.h"

#include "config/sharedvalue.h"
#include "http/bytesearch.h"
#include "routepattern.h"

#include <cstring>

namespace kairos {

namespace {

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// Decodes %XX escapes of one segment into out (which has room); false on a malformed escape or
// a decoded NUL.
bool percentDecode(QByteArrayView raw, char *out, qsizetype *outLength)
{
    qsizetype length = 0;
    for (qsizetype i = 0; i < raw.size(); ++i) {
        char c = raw[i];
        if (c == '%') {
            if (i + 2 >= raw.size())
                return false;
            const int high = hexValue(raw[i + 1]);
            const int low = hexValue(raw[i + 2]);
            if (high < 0 || low < 0)
                return false;
            c = char(high * 16 + low);
            if (c == '\0')
                return false;
            i += 2;
        }
        out[length++] = c;
    }
    *outLength = length;
    return true;
}

bool isDotSegment(QByteArrayView segment)
{
    return segment == QByteArrayView(".") || segment == QByteArrayView("..");
}

// A decoded segment may hold "/" or "\\" (from %2F, %5C). A backend that decodes them before it
// normalizes would see "a%2F..%2Fb" as a way out of the route's prefix, so any "." or ".." piece
// between such separators is refused too; "group%2Fproject" still passes.
bool hasDotPiece(QByteArrayView decoded)
{
    qsizetype start = 0;
    for (qsizetype i = 0; i <= decoded.size(); ++i) {
        if (i == decoded.size() || decoded[i] == '/' || decoded[i] == '\\') {
            if (isDotSegment(decoded.sliced(start, i - start)))
                return true;
            start = i + 1;
        }
    }
    return false;
}

QList<CompiledRoute::TargetPiece> compileInternalPath(const QString &internalPath,
                                                      const QStringList &captureNames)
{
    QList<CompiledRoute::TargetPiece> pieces;
    const QByteArray bytes = internalPath.toUtf8();
    qsizetype literalStart = 0;
    for (qsizetype i = 0; i < bytes.size(); ++i) {
        if (bytes[i] != '{')
            continue;
        const qsizetype close = bytes.indexOf('}', i);
        if (close < 0)
            break;
        QByteArray name = bytes.mid(i + 1, close - i - 1);
        if (name.startsWith('*'))
            name.remove(0, 1);
        const int capture = int(captureNames.indexOf(QString::fromUtf8(name)));
        if (capture < 0)
            continue;  // the validator rejects this; keep the text literally if it gets here
        if (i > literalStart)
            pieces.append({bytes.mid(literalStart, i - literalStart), -1});
        pieces.append({QByteArray(), capture});
        literalStart = close + 1;
        i = close;
    }
    if (literalStart < bytes.size())
        pieces.append({bytes.mid(literalStart), -1});
    return pieces;
}

}  // namespace

bool CompiledRoute::allowsMethod(QByteArrayView method) const
{
    for (const QByteArray &allowed : methods) {
        if (allowed == method)
            return true;
    }
    return false;
}

struct RouteTable::Search {
    QByteArrayView method;
    QByteArrayView rawPath;
    const Segments &segments;
    QVarLengthArray<QByteArrayView, 8> captures;
    RouteMatch &result;
    QVarLengthArray<const CompiledRoute *, 4> pathMatches;  // matched the path, not the method
};

RouteTable::RouteTable(ConfigSnapshot config) : m_config(std::move(config))
{
    m_nodes.emplace_back();
    m_routes.reserve(m_config->routes.size());
    SharedValues shared;
    for (int i = 0; i < m_config->routes.size(); ++i)
        addRoute(i, shared);
    m_nodes.shrink_to_fit();
}

size_t qHash(const CompiledRoute::TargetPiece &piece, size_t seed)
{
    return qHashMulti(seed, piece.literal, piece.capture);
}

void RouteTable::addRoute(int routeIndex, SharedValues &shared)
{
    const Route &route = m_config->routes[routeIndex];
    const std::optional<RoutePattern> pattern = RoutePattern::parse(route.externalPath, nullptr);
    if (!pattern)
        return;  // validated configs have none of these

    CompiledRoute compiled;
    compiled.index = routeIndex;
    compiled.route = &route;
    QList<QByteArray> &methods = shared.methodLists[route.methods];
    if (methods.size() != route.methods.size()) {
        for (const QString &method : route.methods)
            methods.append(method.toLatin1());
    }
    compiled.methods = methods;
    compiled.internalTarget = compileInternalPath(route.internalPath, pattern->placeholderNames());
    for (CompiledRoute::TargetPiece &piece : compiled.internalTarget)
        piece.literal = sharedValue(shared.bytes, piece.literal);
    compiled.internalTarget = sharedValue(shared.targets, compiled.internalTarget);  // "/{rest}" and the like repeat
    compiled.internalTargetHasQuery = route.internalPath.contains(QLatin1Char('?'));
    const int compiledIndex = int(m_routes.size());
    m_routes.push_back(std::move(compiled));

    int node = 0;
    for (const PatternSegment &segment : pattern->segments) {
        if (segment.kind == PatternSegment::CatchAll) {
            if (m_nodes[node].catchAllRoute < 0)
                m_nodes[node].catchAllRoute = compiledIndex;
            return;
        }
        int next;
        if (segment.kind == PatternSegment::Placeholder) {
            next = m_nodes[node].placeholderChild;
            if (next < 0) {
                next = int(m_nodes.size());
                m_nodes.emplace_back();
                m_nodes[node].placeholderChild = next;
            }
        } else {
            next = addLiteralChild(node, sharedValue(shared.bytes, segment.text.toUtf8()));
        }
        node = next;
    }
    if (m_nodes[node].route < 0)
        m_nodes[node].route = compiledIndex;
    if (pattern->isStatic())
        m_staticRoutes.insert(route.externalPath.toUtf8(), compiledIndex);
}

int RouteTable::addLiteralChild(int node, const QByteArray &segment)
{
    const int existing = literalChild(m_nodes[node], segment);
    if (existing >= 0)
        return existing;
    const int child = int(m_nodes.size());
    m_nodes.emplace_back();
    Node &parent = m_nodes[node];
    parent.literalChildren.emplace_back(segment, child);
    if (parent.literalIndex) {
        parent.literalIndex->insert(segment, child);
    } else if (parent.literalChildren.size() > kIndexedChildren) {
        parent.literalIndex = std::make_unique<QHash<QByteArray, int>>();
        for (const auto &[text, index] : parent.literalChildren)
            parent.literalIndex->insert(text, index);
    }
    return child;
}

int RouteTable::literalChild(const Node &node, QByteArrayView segment) const
{
    if (node.literalIndex)
        return node.literalIndex->value(QByteArray::fromRawData(segment.data(), segment.size()), -1);
    for (const auto &[text, index] : node.literalChildren) {
        if (text.size() == segment.size() && std::memcmp(text.constData(), segment.data(), size_t(segment.size())) == 0)
            return index;
    }
    return -1;
}

RouteMatch RouteTable::match(QByteArrayView method, QByteArrayView rawPath) const
{
    RouteMatch result;
    if (rawPath.isEmpty() || rawPath[0] != '/') {
        result.status = RouteMatch::BadPath;
        return result;
    }

    // Fast path: a static route, when the path needs no decoding.
    if (!http::containsByte(rawPath, '%')) {
        const auto found = m_staticRoutes.constFind(QByteArray::fromRawData(rawPath.data(), rawPath.size()));
        if (found != m_staticRoutes.cend() && m_routes[*found].allowsMethod(method)) {
            result.status = RouteMatch::Found;
            result.route = &m_routes[*found];
            return result;
        }
    }

    QVarLengthArray<char, 512> decodedBuffer(rawPath.size());
    qsizetype decodedUsed = 0;
    Segments segments;
    qsizetype start = 1;
    while (true) {
        qsizetype end = http::indexOfByte(rawPath, '/', start);
        if (end < 0)
            end = rawPath.size();
        const QByteArrayView raw = rawPath.sliced(start, end - start);
        // "//" and "\\" are read differently by different servers (merged, or a Windows
        // separator): refused rather than guessed at. A trailing "/" is an empty last segment.
        if ((raw.isEmpty() && end != rawPath.size()) || http::containsByte(raw, '\\')) {
            result.status = RouteMatch::BadPath;
            return result;
        }
        QByteArrayView decoded = raw;
        if (http::containsByte(raw, '%')) {
            qsizetype length = 0;
            char *out = decodedBuffer.data() + decodedUsed;
            if (!percentDecode(raw, out, &length)) {
                result.status = RouteMatch::BadPath;
                return result;
            }
            decoded = QByteArrayView(out, length);
            decodedUsed += length;
        }
        if (isDotSegment(raw) || hasDotPiece(decoded)) {
            result.status = RouteMatch::BadPath;
            return result;
        }
        segments.append({raw, decoded});
        if (end == rawPath.size())
            break;
        start = end + 1;
    }

    Search state{method, rawPath, segments, {}, result, {}};
    search(state, 0, 0);
    if (result.status == RouteMatch::Found) {
        result.captures = state.captures;
    } else if (!state.pathMatches.isEmpty()) {
        result.status = RouteMatch::MethodNotAllowed;
        QList<QByteArray> allowed;
        for (const CompiledRoute *route : state.pathMatches) {
            for (const QByteArray &method : route->methods) {
                if (!allowed.contains(method))
                    allowed.append(method);
            }
        }
        result.allow = allowed.join(", ");
    }
    return result;
}

bool RouteTable::consider(Search &state, int routeIndex) const
{
    const CompiledRoute &route = m_routes[routeIndex];
    if (route.allowsMethod(state.method)) {
        state.result.status = RouteMatch::Found;
        state.result.route = &route;
        return true;
    }
    state.pathMatches.append(&route);
    return false;
}

bool RouteTable::search(Search &state, int nodeIndex, int segmentIndex) const
{
    const Node &node = m_nodes[nodeIndex];
    if (segmentIndex == state.segments.size())
        return node.route >= 0 && consider(state, node.route);

    const Segment &segment = state.segments[segmentIndex];
    const int literal = literalChild(node, segment.decoded);
    if (literal >= 0 && search(state, literal, segmentIndex + 1))
        return true;

    if (node.placeholderChild >= 0 && !segment.decoded.isEmpty()) {
        state.captures.append(segment.raw);
        if (search(state, node.placeholderChild, segmentIndex + 1))
            return true;
        state.captures.removeLast();
    }

    if (node.catchAllRoute >= 0) {
        const qsizetype restStart = segment.raw.data() - state.rawPath.data();
        state.captures.append(state.rawPath.sliced(restStart));
        if (consider(state, node.catchAllRoute))
            return true;
        state.captures.removeLast();
    }
    return false;
}

QByteArray RouteTable::upstreamTarget(const RouteMatch &match, QByteArrayView rawQuery) const
{
    QByteArray target;
    for (const CompiledRoute::TargetPiece &piece : match.route->internalTarget) {
        if (piece.capture < 0)
            target += piece.literal;
        else if (piece.capture < match.captures.size())
            target += match.captures[piece.capture];
    }
    if (!rawQuery.isEmpty()) {
        target += match.route->internalTargetHasQuery ? '&' : '?';
        target += rawQuery;
    }
    return target;
}

}  // namespace kairos
