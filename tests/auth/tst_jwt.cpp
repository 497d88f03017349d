// JWT checks with tokens signed by libjwt itself (test keys in tests/auth/data, made for tests only).
#include "auth/jwtverifier.h"

#include <QJsonDocument>
#include <QMessageAuthenticationCode>
#include <QtTest>

#include <jwt.h>

using namespace kairos;

namespace {

const QByteArray kSecret = "0123456789abcdef0123456789abcdef";
constexpr qint64 kNow = 1'900'000'000;

QByteArray keyFile(const char *name)
{
    QFile file(QStringLiteral(KAIROS_SOURCE_DIR "/tests/auth/data/") + QLatin1String(name));
    file.open(QIODevice::ReadOnly);
    return file.readAll();
}

QByteArray sign(jwt_alg_t alg, const QByteArray &key, const QJsonObject &claims)
{
    jwt_t *jwt = nullptr;
    jwt_new(&jwt);
    jwt_add_grants_json(jwt, QJsonDocument(claims).toJson(QJsonDocument::Compact).constData());
    jwt_set_alg(jwt, alg, reinterpret_cast<const unsigned char *>(key.constData()), int(key.size()));
    char *encoded = jwt_encode_str(jwt);
    const QByteArray token(encoded ? encoded : "");
    free(encoded);
    jwt_free(jwt);
    return token;
}

JwtSettings secretSettings()
{
    JwtSettings settings;
    settings.secret = QString::fromLatin1(kSecret);
    return settings;
}

QByteArray base64Url(const QByteArray &bytes)
{
    return bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

}  // namespace

class TestJwt : public QObject
{
    Q_OBJECT

private slots:
    void validHmacTokens_data()
    {
        QTest::addColumn<int>("alg");
        QTest::newRow("HS256") << int(JWT_ALG_HS256);
        QTest::newRow("HS384") << int(JWT_ALG_HS384);
        QTest::newRow("HS512") << int(JWT_ALG_HS512);
    }

    void validHmacTokens()
    {
        QFETCH(int, alg);
        const JwtVerifier verifier(secretSettings());
        const JwtVerifier::Result result =
            verifier.verify(sign(jwt_alg_t(alg), kSecret, {{"sub", "alice"}, {"exp", double(kNow + 60)}}), kNow);
        QVERIFY2(result.valid, qPrintable(result.error));
        QCOMPARE(result.claims["sub"].toString(), QStringLiteral("alice"));
    }

    void expiryAndNotBeforeWithLeeway()
    {
        JwtSettings settings = secretSettings();
        settings.leewaySeconds = 30;
        const JwtVerifier verifier(settings);
        QCOMPARE(verifier.verify(sign(JWT_ALG_HS256, kSecret, {{"exp", double(kNow - 31)}}), kNow).error,
                 QStringLiteral("token expired"));
        QVERIFY(verifier.verify(sign(JWT_ALG_HS256, kSecret, {{"exp", double(kNow - 29)}}), kNow).valid);
        QCOMPARE(verifier.verify(sign(JWT_ALG_HS256, kSecret, {{"nbf", double(kNow + 31)}}), kNow).error,
                 QStringLiteral("token not yet valid"));
        QVERIFY(verifier.verify(sign(JWT_ALG_HS256, kSecret, {{"nbf", double(kNow + 29)}}), kNow).valid);
    }

    void wrongSignature()
    {
        const JwtVerifier verifier(secretSettings());
        const QByteArray token = sign(JWT_ALG_HS256, "another-secret-another-secret-xx", {{"sub", "mallory"}});
        QCOMPARE(verifier.verify(token, kNow).error, QStringLiteral("invalid signature"));
        QByteArray tampered = sign(JWT_ALG_HS256, kSecret, {{"sub", "alice"}});
        const QList<QByteArray> parts = tampered.split('.');
        tampered = parts[0] + '.' + base64Url(R"({"sub":"admin"})") + '.' + parts[2];
        QCOMPARE(verifier.verify(tampered, kNow).error, QStringLiteral("invalid signature"));
    }

    void issuerAudienceAndRequiredClaims()
    {
        JwtSettings settings = secretSettings();
        settings.issuer = "kairos-tests";
        settings.audience = "api";
        settings.requiredClaims = {"sub", "role"};
        const JwtVerifier verifier(settings);
        const QJsonObject good{{"iss", "kairos-tests"}, {"aud", "api"}, {"sub", "a"}, {"role", "x"}};
        QVERIFY(verifier.verify(sign(JWT_ALG_HS256, kSecret, good), kNow).valid);
        QJsonObject arrayAudience = good;
        arrayAudience["aud"] = QJsonArray{"other", "api"};
        QVERIFY(verifier.verify(sign(JWT_ALG_HS256, kSecret, arrayAudience), kNow).valid);
        QJsonObject wrongIssuer = good;
        wrongIssuer["iss"] = "elsewhere";
        QCOMPARE(verifier.verify(sign(JWT_ALG_HS256, kSecret, wrongIssuer), kNow).error,
                 QStringLiteral("wrong issuer"));
        QJsonObject wrongAudience = good;
        wrongAudience["aud"] = "web";
        QCOMPARE(verifier.verify(sign(JWT_ALG_HS256, kSecret, wrongAudience), kNow).error,
                 QStringLiteral("wrong audience"));
        QJsonObject missing = good;
        missing.remove("role");
        QCOMPARE(verifier.verify(sign(JWT_ALG_HS256, kSecret, missing), kNow).error,
                 QStringLiteral("missing claim \"role\""));
    }

