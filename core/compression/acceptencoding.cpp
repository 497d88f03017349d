#include "compression/acceptencoding.h"

#include "http/httpmessage.h"

#include <optional>

namespace kairos {

namespace {

using http::equalsIgnoreCase;

constexpr int kUnnamed = -1;

// Calls `visit` with each `separator`-separated piece of `text`, trimmed, without copying.
template <typename Visit> void forEachPiece(QByteArrayView text, char separator, Visit visit)
{
    while (true) {
        const qsizetype end = text.indexOf(separator);
        visit((end < 0 ? text : text.first(end)).trimmed());
        if (end < 0)
            return;
        text = text.sliced(end + 1);
    }
}

// The q-value in thousandths (RFC 9110 §12.4.2: "0", "0.5", "1.000"), or nothing when malformed.
std::optional<int> parseQValue(QByteArrayView text)
{
    if (text.isEmpty() || (text[0] != '0' && text[0] != '1'))
        return std::nullopt;
    int thousandths = (text[0] - '0') * 1000;
    if (text.size() > 1) {
        if (text[1] != '.' || text.size() > 5)
            return std::nullopt;
        int scale = 100;
        for (char digit : text.sliced(2)) {
            if (digit < '0' || digit > '9')
                return std::nullopt;
            thousandths += (digit - '0') * scale;
            scale /= 10;
        }
    }
    if (thousandths > 1000)
        return std::nullopt;
    return thousandths;
}

// The q-value of one element's parameters ("q=0.5"; 1000 without one), or nothing when malformed.
std::optional<int> weightOf(QByteArrayView parameters)
{
    std::optional<int> weight = 1000;
    forEachPiece(parameters, ';', [&weight](QByteArrayView parameter) {
        const qsizetype equals = parameter.indexOf('=');
        if (equals >= 0 && equalsIgnoreCase(parameter.first(equals).trimmed(), "q"))
            weight = parseQValue(parameter.sliced(equals + 1).trimmed());
    });
    return weight;
}

// Accept-Encoding's q-values for the names the gateway knows; kUnnamed for the ones it leaves out.
struct Weights {
    int gzip = kUnnamed;
    int brotli = kUnnamed;
    int zstd = kUnnamed;
    int identity = kUnnamed;
    int any = kUnnamed;  // "*"

    int *slotFor(QByteArrayView name)
    {
        if (equalsIgnoreCase(name, "gzip") || equalsIgnoreCase(name, "x-gzip"))
            return &gzip;
        if (equalsIgnoreCase(name, "br"))
            return &brotli;
        if (equalsIgnoreCase(name, "zstd"))
            return &zstd;
        if (equalsIgnoreCase(name, "identity"))
            return &identity;
        if (name == "*")
            return &any;
        return nullptr;
    }

    int of(ContentCoding coding) const
    {
        int named = kUnnamed;
        switch (coding) {
        case ContentCoding::Gzip: named = gzip; break;
        case ContentCoding::Brotli: named = brotli; break;
        case ContentCoding::Zstd: named = zstd; break;
        case ContentCoding::Identity: named = identity; break;
        }
        return named != kUnnamed ? named : qMax(any, 0);
    }
};

Weights parseAcceptEncoding(QByteArrayView field)
{
    Weights weights;
    forEachPiece(field, ',', [&weights](QByteArrayView element) {
        const qsizetype semicolon = element.indexOf(';');
        const QByteArrayView name = (semicolon < 0 ? element : element.first(semicolon)).trimmed();
        int *slot = weights.slotFor(name);
        if (!slot || *slot != kUnnamed)  // unknown, or named before: the first mention counts
            return;
        const QByteArrayView parameters = semicolon < 0 ? QByteArrayView() : element.sliced(semicolon + 1);
        if (const std::optional<int> weight = weightOf(parameters))
            *slot = *weight;
    });
    return weights;
}

}  // namespace

ContentCoding chooseCoding(const CompressionPolicy &policy, QByteArrayView acceptEncoding)
{
    // Without the field any coding is acceptable by RFC 9110, but clients that decode (browsers,
    // curl --compressed, HTTP libraries) all send it; one that does not is more likely a script
    // that would store the compressed bytes as they come.
    if (acceptEncoding.trimmed().isEmpty())
        return ContentCoding::Identity;
    const Weights weights = parseAcceptEncoding(acceptEncoding);
    ContentCoding best = ContentCoding::Identity;
    int bestWeight = 0;
    for (ContentCoding coding : policy.encodings) {
        const int weight = weights.of(coding);
        if (weight > bestWeight) {
            best = coding;
            bestWeight = weight;
        }
    }
    // Only an explicit identity competes: the implicit one is acceptable but has no q-value.
    if (weights.identity > bestWeight)
        return ContentCoding::Identity;
    return best;
}

}  // namespace kairos
