// The Breakpoints tab: rules that hold requests before they leave for a backend and responses
// before they reach the client, the messages waiting now, and an editor to continue one as it
// is, edited, or answered with an error.
#pragma once

#include "proxy/breakpoints.h"

#include <QWidget>

class QCheckBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace kairos {

class BreakpointsView : public QWidget
{
    Q_OBJECT

public:
    explicit BreakpointsView(Breakpoints *breakpoints, QWidget *parent = nullptr);

    QTableWidget *rulesTable() const { return m_rules; }
    QListWidget *waitingList() const { return m_waiting; }
    QLineEdit *methodEdit() const { return m_method; }
    QLineEdit *targetEdit() const { return m_target; }
    QSpinBox *statusEdit() const { return m_status; }
    QPlainTextEdit *headersEdit() const { return m_headers; }
    QPlainTextEdit *bodyEdit() const { return m_body; }
    QLabel *problemLabel() const { return m_problem; }
    QSpinBox *answerStatus() const { return m_answerStatus; }

    // The editor's fields as a message (for the selected one), headers one "Name: value" a line.
    Breakpoints::Message editedMessage() const;

public slots:
    void addRule();
    void continueAsIs();
    void continueEdited();
    void answerWithError();
    void refreshWaiting();

private:
    void removeRule();
    void applyRules();
    void showSelected();
    void decide(const Breakpoints::Decision &decision);
    const Breakpoints::Message *selected() const;

    Breakpoints *m_breakpoints;
    QTableWidget *m_rules;
    QSpinBox *m_timeout;
    QListWidget *m_waiting;
    QList<Breakpoints::Message> m_messages;
    QLabel *m_kind;
    QLineEdit *m_method;
    QLineEdit *m_target;
    QSpinBox *m_status;
    QPlainTextEdit *m_headers;
    QPlainTextEdit *m_body;
    QLabel *m_bodyNote;
    QLabel *m_problem;
    QSpinBox *m_answerStatus;
    QList<QPushButton *> m_actions;
};

}  // namespace kairos
