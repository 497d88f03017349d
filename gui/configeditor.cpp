#include "configeditor.h"

#include "config/configmerge.h"
#include "config/configwriter.h"
#include "config/jsonlocate.h"

#include <QApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSyntaxHighlighter>
#include <QTextBlock>
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
        // Darker shades on a light background, lighter ones on a dark palette.
        const bool dark = QApplication::palette().color(QPalette::Base).lightness() < 128;
        format(number, text, dark ? QColor(0x6c, 0xc4, 0xf0) : QColor(0x0b, 0x6e, 0x99));
        format(literal, text, dark ? QColor(0xd3, 0x9b, 0xf5) : QColor(0x8a, 0x2b, 0xb2));
        format(string, text, dark ? QColor(0x9c, 0xdb, 0x8f) : QColor(0x2e, 0x7d, 0x32));
        format(key, text, dark ? QColor(0xf5, 0x9e, 0x84) : QColor(0x9c, 0x27, 0x10));
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
      m_apply(new QPushButton(tr("Apply"))),
      m_conflict(new QWidget),
      m_conflictText(new QLabel),
      m_overwrite(new QPushButton(tr("Overwrite with my edits"))),
      m_merge(new QPushButton(tr("Merge my edits"))),
      m_discard(new QPushButton(tr("Discard my edits")))
{
    m_editor->setFont(QFont(QStringLiteral("monospace")));
    m_editor->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_highlighter = new JsonHighlighter(m_editor);
    auto *validateButton = new QPushButton(tr("Validate"));
    auto *revert = new QPushButton(tr("Revert"));
    connect(validateButton, &QPushButton::clicked, this, &ConfigEditor::validate);
    connect(m_apply, &QPushButton::clicked, this, &ConfigEditor::apply);
    connect(revert, &QPushButton::clicked, this, [this] {
        if (!m_editor->document()->isModified()
            || QMessageBox::question(this, tr("Revert"), tr("Discard your edits that are not applied?"))
                   == QMessageBox::Yes)
            showRunningConfig(true);
    });
    connect(m_problems, &QListWidget::itemActivated, this, &ConfigEditor::showProblem);
    connect(m_problems, &QListWidget::itemClicked, this, &ConfigEditor::showProblem);
    connect(m_editor->document(), &QTextDocument::modificationChanged, this, [this](bool modified) {
        if (modified)
            m_state->setText(tr("Edited: not applied (Revert discards the edits)."));
    });
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_state, 1);
    buttons->addWidget(validateButton);
    buttons->addWidget(revert);
    buttons->addWidget(m_apply);
    m_problems->setMaximumHeight(120);
    m_conflictText->setWordWrap(true);
    auto *conflictLayout = new QHBoxLayout(m_conflict);
    conflictLayout->setContentsMargins(0, 0, 0, 0);
    conflictLayout->addWidget(m_conflictText, 1);
    conflictLayout->addWidget(m_merge);
    conflictLayout->addWidget(m_overwrite);
    conflictLayout->addWidget(m_discard);
    m_conflict->hide();
    connect(m_overwrite, &QPushButton::clicked, this, [this] { applyOver(m_conflictEtag); });
    connect(m_merge, &QPushButton::clicked, this, &ConfigEditor::applyMerged);
    connect(m_discard, &QPushButton::clicked, this, [this] { showRunningConfig(true); });
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_conflict);
    layout->addWidget(m_editor, 1);
    layout->addWidget(m_problems);
    layout->addLayout(buttons);
    showRunningConfig();
}

void ConfigEditor::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    if (m_stale)
        showRunningConfig();
}

void ConfigEditor::showRunningConfig(bool force)
{
    // Loaded when first shown: the text of a large config and its layout are most of the
    // console's memory (5,000 routes: about 20 MB), and many sessions never open this view.
    if (!force && !isVisible()) {
        m_stale = true;
        return;
    }
    m_stale = false;
    if (!force && m_editor->document()->isModified()) {
        m_state->setText(tr("The running config changed; your edits are not applied (Revert shows it)."));
        return;
    }
    // The revision first: a change between the two reads then makes Apply stale, never blind.
    m_baseEtag = m_store.etag();
    const ConfigSnapshot config = m_store.current();
    m_base = config;
    m_conflict->hide();
    const QString text = config ? QString::fromUtf8(configToBytes(*config)) : QString();
    // Highlighting lays out every line and keeps its formats (a 5,000-route config: over 100,000
    // lines and 40 MB); without it the editor lays out only what is on screen.
    constexpr qsizetype kHighlightedLines = 20'000;
    m_highlighter->setDocument(text.count(QLatin1Char('\n')) <= kHighlightedLines ? m_editor->document() : nullptr);
    m_editor->setPlainText(text);
    m_editor->document()->setModified(false);
    m_editor->setExtraSelections({});
    m_problems->clear();
    m_state->setText(tr("Running config, version %1").arg(m_store.revision()));
}

bool ConfigEditor::validate()
{
    const QByteArray text = m_editor->toPlainText().toUtf8();
    const ConfigLoadResult result = loadConfig(text);
    m_problems->clear();
    QList<QTextEdit::ExtraSelection> marks;
    const auto list = [&](const ConfigProblem &problem, const QString &shown) {
        auto *item = new QListWidgetItem(shown, m_problems);
        const int position = problemPosition(text, problem);
        item->setData(Qt::UserRole, position);
        QTextEdit::ExtraSelection mark;
        mark.cursor = QTextCursor(m_editor->document()->findBlock(position));
        mark.format.setBackground(QColor(220, 40, 40, 50));  // reads on light and dark palettes
        mark.format.setProperty(QTextFormat::FullWidthSelection, true);
        mark.format.setToolTip(problem.toString());
        marks.append(mark);
    };
    for (const ConfigProblem &problem : result.errors)
        list(problem, problem.toString());
    for (const ConfigProblem &warning : result.warnings)
        list(warning, tr("warning: %1").arg(warning.toString()));
    m_editor->setExtraSelections(marks);
    m_state->setText(result.ok() ? tr("Valid.")
                                 : tr("%n problem(s); nothing applied.", nullptr, int(result.errors.size())));
    return result.ok();
}

