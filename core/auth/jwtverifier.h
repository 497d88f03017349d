// Checks bearer tokens for auth_required routes with Debian's libjwt (no hand-written crypto):
// HS256/384/512 with jwt.secret, RS256/ES256 with the PEM public key in jwt.public_key_file;
// exp and nbf with jwt.leeway_seconds, iss and aud when configured, and required_claims.
//
// The token's "alg" is checked against the kind of key configured before libjwt sees it: libjwt
// 1.x would otherwise verify an HS256 token with an RSA public key's PEM text as the HMAC
// secret, letting anyone who knows the public key forge tokens. "none" is never accepted.
#pragma once

#include "config/config.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>

namespace kairos {

class JwtVerifier
{
public:
    explicit JwtVerifier(const JwtSettings &settings);

    struct Result {
        bool valid = false;
        QString error;  // why not, for the 401 body and the log (never includes the token)
        QJsonObject claims;
    };

    // `nowSeconds`: seconds since the epoch (a parameter, so tests can move time).
    Result verify(const QByteArray &token, qint64 nowSeconds) const;
    // Empty when the key material loaded; otherwise why not (every token then fails).
    const QString &keyError() const { return m_keyError; }

private:
    JwtSettings m_settings;
    QByteArray m_publicKey;
    QString m_keyError;
};

// The token of an "Authorization: Bearer <token>" value, or an empty array.
QByteArray bearerToken(const QByteArray &authorization);

}  // namespace kairos
