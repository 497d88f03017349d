// The local certificate authority behind `--dev-tls`: HTTPS on localhost without fighting
// certificates, as Caddy and mkcert give it.
//
// ensureDevCertificates() keeps, in one directory (mode 0700):
//   ca.pem, ca-key.pem                 the authority, "Kairos development CA (<user>@<host>)",
//                                      EC P-256, valid 825 days
//   localhost.pem, localhost-key.pem   a server certificate it signed for localhost, 127.0.0.1
//                                      and ::1 (serverAuth), valid 397 days at most
// Keys are PEM PKCS#8, mode 0600; every file is written under a temporary name and renamed, so a
// crash leaves the old file or the new one, never half of one. The first call creates them all;
// later calls reuse what is valid: the authority while it has more than 30 days left (a new one
// means trusting it again), the server certificate while it has more than 30 days left, still
// matches its key, was signed by the authority and names exactly those three hosts. Otherwise the
// certificate alone is issued again, from the same authority. Callers in several processes take
// turns (a lock file in the directory).
//
// Nothing here touches a trust store: trustInstructions() says how a person can trust the
// authority (curl, Firefox, Chrome, Debian's store); the caller prints it.
#pragma once

#include <QDateTime>
#include <QString>

namespace kairos::tls {

struct DevCertificates {
    QString caCertificateFile;       // ca.pem
    QString caKeyFile;               // ca-key.pem
    QString certificateFile;         // localhost.pem
    QString keyFile;                 // localhost-key.pem
    bool createdAuthority = false;   // a new authority: browsers must be told to trust it (again)
    bool issuedCertificate = false;  // a new server certificate
    QString caFingerprintSha256;     // "AB:CD:...", for a person to compare with what a browser shows

    bool isValid() const { return !certificateFile.isEmpty(); }
};

// Where `--dev-tls` keeps them: "dev-tls" in the user's data directory
// (~/.local/share/<application>/dev-tls on Linux).
QString defaultDevCertificatesDirectory();

// Creates or reuses the files in `directory` (see the top). On failure returns an invalid value
// and says why in *error. `now` is the time validity is judged and new certificates start at.
DevCertificates ensureDevCertificates(const QString &directory, QString *error,
                                      const QDateTime &now = QDateTime::currentDateTimeUtc());

// How to trust the authority, for a person to read: curl --cacert, the Firefox and Chrome
// import, Debian's update-ca-certificates (with sudo, which the gateway never runs). `port`: the
// HTTPS port the examples use (0: none).
QString trustInstructions(const DevCertificates &certificates, quint16 port = 0);

}  // namespace kairos::tls
