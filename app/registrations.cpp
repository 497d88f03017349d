#include "registrations.h"
#include "unixsignals.h"

#include "config/configloader.h"
#include "discovery/serviceregistration.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QFileInfo>
#include <QTimer>

#include <cstdio>
#include <memory>
#include <vector>

namespace kairos {

int runRegistrations(const CommandLine &options)
{
    EtcdSettings etcd;
    if (QFileInfo::exists(options.service.configPath)) {
        const ConfigLoadResult loaded = loadConfigFile(options.service.configPath);
        if (!loaded.ok()) {
            std::fprintf(stderr, "kairos-gateway: invalid config %s:\n%s\n", qPrintable(options.service.configPath),
                         qPrintable(loaded.errorSummary()));
            return 2;
        }
        etcd = loaded.config->cluster.etcd;
    }
    if (options.service.etcdEndpoints)
        etcd.endpoints = *options.service.etcdEndpoints;
    if (options.service.etcdPrefix)
        etcd.prefix = *options.service.etcdPrefix;
    if (etcd.endpoints.isEmpty()) {
        std::fprintf(stderr, "kairos-gateway: --register needs etcd: give --etcd URL, or a --config whose "
                             "cluster.etcd.endpoints names it\n");
        return 2;
    }
    std::vector<ServiceRegistration::Target> targets;
    for (const QString &text : options.registrations) {
        QString error;
        std::optional<ServiceRegistration::Target> target = ServiceRegistration::parseTarget(text, &error);
        if (!target) {
            std::fprintf(stderr, "kairos-gateway: --register %s: %s\n", qPrintable(text), qPrintable(error));
            return 2;
        }
        targets.push_back(std::move(*target));
    }

    QObject context;
    handleQuitSignals(context);
    std::vector<std::unique_ptr<ServiceRegistration>> registrations;
    for (ServiceRegistration::Target &target : targets) {
        auto registration = std::make_unique<ServiceRegistration>(etcd, std::move(target), options.registerTtlSeconds);
        ServiceRegistration *made = registration.get();
        QObject::connect(made, &ServiceRegistration::registered, made, [made, &options, &etcd] {
            qInfo().noquote() << "registered" << QString::fromUtf8(made->key()) << "in etcd at"
                              << etcd.endpoints.join(QLatin1String(", ")) << "on a lease of"
                              << options.registerTtlSeconds << "s";
        });
        QObject::connect(made, &ServiceRegistration::failed, made, [made](const QString &why) {
            qWarning().noquote() << "registration" << QString::fromUtf8(made->key()) << "not renewed:" << why
                                 << "- trying again";
        });
        made->start();
        registrations.push_back(std::move(registration));
    }
    const int status = QCoreApplication::exec();

    // Leave at once rather than when the leases run out.
    QEventLoop leaving;
    int pending = int(registrations.size());
    for (const auto &registration : registrations) {
        registration->stop([&pending, &leaving] {
            if (--pending == 0)
                leaving.quit();
        });
    }
    if (pending > 0) {
        QTimer::singleShot(etcd.timeoutMs, &leaving, &QEventLoop::quit);
        leaving.exec();
    }
    for (const auto &registration : registrations)
        qInfo().noquote() << "stopped registering" << QString::fromUtf8(registration->key());
    return status;
}

}  // namespace kairos
