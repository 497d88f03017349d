// The console's Cluster tab in fleet mode: the config store (etcd) and its revision, every
// instance of the fleet with the revision it serves, and the documents etcd holds that were
// refused (GET /api/cluster, docs/FLEET.md).
#pragma once

#include <QJsonObject>
#include <QWidget>

class QLabel;
class QTableWidget;

namespace kairos {

class ClusterView : public QWidget
{
    Q_OBJECT

public:
    explicit ClusterView(QWidget *parent = nullptr);
    void setStatus(const QJsonObject &status);  // FleetSync::status()
    // One line for the status bar: "Fleet: 3 instances · revision 42 · etcd up".
    static QString summary(const QJsonObject &status);

private:
    QLabel *m_store;
    QTableWidget *m_members;
    QLabel *m_problemsTitle;
    QTableWidget *m_problems;
};

}  // namespace kairos
