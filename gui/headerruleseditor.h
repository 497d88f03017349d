// One of the route editor's header-rule sections (request_headers or response_headers): fields to
// set, fields to add and names to remove; values may name {client_ip} {request_id} {route}
// {host} {path}.
#pragma once

#include "config/config.h"

#include <QWidget>

#include <optional>

class QLineEdit;

namespace kairos {

class NamedValuesTable;
class OverrideChoice;

class HeaderRulesEditor : public QWidget
{
    Q_OBJECT

public:
    HeaderRulesEditor(const QString &title, const std::optional<HeaderRules> &rules, QWidget *parent = nullptr);
    std::optional<HeaderRules> value() const;

    OverrideChoice *modeChoice() const { return m_mode; }
    NamedValuesTable *setTable() const { return m_set; }
    NamedValuesTable *addTable() const { return m_add; }
    QLineEdit *removeEdit() const { return m_remove; }

signals:
    void changed();

private:
    HeaderRules m_base;  // keeps the keys this form does not show
    OverrideChoice *m_mode;
    QWidget *m_fields;
    NamedValuesTable *m_set;
    NamedValuesTable *m_add;
    QLineEdit *m_remove;
};

}  // namespace kairos
