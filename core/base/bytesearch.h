// Finding one byte in a view with memchr, and comparing two views with memcmp. Qt 6.4's
// QByteArrayView::indexOf(char) and contains(char) go through its general substring search
// (QtPrivate::findByteArray) and cost several times more; its operator== calls an exported
// function (QtPrivate::compareMemory). The request path does both a dozen times per head.
#pragma once

#include <QByteArrayView>

#include <cstring>

namespace kairos::http {

inline qsizetype indexOfByte(QByteArrayView text, char byte, qsizetype from = 0)
{
    if (from < 0 || from >= text.size())
        return -1;
    const void *found = std::memchr(text.data() + from, byte, size_t(text.size() - from));
    return found ? static_cast<const char *>(found) - text.data() : -1;
}

inline bool containsByte(QByteArrayView text, char byte)
{
    return indexOfByte(text, byte) >= 0;
}

inline bool equalBytes(QByteArrayView a, QByteArrayView b)
{
    return a.size() == b.size() && (a.isEmpty() || std::memcmp(a.data(), b.data(), size_t(a.size())) == 0);
}

// The value of a hexadecimal digit, or -1.
inline int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

}  // namespace kairos::http
