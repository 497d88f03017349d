// The config file's JSON with syntax highlighting: Validate lists every problem with its JSON
// path, Apply goes through ConfigStore (validate, save, swap) like the API does.
#pragma once

#include "config/configstore.h"

#include <QWidget>

class QLabel;
class QListWidget;
class QPlainTextEdit;
class QPushButton;

namespace kairos {

class ConfigEditor : public QWidget
{
    Q_OBJECT

public:
    explicit ConfigEditor(ConfigStore &store, QWidget *parent = nullptr);

    // Shows the running config, unless the text has unapplied edits (then it says so instead).
    void showRunningConfig(bool force = false);
    QPlainTextEdit *editor() const { return m_editor; }
    QPushButton *applyButton() const { return m_apply; }
    QListWidget *problems() const { return m_problems; }

signals:
    void message(const QString &text, bool error);

private:
    bool validate();
    void apply();

    ConfigStore &m_store;
    QPlainTextEdit *m_editor;
    QListWidget *m_problems;
    QLabel *m_state;
    QPushButton *m_apply;
};

}  // namespace kairos
