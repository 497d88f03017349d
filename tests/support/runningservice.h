// The whole GatewayService (store, gateway, admin API, optional file watcher) running on a config
// file in a temporary folder, listening on an ephemeral port of 127.0.0.1.
#pragma once

#include "service/gatewayservice.h"

#include <QJsonObject>
#include <QTemporaryDir>

namespace kairos::test {

struct RunningService {
    explicit RunningService(const QJsonObject &config, bool watch = false);
    void write(const QJsonObject &config) const;
    QJsonObject fileContents() const;

    QTemporaryDir dir;
    QString path;
    GatewayService service;
    quint16 port = 0;
};

}  // namespace kairos::test
