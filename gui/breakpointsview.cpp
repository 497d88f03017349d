#include "breakpointsview.h"

#include <QCheckBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

namespace kairos {

namespace {

enum RuleColumn { Requests, Responses, Method, Path, ColumnCount };

QTableWidgetItem *checkItem(bool checked)
{
    auto *item = new QTableWidgetItem;
    item->setFlags(Qt::ItemIsUserCheckable | Qt::ItemIsEnabled | Qt::ItemIsSelectable);
    item->setCheckState(checked ? Qt::Checked : Qt::Unchecked);
    return item;
}

QString headersText(const http::Headers &headers)
{
    QStringList lines;
    for (const http::Headers::Field &field : headers.fields())
        lines.append(QString::fromLatin1(field.first) + QStringLiteral(": ") + QString::fromLatin1(field.second));
    return lines.join(QLatin1Char('\n'));
}

}  // namespace

BreakpointsView::BreakpointsView(Breakpoints *breakpoints, QWidget *parent)
    : QWidget(parent),
      m_breakpoints(breakpoints),
      m_rules(new QTableWidget(0, ColumnCount)),
      m_timeout(new QSpinBox),
      m_waiting(new QListWidget),
      m_kind(new QLabel),
      m_method(new QLineEdit),
      m_target(new QLineEdit),
      m_status(new QSpinBox),
      m_headers(new QPlainTextEdit),
      m_body(new QPlainTextEdit),
      m_bodyNote(new QLabel),
      m_problem(new QLabel),
      m_answerStatus(new QSpinBox)
{
    m_rules->setObjectName(QStringLiteral("breakpointRules"));
    m_rules->setHorizontalHeaderLabels({tr("Requests"), tr("Responses"), tr("Method"), tr("Path contains")});
    m_rules->horizontalHeader()->setSectionResizeMode(Path, QHeaderView::Stretch);
    m_rules->verticalHeader()->hide();
    m_rules->setToolTip(tr("A request or response whose method and target match a rule waits here. "
                           "An empty method or path matches any."));
    auto *add = new QPushButton(tr("Add rule"));
    auto *remove = new QPushButton(tr("Remove rule"));
    m_timeout->setRange(5, 3600);
    m_timeout->setValue(breakpoints ? breakpoints->timeoutMs() / 1000 : 60);
    m_timeout->setSuffix(tr(" s"));
    m_timeout->setToolTip(tr("A message nobody decides on goes on unchanged after this long."));
    auto *ruleButtons = new QHBoxLayout;
    ruleButtons->addWidget(add);
    ruleButtons->addWidget(remove);
    ruleButtons->addStretch();
    ruleButtons->addWidget(new QLabel(tr("Continue unchanged after")));
    ruleButtons->addWidget(m_timeout);
    auto *rulesBox = new QGroupBox(tr("Rules"));
    auto *rulesLayout = new QVBoxLayout(rulesBox);
    rulesLayout->addWidget(m_rules);
    rulesLayout->addLayout(ruleButtons);

    m_waiting->setObjectName(QStringLiteral("breakpointWaiting"));
    auto *waitingBox = new QGroupBox(tr("Waiting"));
    (new QVBoxLayout(waitingBox))->addWidget(m_waiting);

    m_status->setRange(100, 599);
    m_answerStatus->setRange(400, 599);
    m_answerStatus->setValue(502);
    m_problem->setStyleSheet(QStringLiteral("color: palette(highlighted-text); background: #b3261e; padding: 2px"));
    m_problem->hide();
    m_bodyNote->setWordWrap(true);
    auto *form = new QFormLayout;
    form->addRow(m_kind);
    form->addRow(tr("Method"), m_method);
    form->addRow(tr("Target"), m_target);
    form->addRow(tr("Status"), m_status);
    form->addRow(tr("Headers"), m_headers);
    form->addRow(tr("Body"), m_body);
    form->addRow(m_bodyNote);
    form->addRow(m_problem);
    auto *continueButton = new QPushButton(tr("Continue"));
    auto *editedButton = new QPushButton(tr("Edit and continue"));
    auto *answerButton = new QPushButton(tr("Answer with error"));
    m_actions = {continueButton, editedButton, answerButton};
    auto *actions = new QHBoxLayout;
    actions->addWidget(continueButton);
    actions->addWidget(editedButton);
    actions->addStretch();
    actions->addWidget(answerButton);
    actions->addWidget(m_answerStatus);
    auto *editorBox = new QGroupBox(tr("Selected message"));
    auto *editorLayout = new QVBoxLayout(editorBox);
    editorLayout->addLayout(form);
    editorLayout->addLayout(actions);

    auto *lower = new QSplitter(Qt::Horizontal);
    lower->addWidget(waitingBox);
    lower->addWidget(editorBox);
    lower->setStretchFactor(1, 2);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(rulesBox, 1);
    layout->addWidget(lower, 3);

    connect(add, &QPushButton::clicked, this, &BreakpointsView::addRule);
    connect(remove, &QPushButton::clicked, this, &BreakpointsView::removeRule);
    connect(m_rules, &QTableWidget::itemChanged, this, &BreakpointsView::applyRules);
    connect(m_timeout, &QSpinBox::valueChanged, this, [this](int seconds) {
        if (m_breakpoints)
            m_breakpoints->setTimeoutMs(seconds * 1000);
    });
    connect(m_waiting, &QListWidget::currentRowChanged, this, &BreakpointsView::showSelected);
    connect(continueButton, &QPushButton::clicked, this, &BreakpointsView::continueAsIs);
    connect(editedButton, &QPushButton::clicked, this, &BreakpointsView::continueEdited);
    connect(answerButton, &QPushButton::clicked, this, &BreakpointsView::answerWithError);
    if (breakpoints) {
        connect(breakpoints, &Breakpoints::held, this, &BreakpointsView::refreshWaiting, Qt::QueuedConnection);
        connect(breakpoints, &Breakpoints::released, this, &BreakpointsView::refreshWaiting, Qt::QueuedConnection);
    } else {
        setEnabled(false);
        setToolTip(tr("Breakpoints need the console's traffic capture."));
    }
    showSelected();
}

void BreakpointsView::addRule()
{
    const int row = m_rules->rowCount();
    const QSignalBlocker blocker(m_rules);
    m_rules->insertRow(row);
    m_rules->setItem(row, Requests, checkItem(true));
    m_rules->setItem(row, Responses, checkItem(false));
    m_rules->setItem(row, Method, new QTableWidgetItem);
    m_rules->setItem(row, Path, new QTableWidgetItem);
    applyRules();
    m_rules->editItem(m_rules->item(row, Path));
}

void BreakpointsView::removeRule()
{
    if (m_rules->currentRow() >= 0)
        m_rules->removeRow(m_rules->currentRow());
    applyRules();
}

void BreakpointsView::applyRules()
{
    if (!m_breakpoints)
        return;
    QList<Breakpoints::Rule> rules;
    for (int row = 0; row < m_rules->rowCount(); ++row) {
        Breakpoints::Rule rule;
        rule.requests = m_rules->item(row, Requests)->checkState() == Qt::Checked;
        rule.responses = m_rules->item(row, Responses)->checkState() == Qt::Checked;
        rule.method = m_rules->item(row, Method)->text().trimmed().toUpper().toLatin1();
        rule.pathContains = m_rules->item(row, Path)->text().trimmed();
        if (rule.requests || rule.responses)
            rules.append(rule);
    }
    m_breakpoints->setRules(rules);
}

void BreakpointsView::refreshWaiting()
{
    const quint64 current = selected() ? selected()->id : 0;
    m_messages = m_breakpoints ? m_breakpoints->waiting() : QList<Breakpoints::Message>();
    const QSignalBlocker blocker(m_waiting);
    m_waiting->clear();
    int currentRow = m_messages.isEmpty() ? -1 : 0;
    for (int i = 0; i < m_messages.size(); ++i) {
        const Breakpoints::Message &message = m_messages[i];
        const QString what =
            message.response
                ? tr("Response %1 to %2 %3")
                      .arg(message.status)
                      .arg(QString::fromLatin1(message.method), QString::fromLatin1(message.target))
                : tr("Request %1 %2").arg(QString::fromLatin1(message.method), QString::fromLatin1(message.target));
        m_waiting->addItem(what + QStringLiteral("  ·  ") + message.route);
        if (message.id == current)
            currentRow = i;
    }
    m_waiting->setCurrentRow(currentRow);
    showSelected();
}

const Breakpoints::Message *BreakpointsView::selected() const
{
    const int row = m_waiting->currentRow();
    return row >= 0 && row < m_messages.size() ? &m_messages[row] : nullptr;
}

void BreakpointsView::showSelected()
{
    const Breakpoints::Message *message = selected();
    m_problem->hide();
    for (QPushButton *button : m_actions)
        button->setEnabled(message != nullptr);
    for (QWidget *field : std::initializer_list<QWidget *>{m_method, m_target, m_status, m_headers, m_body})
        field->setEnabled(message != nullptr);
    if (!message) {
        m_kind->setText(tr("Nothing is waiting."));
        m_method->clear();
        m_target->clear();
        m_headers->clear();
        m_body->clear();
        m_bodyNote->clear();
        return;
    }
    m_kind->setText(
        message->response
            ? tr("A response, before it reaches the client (request %1).").arg(QString::fromLatin1(message->requestId))
            : tr("A request, before it leaves for a backend (request %1).")
                  .arg(QString::fromLatin1(message->requestId)));
    m_method->setText(QString::fromLatin1(message->method));
    m_target->setText(QString::fromLatin1(message->target));
    m_method->setEnabled(!message->response);
    m_target->setEnabled(!message->response);
    m_status->setEnabled(message->response);
    m_status->setValue(message->response ? message->status : 200);
    m_headers->setPlainText(headersText(message->headers));
    m_body->setPlainText(QString::fromUtf8(message->body));
    m_body->setReadOnly(!message->bodyComplete);
    m_bodyNote->setText(message->bodyComplete ? QString()
                                              : tr("Only the first %1 KiB of the body is here; it goes on unchanged.")
                                                    .arg(Breakpoints::kMaxHeldBodyBytes / 1024));
}

Breakpoints::Message BreakpointsView::editedMessage() const
{
    Breakpoints::Message message = selected() ? *selected() : Breakpoints::Message();
    message.method = m_method->text().trimmed().toLatin1();
    message.target = m_target->text().trimmed().toUtf8();
    message.status = m_status->value();
    message.headers = {};
    for (const QString &line : m_headers->toPlainText().split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
        const qsizetype colon = line.indexOf(QLatin1Char(':'));
        if (colon <= 0)
            message.headers.add(line.trimmed().toLatin1(), {});  // refused by isValidEdit: no name
        else
            message.headers.add(line.left(colon).trimmed().toLatin1(), line.mid(colon + 1).trimmed().toLatin1());
    }
    if (message.bodyComplete)
        message.body = m_body->toPlainText().toUtf8();
    return message;
}

void BreakpointsView::decide(const Breakpoints::Decision &decision)
{
    const Breakpoints::Message *message = selected();
    if (!message || !m_breakpoints)
        return;
    if (!m_breakpoints->decide(message->id, decision)) {
        m_problem->setText(tr("It no longer waits: its client left or its time ran out."));
        m_problem->show();
    }
    refreshWaiting();
}

void BreakpointsView::continueAsIs()
{
    decide({});
}

void BreakpointsView::continueEdited()
{
    Breakpoints::Decision decision;
    decision.action = Breakpoints::Action::ContinueEdited;
    decision.edited = editedMessage();
    QString why;
    if (!Breakpoints::isValidEdit(decision.edited, &why)) {
        m_problem->setText(tr("Not sent: %1.").arg(why));
        m_problem->show();
        return;
    }
    decide(decision);
}

void BreakpointsView::answerWithError()
{
    Breakpoints::Decision decision;
    decision.action = Breakpoints::Action::Answer;
    decision.answerStatus = m_answerStatus->value();
    decide(decision);
}

}  // namespace kairos
