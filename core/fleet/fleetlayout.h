// How a fleet's config sits in etcd (docs/FLEET.md, "Key layout"): one JSON document per key,
//   <prefix>/routes/<id>           one route; <id> is its external_path percent-encoded
//   <prefix>/settings              the shared top-level sections (jwt, admin, circuit_breaker, ...)
//   <prefix>/instances/<name>      one running instance, on a lease
//   <prefix>/services/<name>/<id>  one registered instance of a service (docs/DISCOVERY.md), on a lease
// and how a config splits into what the fleet shares and what stays in each machine's file
// (version, server, cluster, admin.listen).
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>

namespace kairos::fleet {

QByteArray routesPrefix(const QString &prefix);
QByteArray settingsKey(const QString &prefix);
QByteArray instancesPrefix(const QString &prefix);
QByteArray servicesPrefix(const QString &prefix);
// Written with every deletion Kairos makes, so that the revision of a deletion survives in the
// store: an instance reading the prefix whole finds the same revision as one that watched it.
QByteArray removedKey(const QString &prefix);
QByteArray routeKey(const QString &prefix, const QString &externalPath);

// The sections of a config (as JSON) that every instance shares, routes aside.
QJsonObject sharedSettings(const QJsonObject &config);
// The sections that stay in the machine's own file.
QJsonObject localSections(const QJsonObject &config);
// The whole config: `local`'s machine sections, `settings`, and `routes` in order.
QJsonObject composeConfig(const QJsonObject &local, const QJsonObject &settings, const QList<QJsonObject> &routes);

}  // namespace kairos::fleet