// Where in the text a problem is, as a character position: its JSON path's key or element, or
// the line and column a JSON syntax error names.
int ConfigEditor::problemPosition(const QByteArray &text, const ConfigProblem &problem) const
{
    static const QRegularExpression lineColumn(QStringLiteral("line (\\d+), column (\\d+)"));
    const QRegularExpressionMatch match = lineColumn.match(problem.message);
    if (problem.path.isEmpty() && match.hasMatch()) {
        const QTextBlock block = m_editor->document()->findBlockByNumber(match.captured(1).toInt() - 1);
        return block.isValid() ? block.position() + std::max(0, match.captured(2).toInt() - 1) : 0;
    }
    const qsizetype offset = locateJsonPath(text, problem.path);
    return int(QString::fromUtf8(text.first(offset)).size());
}

void ConfigEditor::showProblem(QListWidgetItem *item)
{
    QTextCursor cursor(m_editor->document());
    cursor.setPosition(std::min(item->data(Qt::UserRole).toInt(), m_editor->document()->characterCount() - 1));
    cursor.select(QTextCursor::LineUnderCursor);
    m_editor->setTextCursor(cursor);
    m_editor->centerCursor();
    m_editor->setFocus();
}

void ConfigEditor::apply()
{
    applyOver(m_baseEtag);
}

void ConfigEditor::applyOver(const QString &etag)
{
    if (!validate())
        return;
    settle(m_store.replaceJson(m_editor->toPlainText().toUtf8(), ConfigStore::Source::Gui, etag),
           tr("The config was not applied: %1"), tr("Config applied (version %1)."));
}

// What an Apply or a Merge came to: the conflict bar when the running config moved meanwhile,
// the reason it was refused, or the running config shown again.
void ConfigEditor::settle(const ConfigStore::Change &change, const QString &refused, const QString &applied)
{
    if (change.outcome == ConfigStore::Change::Stale) {
        showConflict();
        return;
    }
    if (!change.applied()) {
        const QString why =
            change.outcome == ConfigStore::Change::Invalid ? change.load.errorSummary() : change.message;
        m_state->setText(tr("Not applied."));
        emit message(refused.arg(why), true);
        return;
    }
    showRunningConfig(true);
    emit message(applied.arg(change.revision), false);
}

// What moved between the config the text came from and the running one, by route: what the
// user would overwrite.
void ConfigEditor::showConflict()
{
    m_conflictEtag = m_store.etag();  // first, as in showRunningConfig()
    const ConfigSnapshot running = m_store.current();
    QStringList added, removed, changed;
    if (running && m_base) {
        for (const Route &route : running->routes) {
            const Route *before = m_base->findRoute(route.externalPath);
            if (!before)
                added.append(route.externalPath);
            else if (routeToJson(*before) != routeToJson(route))
                changed.append(route.externalPath);
        }
        for (const Route &route : m_base->routes) {
            if (!running->findRoute(route.externalPath))
                removed.append(route.externalPath);
        }
    }
    QStringList parts;
    if (!added.isEmpty())
        parts.append(tr("routes added: %1").arg(added.join(QLatin1String(", "))));
    if (!removed.isEmpty())
        parts.append(tr("routes removed: %1").arg(removed.join(QLatin1String(", "))));
    if (!changed.isEmpty())
        parts.append(tr("routes changed: %1").arg(changed.join(QLatin1String(", "))));
    if (parts.isEmpty())
        parts.append(tr("settings outside the routes changed"));
    QString mergeText;
    const QStringList conflicts = mergeConflicts(running);
    m_merge->setEnabled(conflicts.isEmpty());
    if (conflicts.isEmpty())
        mergeText = tr("Merge applies your edits onto it and keeps that change.");
    else
        mergeText = tr("Your edits and that change both touch %1: merging is not possible.")
                        .arg(conflicts.join(QLatin1String(", ")));
    m_conflictText->setText(tr("Not applied: the running config changed since you started editing "
                               "(version %1 now; %2). Overwriting it with your text undoes that. %3")
                                .arg(m_store.revision())
                                .arg(parts.join(QLatin1String("; ")), mergeText));
    m_conflict->show();
    m_state->setText(tr("Not applied."));
}

// What keeps the edits from merging onto `running`: the routes and sections both sides changed,
// or the merged config's first problem.
QStringList ConfigEditor::mergeConflicts(const ConfigSnapshot &running)
{
    m_merged.reset();
    const ConfigLoadResult mine = loadConfig(m_editor->toPlainText().toUtf8());
    if (!running || !m_base || !mine.ok())
        return {tr("the whole config")};
    const ConfigMerge merge = mergeConfigs(*m_base, *mine.config, *running);
    if (!merge.conflicts.isEmpty())
        return merge.conflicts;
    if (!merge.merged.ok())
        return {tr("what the merged config would be (%1)").arg(merge.merged.errors.first().toString())};
    m_merged = merge.merged.config;
    return {};
}

void ConfigEditor::applyMerged()
{
    if (m_merged)
        settle(m_store.replace(*m_merged, ConfigStore::Source::Gui, m_conflictEtag),
               tr("The merged config was not applied: %1"), tr("Your edits were merged and applied (version %1)."));
}

}  // namespace kairos
