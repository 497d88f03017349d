// Content-Type for a file by its name: the web's types from a table of our own, so that what a
// browser gets does not depend on the host's shared-mime-info; anything else from QMimeDatabase
// (by extension only, the file is not read), else application/octet-stream.
#pragma once

#include <QByteArray>
#include <QByteArrayView>

namespace kairos {

// Text types carry "; charset=utf-8": without it a browser guesses, and windows-1252 is the guess.
QByteArray mimeTypeFor(QByteArrayView fileName);

}  // namespace kairos
