#include "devauthority.h"

#include <QDir>
#include <QFile>
#include <QLockFile>
#include <QSet>
#include <QStandardPaths>
#include <QSysInfo>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace kairos::tls {

namespace {

constexpr int kAuthorityDays = 825;
constexpr int kCertificateDays = 397;
constexpr int kRenewDaysBefore = 30;
constexpr qint64 kDaySeconds = 24 * 60 * 60;

const QString kCaFile = QStringLiteral("ca.pem");
const QString kCaKeyFile = QStringLiteral("ca-key.pem");
const QString kCertificateFile = QStringLiteral("localhost.pem");
const QString kKeyFile = QStringLiteral("localhost-key.pem");

// The names the server certificate is for, as sanNames() spells them.
const QSet<QString> kServerNames = {QStringLiteral("DNS:localhost"), QStringLiteral("IP:127.0.0.1"),
                                    QStringLiteral("IP:::1")};

struct Free {
    void operator()(EVP_PKEY *key) const { EVP_PKEY_free(key); }
    void operator()(X509 *certificate) const { X509_free(certificate); }
    void operator()(BIO *bio) const { BIO_free(bio); }
    void operator()(BIGNUM *number) const { BN_free(number); }
    void operator()(X509_EXTENSION *extension) const { X509_EXTENSION_free(extension); }
    void operator()(GENERAL_NAMES *names) const { GENERAL_NAMES_free(names); }
};
using Key = std::unique_ptr<EVP_PKEY, Free>;
using Certificate = std::unique_ptr<X509, Free>;
using Bio = std::unique_ptr<BIO, Free>;

// The last OpenSSL error, for a message; the queue is emptied so that it does not leak into a
// later, unrelated report.
QString openSslError(const char *what)
{
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    char text[256] = "unknown error";
    if (code != 0)
        ERR_error_string_n(code, text, sizeof text);
    return QStringLiteral("%1: %2").arg(QString::fromLatin1(what), QString::fromLatin1(text));
}

bool fail(QString *error, const QString &message)
{
    if (error)
        *error = message;
    return false;
}

// Written to a temporary file in the same directory (created 0600 by mkstemp, so a key is never
// readable by others, not even for a moment), flushed to the disk and renamed over the old one.
bool writeFileAtomically(const QString &path, const QByteArray &data, mode_t mode, QString *error)
{
    QByteArray temporary = QFile::encodeName(path) + ".XXXXXX";
    const int fd = ::mkstemp(temporary.data());
    if (fd < 0)
        return fail(error, QStringLiteral("cannot create a file beside %1: %2")
                               .arg(path, QString::fromLocal8Bit(std::strerror(errno))));
    bool ok = ::fchmod(fd, mode) == 0;
    for (qsizetype written = 0; ok && written < data.size();) {
        const ssize_t n = ::write(fd, data.constData() + written, size_t(data.size() - written));
        if (n < 0 && errno == EINTR)
            continue;
        ok = n > 0;
        written += n > 0 ? n : 0;
    }
    ok = ok && ::fsync(fd) == 0;
    const int savedErrno = errno;
    ok = ::close(fd) == 0 && ok;
    ok = ok && ::rename(temporary.constData(), QFile::encodeName(path).constData()) == 0;
    if (!ok) {
        const QString why = QString::fromLocal8Bit(std::strerror(errno ? errno : savedErrno));
        ::unlink(temporary.constData());
        return fail(error, QStringLiteral("cannot write %1: %2").arg(path, why));
    }
    return true;
}

QByteArray readSmallFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly) || file.size() > 64 * 1024)
        return {};
    return file.readAll();
}

Certificate readCertificate(const QString &path)
{
    const QByteArray pem = readSmallFile(path);
    if (pem.isEmpty())
        return nullptr;
    Bio bio(BIO_new_mem_buf(pem.constData(), int(pem.size())));
    Certificate certificate(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    ERR_clear_error();
    return certificate;
}

Key readKey(const QString &path)
{
    const QByteArray pem = readSmallFile(path);
    if (pem.isEmpty())
        return nullptr;
    Bio bio(BIO_new_mem_buf(pem.constData(), int(pem.size())));
    Key key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    ERR_clear_error();
    return key;
}

QByteArray pemOf(X509 *certificate)
{
    Bio bio(BIO_new(BIO_s_mem()));
    if (!PEM_write_bio_X509(bio.get(), certificate))
        return {};
    char *data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return QByteArray(data, qsizetype(size));
}

QByteArray pemOf(EVP_PKEY *key)
{
    Bio bio(BIO_new(BIO_s_mem()));
    if (!PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr))
        return {};
    char *data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return QByteArray(data, qsizetype(size));
}

