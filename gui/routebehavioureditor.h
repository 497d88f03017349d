// The route editor's "Behaviour" tab: whether the route proxies to its backends or answers itself
// with a redirect, a mock answer or the files under a directory (kindChoice(), which the editor
// shows beside the paths), and the fields of the chosen answer.
#pragma once

#include "config/config.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QLineEdit;
class QPlainTextEdit;
class QSpinBox;

namespace kairos {

class NamedValuesTable;

class RouteBehaviourEditor : public QWidget
{
    Q_OBJECT

public:
    enum Kind { Proxy, Redirect, Mock, Static };

    explicit RouteBehaviourEditor(const Route &route, QWidget *parent = nullptr);
    // Writes the chosen answer into `route`; the other two answers are removed.
    void applyTo(Route &route) const;
    Kind kind() const;
    void setKind(Kind kind);

    QComboBox *kindChoice() const { return m_kind; }
    QLineEdit *redirectToEdit() const { return m_redirectTo; }
    QComboBox *redirectStatusChoice() const { return m_redirectStatus; }
    QSpinBox *mockStatusBox() const { return m_mockStatus; }
    NamedValuesTable *mockHeadersTable() const { return m_mockHeaders; }
    QPlainTextEdit *mockBodyEdit() const { return m_mockBody; }
    QLineEdit *mockBodyFileEdit() const { return m_mockBodyFile; }
    QSpinBox *mockDelayBox() const { return m_mockDelay; }
    QLineEdit *staticRootEdit() const { return m_staticRoot; }
    QLineEdit *staticIndexEdit() const { return m_staticIndex; }
    QCheckBox *spaFallbackBox() const { return m_spaFallback; }

signals:
    void changed();
    void kindChanged(RouteBehaviourEditor::Kind kind);

private:
    QWidget *makeRedirectPage();
    QWidget *makeMockPage();
    QWidget *makeStaticPage();
    void showPage();

    // What the route had, so that its keys the form does not show survive an edit.
    RedirectSettings m_redirect;
    MockSettings m_mock;
    StaticSettings m_static;
    QComboBox *m_kind;
    QList<QWidget *> m_pages;  // by Kind
    QLineEdit *m_redirectTo = nullptr;
    QComboBox *m_redirectStatus = nullptr;
    QSpinBox *m_mockStatus = nullptr;
    NamedValuesTable *m_mockHeaders = nullptr;
    QPlainTextEdit *m_mockBody = nullptr;
    QLineEdit *m_mockBodyFile = nullptr;
    QSpinBox *m_mockDelay = nullptr;
    QLineEdit *m_staticRoot = nullptr;
    QLineEdit *m_staticIndex = nullptr;
    QCheckBox *m_spaFallback = nullptr;
};

}  // namespace kairos
