// The Backends tab's list (BackendsModel): flat while no backend comes from discovery, else one
// group per source. A refresh that finds or loses a backend redraws the model; the view then
// expands the groups again (except those the user folded) and selects the row it had.
#pragma once

#include <QSet>
#include <QTreeView>

namespace kairos {

class BackendsModel;

class BackendsView : public QTreeView
{
    Q_OBJECT

public:
    explicit BackendsView(BackendsModel *model, QWidget *parent = nullptr);

signals:
    // The selected backend's key, or "" when a group or nothing is selected.
    void backendSelected(const QString &backendKey);

private:
    void remember();
    void restore();

    BackendsModel *m_model;
    QSet<QString> m_folded;  // source keys of the groups the user collapsed
    QString m_selectedBackend;
    QString m_selectedGroup;
    bool m_hadSelection = false;
};

}  // namespace kairos