// Whether the certificate is still valid `days` days after `now`.
bool validFor(X509 *certificate, time_t now, int days)
{
    time_t later = now + time_t(days) * kDaySeconds;
    // X509_cmp_time(): -1 for a time not after the one given, 1 for a later one, 0 for an error.
    return X509_cmp_time(X509_get0_notBefore(certificate), &now) < 0
           && X509_cmp_time(X509_get0_notAfter(certificate), &later) > 0;
}

// The subject alternative names, as "DNS:name" and "IP:address" (inet_ntop's spelling).
QSet<QString> sanNames(X509 *certificate)
{
    QSet<QString> names;
    std::unique_ptr<GENERAL_NAMES, Free> list(
        static_cast<GENERAL_NAMES *>(X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr)));
    if (!list)
        return names;
    for (int i = 0; i < sk_GENERAL_NAME_num(list.get()); ++i) {
        const GENERAL_NAME *name = sk_GENERAL_NAME_value(list.get(), i);
        if (name->type == GEN_DNS) {
            const ASN1_IA5STRING *dns = name->d.dNSName;
            names.insert("DNS:" + QString::fromLatin1(reinterpret_cast<const char *>(dns->data), dns->length));
        } else if (name->type == GEN_IPADD && (name->d.iPAddress->length == 4 || name->d.iPAddress->length == 16)) {
            char text[INET6_ADDRSTRLEN] = {};
            ::inet_ntop(name->d.iPAddress->length == 4 ? AF_INET : AF_INET6, name->d.iPAddress->data, text,
                        sizeof text);
            names.insert("IP:" + QString::fromLatin1(text));
        } else {
            names.insert(QStringLiteral("other"));  // anything else makes the set differ
        }
    }
    return names;
}

bool isAuthority(X509 *certificate)
{
    return X509_check_ca(certificate) == 1;
}

bool randomSerial(X509 *certificate)
{
    unsigned char bytes[16];
    if (RAND_bytes(bytes, sizeof bytes) != 1)
        return false;
    bytes[0] &= 0x7f;  // positive, as RFC 5280 section 4.1.2.2 wants
    bytes[0] |= 0x01;  // and never so short that it could collide with a small counter
    std::unique_ptr<BIGNUM, Free> number(BN_bin2bn(bytes, sizeof bytes, nullptr));
    return number && BN_to_ASN1_INTEGER(number.get(), X509_get_serialNumber(certificate)) != nullptr;
}

bool addExtension(X509 *certificate, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
    std::unique_ptr<X509_EXTENSION, Free> extension(X509V3_EXT_nconf_nid(nullptr, &context, nid, value));
    return extension && X509_add_ext(certificate, extension.get(), -1) == 1;
}

QString userAtHost()
{
    QString user = qEnvironmentVariable("USER");
    if (user.isEmpty()) {
        if (const passwd *entry = ::getpwuid(::getuid()))
            user = QString::fromLocal8Bit(entry->pw_name);
    }
    return user + QLatin1Char('@') + QSysInfo::machineHostName();
}

// A certificate with its name, validity and key; signed by the caller after its extensions.
Certificate newCertificate(EVP_PKEY *key, const QString &commonName, time_t notBefore, time_t notAfter)
{
    Certificate certificate(X509_new());
    if (!certificate || X509_set_version(certificate.get(), X509_VERSION_3) != 1 || !randomSerial(certificate.get()))
        return nullptr;
    X509_NAME *name = X509_get_subject_name(certificate.get());
    const QByteArray common = commonName.toUtf8();
    if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char *>("Kairos development"), -1, -1, 0)
            != 1
        || X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                      reinterpret_cast<const unsigned char *>(common.constData()), -1, -1, 0)
               != 1)
        return nullptr;
    if (!X509_time_adj_ex(X509_getm_notBefore(certificate.get()), 0, 0, &notBefore)
        || !X509_time_adj_ex(X509_getm_notAfter(certificate.get()), 0, 0, &notAfter)
        || X509_set_pubkey(certificate.get(), key) != 1)
        return nullptr;
    return certificate;
}

