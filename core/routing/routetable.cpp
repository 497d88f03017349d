#include "routetable.h"

#include "base/sharedvalue.h"
#include "base/bytesearch.h"
#include "config/routepattern.h"

#include <QSet>

namespace kairos {

namespace {

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
            const int high = http::hexValue(raw[i + 1]);
            const int low = http::hexValue(raw[i + 2]);
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

// "." or "..", also with parameters ("..;x"): Tomcat, Jetty and Spring read a segment's ";"
// parameters away before they resolve dot segments, so "/pub/..;/secret" leaves the route there.
bool isDotSegment(QByteArrayView segment)
{
    const qsizetype semicolon = http::indexOfByte(segment, ';');
    if (semicolon >= 0)
        segment = segment.first(semicolon);
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

QList<CompiledRoute::TargetPiece> compileInternalPath(const QString &internalPath, const QStringList &captureNames)
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
    for (const QByteArray &allowed : *methods) {
        if (http::equalBytes(allowed, method))
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

// The trie while routes are added (each node's children in a list of its own), and what routes
// repeat, kept once: method lists, targets and their literal pieces, and (in `text`, once laid
// out) segments such as "items".
struct RouteTable::Builder {
    explicit Builder(RouteTable &owner) : table(owner) {}

    RouteTable &table;
    struct BuildNode {
        std::vector<std::pair<QByteArray, int>> literalChildren;
        QHash<QByteArray, int> literalIndex;  // filled past kIndexedChildren
        int placeholderChild = -1;
        int route = -1;
        int catchAllRoute = -1;
    };
    std::vector<BuildNode> nodes{1};
    QHash<QStringList, const QList<QByteArray> *> methodLists;
    QSet<QByteArray> targetLiterals;  // "/items/" in "/items/{id}", one copy for all targets
    QHash<QList<CompiledRoute::TargetPiece>, const QList<CompiledRoute::TargetPiece> *> targets;
    std::vector<std::pair<QByteArray, int>> staticRoutes;  // decoded full path, route
    QHash<QByteArray, quint32> textOffsets;                // into text
    QByteArray text;

    const QList<QByteArray> *methodList(const QStringList &methods)
    {
        const QList<QByteArray> *&list = methodLists[methods];
        if (!list) {
            QList<QByteArray> &bytes = table.m_methodLists.emplace_back();
            for (const QString &method : methods)
                bytes.append(method.toLatin1());
            list = &bytes;
        }
        return list;
    }
    const QList<CompiledRoute::TargetPiece> *target(const QList<CompiledRoute::TargetPiece> &pieces)
    {
        const QList<CompiledRoute::TargetPiece> *&list = targets[pieces];
        if (!list)
            list = &table.m_targets.emplace_back(pieces);
        return list;
    }
    quint32 textOffset(const QByteArray &bytes)
    {
        const auto existing = textOffsets.constFind(bytes);
        if (existing != textOffsets.cend())
            return *existing;
        const quint32 offset = quint32(text.size());
        textOffsets.insert(bytes, offset);
        text += bytes;
        return offset;
    }

    int literalChild(int node, const QByteArray &segment) const
    {
        const BuildNode &parent = nodes[size_t(node)];
        if (!parent.literalIndex.isEmpty())
            return parent.literalIndex.value(segment, -1);
        for (const auto &[text, index] : parent.literalChildren) {
            if (text == segment)
                return index;
        }
        return -1;
    }
    int addLiteralChild(int node, const QByteArray &segment)
    {
        const int existing = literalChild(node, segment);
        if (existing >= 0)
            return existing;
        const int child = int(nodes.size());
        nodes.emplace_back();
        BuildNode &parent = nodes[size_t(node)];
        parent.literalChildren.emplace_back(segment, child);
        if (!parent.literalIndex.isEmpty()) {
            parent.literalIndex.insert(segment, child);
        } else if (parent.literalChildren.size() > size_t(kIndexedChildren)) {
            for (const auto &[text, index] : parent.literalChildren)
                parent.literalIndex.insert(text, index);
        }
        return child;
    }
    int addPlaceholderChild(int node)
    {
        int child = nodes[size_t(node)].placeholderChild;
        if (child < 0) {
            child = int(nodes.size());
            nodes.emplace_back();
            nodes[size_t(node)].placeholderChild = child;
        }
        return child;
    }
};

RouteTable::RouteTable(ConfigSnapshot config) : m_config(std::move(config))
{
    m_routes.reserve(m_config->routes.size());
    Builder builder(*this);
    for (int i = 0; i < m_config->routes.size(); ++i)
        addRoute(i, builder);
    layOut(builder);
}

void RouteTable::layOut(Builder &builder)
{
    // Offsets first: the views into m_text are taken once it holds all of them.
    size_t childCount = 0;
    std::vector<quint32> childOffsets;
    for (const Builder::BuildNode &built : builder.nodes) {
        childCount += built.literalChildren.size();
        for (const auto &child : built.literalChildren)
            childOffsets.push_back(builder.textOffset(child.first));
    }
    std::vector<quint32> staticOffsets;
    for (const auto &route : builder.staticRoutes)
        staticOffsets.push_back(builder.textOffset(route.first));
    m_text = std::move(builder.text);
    m_text.squeeze();

    m_nodes.reserve(builder.nodes.size());
    m_children.reserve(childCount);
    for (const Builder::BuildNode &built : builder.nodes) {
        Node node;
        node.firstChild = int(m_children.size());
        node.childCount = int(built.literalChildren.size());
        for (const auto &[segment, child] : built.literalChildren)
            m_children.push_back({childOffsets[m_children.size()], quint32(segment.size()), child});
        if (node.childCount > kIndexedChildren) {
            node.childIndex = int(m_childIndexes.size());
            QHash<TextKey, int> &index = m_childIndexes.emplace_back();
            index.reserve(node.childCount);
            for (int i = node.firstChild; i < node.firstChild + node.childCount; ++i)
                index.insert({text(m_children[size_t(i)].textOffset, m_children[size_t(i)].textSize)},
                             m_children[size_t(i)].node);
        }
        node.placeholderChild = built.placeholderChild;
        node.route = built.route;
        node.catchAllRoute = built.catchAllRoute;
        m_nodes.push_back(node);
    }
    m_staticRoutes.reserve(qsizetype(builder.staticRoutes.size()));
    for (size_t i = 0; i < builder.staticRoutes.size(); ++i) {
        const auto &[path, route] = builder.staticRoutes[i];
        m_staticRoutes.insert({text(staticOffsets[i], quint32(path.size()))}, route);
    }
}

size_t qHash(const CompiledRoute::TargetPiece &piece, size_t seed)
{
    return qHashMulti(seed, piece.literal, piece.capture);
}

void RouteTable::addRoute(int routeIndex, Builder &builder)
{
    const Route &route = m_config->routes[routeIndex];
    const std::optional<RoutePattern> pattern = RoutePattern::parse(route.externalPath, nullptr);
    if (!pattern)
        return;  // validated configs have none of these

    CompiledRoute compiled;
    compiled.index = routeIndex;
    compiled.route = &route;
    compiled.methods = builder.methodList(route.methods);
    QList<CompiledRoute::TargetPiece> target = compileInternalPath(route.internalPath, pattern->placeholderNames());
    for (CompiledRoute::TargetPiece &piece : target)
        piece.literal = sharedValue(builder.targetLiterals, piece.literal);
    compiled.internalTarget = builder.target(target);
    compiled.internalTargetHasQuery = route.internalPath.contains(QLatin1Char('?'));
    const int compiledIndex = int(m_routes.size());
    m_routes.push_back(std::move(compiled));

    int node = 0;
    for (const PatternSegment &segment : pattern->segments) {
        if (segment.kind == PatternSegment::CatchAll) {
            if (builder.nodes[size_t(node)].catchAllRoute < 0)
                builder.nodes[size_t(node)].catchAllRoute = compiledIndex;
            return;
        }
        node = segment.kind == PatternSegment::Placeholder ? builder.addPlaceholderChild(node)
                                                           : builder.addLiteralChild(node, segment.text.toUtf8());
    }
    if (builder.nodes[size_t(node)].route < 0)
        builder.nodes[size_t(node)].route = compiledIndex;
    if (pattern->isStatic())
        builder.staticRoutes.emplace_back(route.externalPath.toUtf8(), compiledIndex);
}

int RouteTable::literalChild(const Node &node, QByteArrayView segment) const
{
    if (node.childIndex >= 0)
        return m_childIndexes[size_t(node.childIndex)].value({segment}, -1);
    const Child *child = m_children.data() + node.firstChild;
    for (const Child *end = child + node.childCount; child != end; ++child) {
        if (http::equalBytes(text(child->textOffset, child->textSize), segment))
            return child->node;
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
        const auto found = m_staticRoutes.constFind({rawPath});
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
            for (const QByteArray &method : *route->methods) {
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
    for (const CompiledRoute::TargetPiece &piece : *match.route->internalTarget) {
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
