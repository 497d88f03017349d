// Drives the gradual shifts of split routes: every route's SplitState with a shift is judged
// once per interval_s on this object's thread, and manual actions come through act(). Each change
// is logged and signalled (the fleet stores it in etcd, the console redraws).
#pragma once

#include "splitstate.h"

#include <QObject>
#include <QTimer>

#include <memory>
#include <utility>
#include <vector>

namespace kairos {

class ShiftController : public QObject
{
    Q_OBJECT

public:
    using Routes = std::vector<std::pair<QString, std::shared_ptr<SplitState>>>;

    explicit ShiftController(QObject *parent = nullptr);

    // The split routes of the running config (after each config change); callable from any thread.
    void track(Routes routes);
    // A manual action on `routePath`'s shift (`state`, from the running snapshot); false with
    // `error` set when the route has no shift or the action does not apply in its phase. From any
    // thread.
    bool act(const QString &routePath, SplitState &state, SplitState::Action action, QString *error);

signals:
    // A shift changed: stepped, rolled back, or was driven by hand. `shift` is shiftJson().
    void shiftChanged(const QString &routePath, const QJsonObject &shift);
    // track() took the split routes of a new config.
    void tracked();

private:
    void tick();
    void report(const QString &routePath, const SplitState &state, const SplitState::Event &event);

    QTimer m_timer;
    Routes m_routes;
};

}  // namespace kairos
