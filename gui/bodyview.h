// A captured request or response body, shown for what it is: JSON indented and highlighted, text
// as text, an image as the picture, anything else as a hex dump; with a line saying when the
// capture stopped short or the body is compressed.
#pragma once

#include "metrics/requestrecord.h"  // http::Headers

#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QStackedWidget;
class QSyntaxHighlighter;

namespace kairos {

class BodyView : public QWidget
{
    Q_OBJECT

public:
    enum class Mode { Empty, Json, Text, Image, Hex };

    explicit BodyView(QWidget *parent = nullptr);
    // totalBytes: the whole body's size (the capture may hold less).
    void setBody(const QByteArray &body, const http::Headers &headers, bool truncated, qint64 totalBytes);
    void clear();

    Mode mode() const { return m_mode; }
    QString text() const;  // what the text view shows (JSON, text or hex)
    QString note() const;  // the line above the body
    QSize imageSize() const { return m_imageSize; }

    static QString hexDump(const QByteArray &bytes);

private:
    Mode m_mode = Mode::Empty;
    QSize m_imageSize;
    QLabel *m_note;
    QStackedWidget *m_stack;
    QPlainTextEdit *m_text;
    QLabel *m_image;
    QSyntaxHighlighter *m_highlighter;
};

}  // namespace kairos
