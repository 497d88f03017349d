// Reads PEM certificate and key files the way the TLS listener will, so that a config naming a
// missing, unreadable or mismatched pair is refused at load with the file's JSON path instead of
// failing the listener later.
#pragma once

#include <QString>

namespace kairos {

// Empty when `certFile` holds a certificate (and maybe its chain) and `keyFile` its private key;
// else what is wrong, as one sentence.
QString certificateKeyProblem(const QString &certFile, const QString &keyFile);

// The first error on this thread's OpenSSL error queue, as words ("no start line", "No such file
// or directory"), and the queue cleared.
QString takeOpenSslError();

// Refuses a key file's passphrase prompt: an encrypted key cannot be loaded unattended, and
// OpenSSL would otherwise ask on the terminal.
int refusePassphrase(char *buffer, int size, int writing, void *data);

// Empty when `caFile` holds at least one PEM certificate; else what is wrong.
QString caFileProblem(const QString &caFile);

}  // namespace kairos
