#include "bodyview.h"

#include "exchangeexport.h"

#include <QFontDatabase>
#include <QImage>
#include <QJsonDocument>
#include <QLabel>
#include <QPixmap>
#include <QPlainTextEdit>
#include <QRegularExpression>
#include <QScrollArea>
#include <QStackedWidget>
#include <QSyntaxHighlighter>
#include <QVBoxLayout>

namespace kairos {

namespace {

// Mid-tone colours that read on light and dark palettes alike.
class JsonHighlighter : public QSyntaxHighlighter
{
public:
    explicit JsonHighlighter(QObject *parent) : QSyntaxHighlighter(parent)
    {
        m_key.setForeground(QColor(0x3b, 0x8e, 0xea));
        m_string.setForeground(QColor(0x2e, 0xa0, 0x43));
        m_number.setForeground(QColor(0xd2, 0x7b, 0x22));
        m_literal.setForeground(QColor(0xa3, 0x71, 0xf7));
    }

protected:
    void highlightBlock(const QString &text) override
    {
        // Indented JSON: at most one key per line, then its value.
        static const QRegularExpression token(
            QStringLiteral(R"(("(?:[^"\\]|\\.)*")(\s*:)?|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|\b(true|false|null)\b)"));
        for (auto it = token.globalMatch(text); it.hasNext();) {
            const QRegularExpressionMatch match = it.next();
            if (match.capturedLength(1) > 0)
                setFormat(int(match.capturedStart(1)), int(match.capturedLength(1)),
                          match.capturedLength(2) > 0 ? m_key : m_string);
            else if (match.capturedLength(3) > 0)
                setFormat(int(match.capturedStart(3)), int(match.capturedLength(3)), m_number);
            else
                setFormat(int(match.capturedStart(4)), int(match.capturedLength(4)), m_literal);
        }
    }

private:
    QTextCharFormat m_key;
    QTextCharFormat m_string;
    QTextCharFormat m_number;
    QTextCharFormat m_literal;
};

}  // namespace

BodyView::BodyView(QWidget *parent)
    : QWidget(parent),
      m_note(new QLabel),
      m_stack(new QStackedWidget),
      m_text(new QPlainTextEdit),
      m_image(new QLabel),
      m_highlighter(new JsonHighlighter(this))
{
    m_note->setWordWrap(true);
    m_note->hide();
    m_text->setReadOnly(true);
    m_text->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_text->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_image->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    auto *scroll = new QScrollArea;
    scroll->setWidget(m_image);
    scroll->setWidgetResizable(true);
    m_stack->addWidget(m_text);
    m_stack->addWidget(scroll);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_note);
    layout->addWidget(m_stack);
    clear();
}

void BodyView::clear()
{
    m_mode = Mode::Empty;
    m_imageSize = QSize();
    m_highlighter->setDocument(nullptr);
    m_text->clear();
    m_text->setPlaceholderText(tr("No body."));
    m_image->clear();
    m_note->clear();
    m_note->hide();
    m_stack->setCurrentWidget(m_text);
}

QString BodyView::text() const
{
    return m_text->toPlainText();
}

QString BodyView::note() const
{
    return m_note->text();
}

QString BodyView::hexDump(const QByteArray &bytes)
{
    QString out;
    out.reserve(bytes.size() * 4 + bytes.size() / 16 * 12);
    for (qsizetype offset = 0; offset < bytes.size(); offset += 16) {
        const QByteArray line = bytes.mid(offset, 16);
        QString hex = QString::fromLatin1(line.toHex(' '));
        QString ascii;
        for (const char c : line)
            ascii += c >= 0x20 && c < 0x7f ? QLatin1Char(c) : QLatin1Char('.');
        out += QStringLiteral("%1  %2  %3\n").arg(offset, 8, 16, QLatin1Char('0')).arg(hex, -47).arg(ascii);
    }
    return out;
}

void BodyView::setBody(const QByteArray &body, const http::Headers &headers, bool truncated, qint64 totalBytes)
{
    clear();
    QStringList notes;
    if (truncated)
        notes << tr("Truncated at %1 bytes (of %2).").arg(body.size()).arg(totalBytes);
    if (body.isEmpty()) {
        if (totalBytes > 0)
            m_text->setPlaceholderText(tr("%1 bytes, not captured (console.capture_body_bytes is 0).").arg(totalBytes));
        return;
    }
    const QByteArray type = mediaType(headers);
    const QByteArray encoding = headers.value("content-encoding").trimmed().toLower();
    if (!encoding.isEmpty() && encoding != "identity") {
        // Qt has no gzip or brotli decoder (qUncompress reads zlib's own format only).
        notes << tr("Encoded with %1: shown as received.").arg(QString::fromLatin1(encoding));
        m_mode = Mode::Hex;
    } else if (type.startsWith("image/")) {
        const QImage image = QImage::fromData(body);
        if (!image.isNull()) {
            m_mode = Mode::Image;
            m_imageSize = image.size();
            m_image->setPixmap(QPixmap::fromImage(image));
            notes << tr("%1 image, %2 × %3 pixels.")
                         .arg(QString::fromLatin1(type))
                         .arg(image.width())
                         .arg(image.height());
        } else {
            notes << tr("Not a readable image: shown as bytes.");
            m_mode = Mode::Hex;
        }
    } else if (type.contains("json")) {
        QJsonParseError error;
        const QJsonDocument document = QJsonDocument::fromJson(body, &error);
        if (error.error == QJsonParseError::NoError) {
            m_mode = Mode::Json;
            m_text->setPlainText(QString::fromUtf8(document.toJson(QJsonDocument::Indented)));
        } else {
            m_mode = Mode::Text;  // a truncated or broken document reads best as it came
        }
    } else if (isTextual(type, body)) {
        m_mode = Mode::Text;
    } else {
        m_mode = Mode::Hex;
    }
    if (m_mode == Mode::Json) {
        m_highlighter->setDocument(m_text->document());
    } else if (m_mode == Mode::Text) {
        m_text->setPlainText(QString::fromUtf8(body));
    } else if (m_mode == Mode::Hex) {
        m_text->setPlainText(hexDump(body));
    }
    m_stack->setCurrentIndex(m_mode == Mode::Image ? 1 : 0);
    m_note->setText(notes.join(QLatin1Char(' ')));
    m_note->setVisible(!notes.isEmpty());
}

}  // namespace kairos
