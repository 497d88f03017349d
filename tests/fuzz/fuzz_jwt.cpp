// Arbitrary bytes as a bearer token against an HMAC and an RSA verifier: no crash, and nothing
// the fuzzer can make up is accepted.
#include "auth/jwtverifier.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    using namespace kairos;
    static const JwtVerifier hmac([] {
        JwtSettings settings;
        settings.secret = QStringLiteral("fuzzing-secret-that-is-long-enough-1234");
        return settings;
    }());
    static const JwtVerifier rsa([] {
        JwtSettings settings;
        settings.publicKeyFile = QStringLiteral(KAIROS_SOURCE_DIR "/tests/auth/data/rsa-public.pem");
        return settings;
    }());
    if (!rsa.keyError().isEmpty())
        std::abort();
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));
    const QByteArray token = bearerToken("Bearer " + input);
    for (const JwtVerifier *verifier : {&hmac, &rsa}) {
        if (verifier->verify(token, 1'800'000'000).valid)
            std::abort();  // a forgery: the fuzzer has no key
    }
    return 0;
}
