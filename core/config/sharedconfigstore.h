// Where a fleet's shared config lives (core/fleet/, docs/FLEET.md). In fleet mode ConfigStore
// applies no change from the API or the console itself: it validates the candidate and hands it
// to the shared store, and applies what the shared store later reports through
// ConfigStore::applyShared(), its own writes included.
#pragma once

#include "configloader.h"

#include <optional>

namespace kairos {

class SharedConfigStore
{
public:
    struct Publication {
        enum Outcome { Accepted, Refused, Conflict, Unavailable };
        Outcome outcome = Unavailable;
        quint64 revision = 0;  // Accepted: the store revision that holds the change
        int refusalCode = 400;
        QString message;
    };

    virtual ~SharedConfigStore() = default;

    // Writes what differs between `current` (the config at `currentRevision`) and `candidate` (a
    // validated config) and returns once the store has answered. The shared config having moved
    // past `currentRevision` meanwhile is a Conflict; with `ifMatch`, so is a change to it after
    // that revision; without, a change to one of the entries this write touches.
    virtual Publication publish(const Config &current, quint64 currentRevision, const Config &candidate,
                                std::optional<quint64> ifMatch) = 0;

    // The whole config: the machine-local sections of the local file (these bytes, or the ones
    // last applied when null) with the shared sections and routes the store holds.
    virtual ConfigLoadResult compose(const QByteArray *localFileBytes) = 0;
    // The local file's bytes that were composed and applied: what compose(nullptr) uses from now.
    virtual void localFileApplied(const QByteArray &localFileBytes) = 0;
};

}  // namespace kairos
