// The routes of one config snapshot, compiled for lookup. Matching runs on the percent-decoded
// path, segment by segment, while captured values keep their raw (still encoded) bytes, so the
// upstream target is built without re-encoding anything.
//
// Precedence, deterministic and independent of the order of routes in the config: at each
// segment, from left to right, a literal segment beats a "{name}" placeholder, which beats a
// "{*rest}" catch-all. A path that matches routes but none with the request's method gives 405
// with the union of their methods in Allow.
#pragma once

#include "config/config.h"
#include "base/bytesearch.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QHash>
#include <QVarLengthArray>

#include <deque>
#include <vector>

namespace kairos {

struct CompiledRoute {
    struct TargetPiece {
        QByteArray literal;
        int capture = -1;  // index into RouteMatch::captures, or -1 for a literal

        bool operator==(const TargetPiece &other) const { return capture == other.capture && literal == other.literal; }
    };

    // Method lists and targets are the table's, one per distinct value: routes repeat them.
    const Route *route = nullptr;
    const QList<QByteArray> *methods = nullptr;
    const QList<TargetPiece> *internalTarget = nullptr;
    int index = 0;  // position in Config::routes
    bool internalTargetHasQuery = false;

    bool allowsMethod(QByteArrayView method) const;
};

size_t qHash(const CompiledRoute::TargetPiece &piece, size_t seed = 0);

struct RouteMatch {
    enum Status { Found, NotFound, MethodNotAllowed, BadPath };

    Status status = NotFound;
    const CompiledRoute *route = nullptr;
    QVarLengthArray<QByteArrayView, 8> captures;  // raw bytes, in pattern order; views into the path
    QByteArray allow;                             // with MethodNotAllowed
};

class RouteTable
{
public:
    explicit RouteTable(ConfigSnapshot config);
    // Compiled routes point into the table's own lists: a copy would point into the original's.
    RouteTable(const RouteTable &) = delete;
    RouteTable &operator=(const RouteTable &) = delete;
    RouteTable(RouteTable &&) = default;
    RouteTable &operator=(RouteTable &&) = default;

    // rawPath: the request target's path (before any '?'), as received.
    RouteMatch match(QByteArrayView method, QByteArrayView rawPath) const;

    // The path and query to send upstream: internal_path with the captures substituted, plus the
    // client's query string (rawQuery without its '?'; empty for none).
    QByteArray upstreamTarget(const RouteMatch &match, QByteArrayView rawQuery) const;

    const ConfigSnapshot &config() const { return m_config; }
    const std::vector<CompiledRoute> &routes() const { return m_routes; }

private:
    // The trie, built once and then laid out flat: a node's literal children are a run of
    // m_children, not a vector of their own (which took twice the memory of the node), and their
    // segments are pieces of m_text, not strings of their own.
    struct Node {
        int firstChild = 0;  // decoded segment -> node: m_children[firstChild, firstChild + childCount)
        int childCount = 0;
        int childIndex = -1;  // into m_childIndexes, for nodes past kIndexedChildren children
        int placeholderChild = -1;
        int route = -1;          // a route whose pattern ends here
        int catchAllRoute = -1;  // a route whose pattern ends with a catch-all below this node
    };
    struct Child {
        quint32 textOffset;  // the decoded segment: m_text[textOffset, textOffset + textSize)
        quint32 textSize;
        int node;
    };
    // A view as a hash key, compared inline (http::equalBytes) rather than by QByteArrayView's
    // operator==, a call into Qt for every probe on the match path.
    struct TextKey {
        QByteArrayView bytes;
        friend bool operator==(TextKey a, TextKey b) { return http::equalBytes(a.bytes, b.bytes); }
        friend size_t qHash(TextKey key, size_t seed) { return qHash(key.bytes, seed); }
    };
    struct Segment {
        QByteArrayView raw;
        QByteArrayView decoded;
    };
    using Segments = QVarLengthArray<Segment, 32>;
    struct Search;

    // Most nodes have one or two children, which a short scan finds fastest; past this many a
    // node gets a hash.
    static constexpr int kIndexedChildren = 8;
    struct Builder;
    void addRoute(int routeIndex, Builder &builder);
    void layOut(Builder &builder);
    int literalChild(const Node &node, QByteArrayView segment) const;
    QByteArrayView text(quint32 offset, quint32 size) const
    {
        return QByteArrayView(m_text.constData() + offset, size);
    }
    bool search(Search &state, int node, int segment) const;
    bool consider(Search &state, int routeIndex) const;

    ConfigSnapshot m_config;
    std::vector<CompiledRoute> m_routes;
    std::deque<QList<QByteArray>> m_methodLists;  // a deque: CompiledRoute points at its elements
    std::deque<QList<CompiledRoute::TargetPiece>> m_targets;
    std::vector<Node> m_nodes;
    std::vector<Child> m_children;
    // Keys are views into m_text, which is not changed once the table is built.
    std::vector<QHash<TextKey, int>> m_childIndexes;
    QHash<TextKey, int> m_staticRoutes;  // decoded full path -> route, the fast path
    QByteArray m_text;                   // every distinct literal segment and static path, once
};

}  // namespace kairos