// A minute back: a client whose clock is a little behind still takes a certificate made now.
constexpr time_t kClockSkew = 60;

bool createAuthority(const QString &directory, time_t now, Certificate &ca, Key &caKey, QString *error)
{
    caKey.reset(EVP_EC_gen("P-256"));
    if (!caKey)
        return fail(error, openSslError("cannot generate the authority's key"));
    ca = newCertificate(caKey.get(), QStringLiteral("Kairos development CA (%1)").arg(userAtHost()), now - kClockSkew,
                        now + time_t(kAuthorityDays) * kDaySeconds);
    if (!ca || X509_set_issuer_name(ca.get(), X509_get_subject_name(ca.get())) != 1
        || !addExtension(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0")
        || !addExtension(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign,cRLSign")
        || !addExtension(ca.get(), ca.get(), NID_subject_key_identifier, "hash")
        || X509_sign(ca.get(), caKey.get(), EVP_sha256()) == 0)
        return fail(error, openSslError("cannot make the authority's certificate"));
    // The key first: a certificate on the disk without its key would be taken for a broken pair
    // and replaced anyway, but never the other way round.
    return writeFileAtomically(QDir(directory).filePath(kCaKeyFile), pemOf(caKey.get()), 0600, error)
           && writeFileAtomically(QDir(directory).filePath(kCaFile), pemOf(ca.get()), 0644, error);
}

bool issueCertificate(const QString &directory, time_t now, X509 *ca, EVP_PKEY *caKey, QString *error)
{
    Key key(EVP_EC_gen("P-256"));
    if (!key)
        return fail(error, openSslError("cannot generate the server key"));
    time_t notAfter = now + time_t(kCertificateDays) * kDaySeconds;
    // Never past the authority's own end.
    if (X509_cmp_time(X509_get0_notAfter(ca), &notAfter) < 0) {
        int days = 0;
        int seconds = 0;
        ASN1_TIME *nowTime = ASN1_TIME_set(nullptr, now);
        ASN1_TIME_diff(&days, &seconds, nowTime, X509_get0_notAfter(ca));
        ASN1_TIME_free(nowTime);
        notAfter = now + time_t(days) * kDaySeconds + seconds;
    }
    Certificate certificate = newCertificate(key.get(), QStringLiteral("localhost"), now - kClockSkew, notAfter);
    if (!certificate || X509_set_issuer_name(certificate.get(), X509_get_subject_name(ca)) != 1
        || !addExtension(certificate.get(), ca, NID_basic_constraints, "critical,CA:FALSE")
        || !addExtension(certificate.get(), ca, NID_key_usage, "critical,digitalSignature")
        || !addExtension(certificate.get(), ca, NID_ext_key_usage, "serverAuth")
        || !addExtension(certificate.get(), ca, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1")
        || !addExtension(certificate.get(), ca, NID_subject_key_identifier, "hash")
        || !addExtension(certificate.get(), ca, NID_authority_key_identifier, "keyid:always")
        || X509_sign(certificate.get(), caKey, EVP_sha256()) == 0)
        return fail(error, openSslError("cannot make the server certificate"));
    return writeFileAtomically(QDir(directory).filePath(kKeyFile), pemOf(key.get()), 0600, error)
           && writeFileAtomically(QDir(directory).filePath(kCertificateFile), pemOf(certificate.get()), 0644, error);
}

bool certificateIsUsable(X509 *certificate, EVP_PKEY *key, X509 *ca, time_t now)
{
    if (!certificate || !key)
        return false;
    EVP_PKEY *caPublicKey = X509_get0_pubkey(ca);
    const bool usable = X509_check_private_key(certificate, key) == 1 && caPublicKey
                        && X509_check_issued(ca, certificate) == X509_V_OK && X509_verify(certificate, caPublicKey) == 1
                        && validFor(certificate, now, kRenewDaysBefore) && sanNames(certificate) == kServerNames;
    ERR_clear_error();
    return usable;
}

QString fingerprint(X509 *certificate)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (X509_digest(certificate, EVP_sha256(), digest, &length) != 1)
        return {};
    return QString::fromLatin1(QByteArray(reinterpret_cast<const char *>(digest), int(length)).toHex(':').toUpper());
}

}  // namespace

QString defaultDevCertificatesDirectory()
{
    return QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)).filePath(QStringLiteral("dev-tls"));
}