    // RFC 7515 section 4.1.11: critical extensions the verifier does not know refuse the token.
    void criticalHeaderExtensionsAreRefused()
    {
        const JwtVerifier verifier(secretSettings());
        const QByteArray signingInput = base64Url(R"({"alg":"HS256","typ":"JWT","crit":["x-unknown"],"x-unknown":1})")
                                        + '.' + base64Url(R"({"sub":"eve"})");
        const QByteArray signature =
            QMessageAuthenticationCode::hash(signingInput, kSecret, QCryptographicHash::Sha256);
        const JwtVerifier::Result result = verifier.verify(signingInput + '.' + base64Url(signature), kNow);
        QVERIFY(!result.valid);
        QVERIFY(result.error.contains(QLatin1String("crit")));
        // The same token without crit, signed the same way, passes: the refusal is crit's alone.
        const QByteArray plainInput = base64Url(R"({"alg":"HS256","typ":"JWT"})") + '.' + base64Url(R"({"sub":"eve"})");
        const QByteArray plainSignature =
            QMessageAuthenticationCode::hash(plainInput, kSecret, QCryptographicHash::Sha256);
        QVERIFY(verifier.verify(plainInput + '.' + base64Url(plainSignature), kNow).valid);
    }

    void algNoneIsRefused()
    {
        const JwtVerifier verifier(secretSettings());
        const QByteArray unsigned_ =
            base64Url(R"({"alg":"none","typ":"JWT"})") + '.' + base64Url(R"({"sub":"eve"})") + '.';
        QVERIFY(!verifier.verify(unsigned_, kNow).valid);
        const QByteArray withFakeSignature = unsigned_ + "c2lnbmF0dXJl";
        QCOMPARE(verifier.verify(withFakeSignature, kNow).error, QStringLiteral("algorithm \"none\" is not accepted"));
    }

    void publicKeyAlgorithms_data()
    {
        QTest::addColumn<int>("alg");
        QTest::addColumn<QString>("privateKey");
        QTest::addColumn<QString>("publicKey");
        QTest::newRow("RS256") << int(JWT_ALG_RS256) << "rsa-private.pem"
                               << "rsa-public.pem";
        QTest::newRow("ES256") << int(JWT_ALG_ES256) << "ec-private.pem"
                               << "ec-public.pem";
    }

    void publicKeyAlgorithms()
    {
        QFETCH(int, alg);
        QFETCH(QString, privateKey);
        QFETCH(QString, publicKey);
        JwtSettings settings;
        settings.publicKeyFile = QStringLiteral(KAIROS_SOURCE_DIR "/tests/auth/data/") + publicKey;
        const JwtVerifier verifier(settings);
        QVERIFY(verifier.keyError().isEmpty());
        const QByteArray token = sign(jwt_alg_t(alg), keyFile(qPrintable(privateKey)), {{"sub", "svc"}});
        QVERIFY(!token.isEmpty());
        const JwtVerifier::Result result = verifier.verify(token, kNow);
        QVERIFY2(result.valid, qPrintable(result.error));
    }

    void publicKeyUsedAsHmacSecretIsRefused()
    {
        // The classic algorithm-confusion forgery: sign HS256 with the (public) PEM text as secret.
        JwtSettings settings;
        settings.publicKeyFile = QStringLiteral(KAIROS_SOURCE_DIR "/tests/auth/data/rsa-public.pem");
        const JwtVerifier verifier(settings);
        const QByteArray forged = sign(JWT_ALG_HS256, keyFile("rsa-public.pem"), {{"sub", "admin"}});
        QCOMPARE(verifier.verify(forged, kNow).error, QStringLiteral("algorithm \"HS256\" is not accepted"));
    }

    void malformedTokens()
    {
        const JwtVerifier verifier(secretSettings());
        for (const QByteArray &token :
             {QByteArray(""), QByteArray("abc"), QByteArray("a.b"), QByteArray("!!.!!.!!"), QByteArray("a.b.c.d")})
            QVERIFY(!verifier.verify(token, kNow).valid);
    }

    void bearerHeader()
    {
        QCOMPARE(bearerToken("Bearer abc.def.ghi"), QByteArray("abc.def.ghi"));
        QCOMPARE(bearerToken("bearer   abc"), QByteArray("abc"));
        QCOMPARE(bearerToken("Basic dXNlcjpwYXNz"), QByteArray());
        QCOMPARE(bearerToken(""), QByteArray());
    }
};

QTEST_GUILESS_MAIN(TestJwt)
#include "tst_jwt.moc"
