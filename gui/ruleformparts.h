// Pieces the route editor's rule sections share: the choice between the top level's block, none
// on this route ("key": null) and the route's own, and a table of name/value pairs.
#pragma once

#include "config/config.h"

#include <QComboBox>
#include <QTableWidget>

namespace kairos {

class OverrideChoice : public QComboBox
{
    Q_OBJECT

public:
    enum Mode { Inherit, Off, Own };

    explicit OverrideChoice(QWidget *parent = nullptr);
    Mode mode() const { return Mode(currentData().toInt()); }
    void setMode(Mode mode);
    // The mode a route's block stands for: absent, written null, or set.
    template <typename T> static Mode modeOf(const std::optional<T> &block)
    {
        return !block ? Inherit : block->off ? Off : Own;
    }
    // The block to write: nothing, null, or `own` (what the route had, with the form's values).
    template <typename T> std::optional<T> choose(T own) const
    {
        if (mode() == Inherit)
            return std::nullopt;
        if (mode() == Off) {
            T off;
            off.off = true;
            return off;
        }
        own.off = false;
        return own;
    }
};

// Two editable columns; an empty last row is always there to type a new pair into.
class NamedValuesTable : public QTableWidget
{
    Q_OBJECT

public:
    NamedValuesTable(const QString &nameTitle, const QString &valueTitle, QWidget *parent = nullptr);
    void setValues(const NamedValues &values);
    NamedValues values() const;  // rows with a name

signals:
    void changed();

private:
    void keepEmptyRow();
};

QStringList splitList(const QString &text);  // comma- or newline-separated, trimmed, no empties

}  // namespace kairos
