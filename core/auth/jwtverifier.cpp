#include "jwtverifier.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>

#include <jwt.h>

#include <memory>

namespace kairos {

namespace {

struct JwtDeleter {
    void operator()(jwt_t *jwt) const { jwt_free(jwt); }
};

enum class KeyKind { None, Secret, PublicKey };

KeyKind keyKindFor(const QString &alg)
{
    if (alg == QLatin1String("HS256") || alg == QLatin1String("HS384") || alg == QLatin1String("HS512"))
        return KeyKind::Secret;
    if (alg == QLatin1String("RS256") || alg == QLatin1String("ES256"))
        return KeyKind::PublicKey;
    return KeyKind::None;
}

std::optional<QJsonObject> decodeSegment(const QByteArray &segment)
{
    const auto decoded =
        QByteArray::fromBase64Encoding(segment, QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals
                                                    | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return std::nullopt;
    const QJsonDocument document = QJsonDocument::fromJson(*decoded);
    if (!document.isObject())
        return std::nullopt;
    return document.object();
}

}  // namespace

QByteArray bearerToken(const QByteArray &authorization)
{
    const QByteArray trimmed = authorization.trimmed();
    if (trimmed.size() < 8 || qstrnicmp(trimmed.constData(), "bearer ", 7) != 0)
        return QByteArray();
    return trimmed.mid(7).trimmed();
}

JwtVerifier::JwtVerifier(const JwtSettings &settings) : m_settings(settings)
{
    if (settings.publicKeyFile.isEmpty())
        return;
    QFile file(settings.publicKeyFile);
    if (!file.open(QIODevice::ReadOnly))
        m_keyError =
            QStringLiteral("cannot read jwt.public_key_file %1: %2").arg(settings.publicKeyFile, file.errorString());
    else
        m_publicKey = file.read(kMaxJwtKeyFileBytes + 1);
    if (m_publicKey.size() > kMaxJwtKeyFileBytes) {
        m_publicKey.clear();
        m_keyError = QStringLiteral("jwt.public_key_file %1 is larger than %2 bytes")
                         .arg(settings.publicKeyFile)
                         .arg(kMaxJwtKeyFileBytes);
    }
}

JwtVerifier::Result JwtVerifier::verify(const QByteArray &token, qint64 nowSeconds) const
{
    Result result;
    const QList<QByteArray> parts = token.split('.');
    if (parts.size() != 3 || parts[2].isEmpty()) {
        result.error = QStringLiteral("malformed token");
        return result;
    }
    const std::optional<QJsonObject> header = decodeSegment(parts[0]);
    if (!header) {
        result.error = QStringLiteral("malformed token header");
        return result;
    }
    // RFC 7515 section 4.1.11: a token that names critical extensions must be refused unless
    // each is understood; this verifier understands none.
    if (header->contains(QLatin1String("crit"))) {
        result.error = QStringLiteral("the token names critical header extensions (\"crit\"), which are not supported");
        return result;
    }
    const QString alg = header->value(QLatin1String("alg")).toString();
    const KeyKind kind = keyKindFor(alg);
    const QByteArray key = kind == KeyKind::Secret ? m_settings.secret.toUtf8() : m_publicKey;
    if (kind == KeyKind::None || key.isEmpty()) {
        // The token's own words, shown as JSON writes them: a control character in them must
        // not end a log line or a header field that quotes this.
        const QByteArray shown = QJsonDocument(QJsonArray{alg.left(64)}).toJson(QJsonDocument::Compact);
        result.error =
            QStringLiteral("algorithm %1 is not accepted").arg(QString::fromUtf8(shown.mid(1, shown.size() - 2)));
        return result;
    }

    jwt_t *raw = nullptr;
    const int status =
        jwt_decode(&raw, token.constData(), reinterpret_cast<const unsigned char *>(key.constData()), int(key.size()));
    std::unique_ptr<jwt_t, JwtDeleter> jwt(raw);
    if (status != 0 || !jwt) {
        result.error = QStringLiteral("invalid signature");
        return result;
    }
    char *grants = jwt_get_grants_json(jwt.get(), nullptr);
    const QJsonObject claims = QJsonDocument::fromJson(grants ? QByteArray(grants) : QByteArray()).object();
    free(grants);

    const qint64 leeway = m_settings.leewaySeconds;
    if (claims.contains(QLatin1String("exp"))
        && nowSeconds > qint64(claims.value(QLatin1String("exp")).toDouble()) + leeway) {
        result.error = QStringLiteral("token expired");
        return result;
    }
    if (claims.contains(QLatin1String("nbf"))
        && nowSeconds + leeway < qint64(claims.value(QLatin1String("nbf")).toDouble())) {
        result.error = QStringLiteral("token not yet valid");
        return result;
    }
    if (!m_settings.issuer.isEmpty() && claims.value(QLatin1String("iss")).toString() != m_settings.issuer) {
        result.error = QStringLiteral("wrong issuer");
        return result;
    }
    if (!m_settings.audience.isEmpty()) {
        const QJsonValue audience = claims.value(QLatin1String("aud"));
        const bool matches = audience.isArray() ? audience.toArray().contains(m_settings.audience)
                                                : audience.toString() == m_settings.audience;
        if (!matches) {
            result.error = QStringLiteral("wrong audience");
            return result;
        }
    }
    for (const QString &claim : m_settings.requiredClaims) {
        if (!claims.contains(claim)) {
            result.error = QStringLiteral("missing claim \"%1\"").arg(claim);
            return result;
        }
    }
    result.valid = true;
    result.claims = claims;
    return result;
}

}  // namespace kairos
