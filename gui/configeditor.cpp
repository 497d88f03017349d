#include "configeditor.h"

#include "config/configwriter.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSyntaxHighlighter>
#include <QVBoxLayout>

namespace kairos {

namespace {

class JsonHighlighter : public QSyntaxHighlighter
{
public:
    using QSyntaxHighlighter::QSyntaxHighlighter;

protected:
    void highlightBlock(const QString &text) override
    {
        static const QRegularExpression key(QStringLiteral(R"re("(?:[^"\\]|\\.)*"(?=\s*:))re"));
        static const QRegularExpression string(QStringLiteral(R"re("(?:[^"\\]|\\.)*")re"));
        static const QRegularExpression number(QStringLiteral(R"re(\b-?\d+(\.\d+)?([eE][+-]?\d+)?\b)re"));
        static const QRegularExpression literal(QStringLiteral(R"re(\b(true|false|null)\b)re"));
        format(number, text, QColor(0x0b, 0x6e, 0x99));
        format(literal, text, QColor(0x8a, 0x2b, 0xb2));
        format(string, text, QColor(0x2e, 0x7d, 0x32));
        format(key, text, QColor(0x9c, 0x27, 0x10));
    }

private:
    void format(const QRegularExpression &pattern, const QString &text, const QColor &color)
    {
        for (auto it = pattern.globalMatch(text); it.hasNext();) {
            const QRegularExpressionMatch match = it.next();
            setFormat(int(match.capturedStart()), int(match.capturedLength()), color);
        }
    }
};

}  // namespace

ConfigEditor::ConfigEditor(ConfigStore &store, QWidget *parent)
    : QWidget(parent),
      m_store(store),
      m_editor(new QPlainTextEdit),
      m_problems(new QListWidget),
      m_state(new QLabel),
      m_apply(new QPushButton(tr("Apply")))
{
    m_editor->setFont(QFont(QStringLiteral("monospace")));
    m_editor->setLineWrapMode(QPlainTextEdit::NoWrap);
    new JsonHighlighter(m_editor->document());
    auto *validateButton = new QPushButton(tr("Validate"));
    auto *revert = new QPushButton(tr("Revert"));
    connect(validateButton, &QPushButton::clicked, this, &ConfigEditor::validate);
    connect(m_apply, &QPushButton::clicked, this, &ConfigEditor::apply);
    connect(revert, &QPushButton::clicked, this, [this] { showRunningConfig(true); });
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_state, 1);
    buttons->addWidget(validateButton);
    buttons->addWidget(revert);
    buttons->addWidget(m_apply);
    m_problems->setMaximumHeight(120);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_editor, 1);
    layout->addWidget(m_problems);
    layout->addLayout(buttons);
    showRunningConfig(true);
}

void ConfigEditor::showRunningConfig(bool force)
{
    if (!force && m_editor->document()->isModified()) {
        m_state->setText(tr("The running config changed; your edits are not applied (Revert shows it)."));
        return;
    }
    const ConfigSnapshot config = m_store.current();
    m_editor->setPlainText(config ? QString::fromUtf8(configToBytes(*config)) : QString());
    m_editor->document()->setModified(false);
    m_problems->clear();
    m_state->setText(tr("Running config, version %1").arg(m_store.revision()));
}

bool ConfigEditor::validate()
{
    const ConfigLoadResult result = loadConfig(m_editor->toPlainText().toUtf8());
    m_problems->clear();
    for (const ConfigProblem &problem : result.errors)
        m_problems->addItem(problem.toString());
    for (const ConfigProblem &warning : result.warnings)
        m_problems->addItem(tr("warning: %1").arg(warning.toString()));
    m_state->setText(result.ok() ? tr("Valid.")
                                 : tr("%n problem(s); nothing applied.", nullptr, int(result.errors.size())));
    return result.ok();
}

void ConfigEditor::apply()
{
    if (!validate())
        return;
    const ConfigStore::Change change = m_store.replaceJson(m_editor->toPlainText().toUtf8(), ConfigStore::Source::Gui);
    if (!change.applied()) {
        const QString why =
            change.outcome == ConfigStore::Change::Invalid ? change.load.errorSummary() : change.message;
        m_state->setText(tr("Not applied."));
        emit message(tr("The config was not applied: %1").arg(why), true);
        return;
    }
    showRunningConfig(true);
    emit message(tr("Config applied (version %1).").arg(change.revision), false);
}

}  // namespace kairos