DevCertificates ensureDevCertificates(const QString &directory, QString *error, const QDateTime &now)
{
    const QString path = QDir(directory).absolutePath();
    if (!QDir().mkpath(path) || ::chmod(QFile::encodeName(path).constData(), 0700) != 0) {
        fail(error, QStringLiteral("cannot create %1 (mode 0700)").arg(path));
        return {};
    }
    const QDir dir(path);
    // Two processes started together (the gateway and the console) would each make an authority,
    // and one of them would serve a certificate the other's ca.pem does not sign.
    QLockFile lock(dir.filePath(QStringLiteral(".lock")));
    if (!lock.tryLock(30000)) {
        fail(error, QStringLiteral("cannot lock %1").arg(lock.fileName()));
        return {};
    }
    const time_t seconds = time_t(now.toSecsSinceEpoch());

    DevCertificates result;
    Certificate ca = readCertificate(dir.filePath(kCaFile));
    Key caKey = readKey(dir.filePath(kCaKeyFile));
    const bool caUsable = ca && caKey && isAuthority(ca.get()) && X509_check_private_key(ca.get(), caKey.get()) == 1
                          && X509_verify(ca.get(), caKey.get()) == 1 && validFor(ca.get(), seconds, kRenewDaysBefore);
    ERR_clear_error();
    if (!caUsable) {
        if (!createAuthority(path, seconds, ca, caKey, error))
            return {};
        result.createdAuthority = true;
    } else if (::chmod(QFile::encodeName(dir.filePath(kCaKeyFile)).constData(), 0600) != 0) {
        fail(error, QStringLiteral("cannot make %1 private (mode 0600)").arg(dir.filePath(kCaKeyFile)));
        return {};
    }

    const Certificate certificate = readCertificate(dir.filePath(kCertificateFile));
    const Key key = readKey(dir.filePath(kKeyFile));
    if (result.createdAuthority || !certificateIsUsable(certificate.get(), key.get(), ca.get(), seconds)) {
        if (!issueCertificate(path, seconds, ca.get(), caKey.get(), error))
            return {};
        result.issuedCertificate = true;
    } else if (::chmod(QFile::encodeName(dir.filePath(kKeyFile)).constData(), 0600) != 0) {
        fail(error, QStringLiteral("cannot make %1 private (mode 0600)").arg(dir.filePath(kKeyFile)));
        return {};
    }

    result.caCertificateFile = dir.filePath(kCaFile);
    result.caKeyFile = dir.filePath(kCaKeyFile);
    result.certificateFile = dir.filePath(kCertificateFile);
    result.keyFile = dir.filePath(kKeyFile);
    result.caFingerprintSha256 = fingerprint(ca.get());
    return result;
}

QString trustInstructions(const DevCertificates &certificates, quint16 port)
{
    const QString ca = certificates.caCertificateFile;
    const QString url = port ? QStringLiteral("https://localhost:%1/").arg(port) : QStringLiteral("https://localhost/");
    return QStringLiteral("HTTPS on localhost uses a certificate from Kairos's local development authority:\n"
                          "  %1\n"
                          "  SHA-256 fingerprint %2\n"
                          "No trust store was changed. To trust the authority:\n"
                          "  curl:      curl --cacert %1 %3\n"
                          "  Firefox:   Settings > Privacy & Security > Certificates > View Certificates >\n"
                          "             Authorities > Import..., choose the file above, tick \"Trust this CA to\n"
                          "             identify websites\"\n"
                          "  Chrome:    Settings > Privacy and security > Security > Manage certificates >\n"
                          "             Authorities > Import, choose the file above, tick \"Trust this certificate\n"
                          "             for identifying websites\"\n"
                          "  Debian and Ubuntu, for the whole system (curl, wget, Python, ...):\n"
                          "             sudo cp %1 /usr/local/share/ca-certificates/kairos-development-ca.crt\n"
                          "             sudo update-ca-certificates\n"
                          "             (undo: sudo rm /usr/local/share/ca-certificates/kairos-development-ca.crt\n"
                          "             && sudo update-ca-certificates --fresh)\n"
                          "The authority's key can sign a certificate for any name; keep it private:\n"
                          "  %4\n")
        .arg(ca, certificates.caFingerprintSha256, url, certificates.caKeyFile);
}

}  // namespace kairos::tls
