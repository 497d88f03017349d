// kairos-gateway: the command line, then either the desktop console or the headless gateway.
#include "commandline.h"
#include "registrations.h"
#include "unixsignals.h"

#include "config/configloader.h"
#include "service/gatewayservice.h"

#ifdef KAIROS_WITH_GUI
#include "mainwindow.h"
#include "translations.h"

#include <QApplication>
#endif

#include <QCoreApplication>

#include <cstdio>
#include <memory>

namespace {

int checkConfig(const QString &path)
{
    const kairos::ConfigLoadResult result = kairos::loadConfigFile(path);
    for (const kairos::ConfigProblem &warning : result.warnings)
        std::fprintf(stderr, "warning: %s\n", qPrintable(warning.toString()));
    for (const kairos::ConfigProblem &error : result.errors)
        std::fprintf(stderr, "error: %s\n", qPrintable(error.toString()));
    if (!result.ok()) {
        std::fprintf(stderr, "%s: %lld problem(s)\n", qPrintable(path), qlonglong(result.errors.size()));
        return 1;
    }
    std::printf("%s: OK (%lld route(s))\n", qPrintable(path), qlonglong(result.config->routes.size()));
    return 0;
}

std::unique_ptr<QCoreApplication> makeApplication(int &argc, char **argv, bool gui)
{
#ifdef KAIROS_WITH_GUI
    if (gui)
        return std::make_unique<QApplication>(argc, argv);
#else
    Q_UNUSED(gui);
#endif
    return std::make_unique<QCoreApplication>(argc, argv);
}

}  // namespace

int main(int argc, char **argv)
{
    const bool gui = kairos::wantsGui(argc, argv);
    // Headless, Qt's own Unix event dispatcher does the same work as the glib one with fewer
    // system calls (bench/proxy/compare.py with and without QT_NO_GLIB). The desktop app keeps
    // glib for the platform's integration.
    if (!gui && qEnvironmentVariableIsEmpty("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
    std::unique_ptr<QCoreApplication> app = makeApplication(argc, argv, gui);
    QCoreApplication::setApplicationName(QStringLiteral("kairos-gateway"));
    QCoreApplication::setOrganizationName(QStringLiteral("Kairos"));
    QCoreApplication::setApplicationVersion(QStringLiteral(KAIROS_VERSION));
    kairos::installLogFormat();

    const kairos::CommandLine options = kairos::parseCommandLine(*app, gui);
    if (!options.error.isEmpty()) {
        std::fprintf(stderr, "kairos-gateway: %s\n", qPrintable(options.error));
        return 2;
    }
    if (options.checkOnly)
        return checkConfig(options.service.configPath);
    if (!options.registrations.isEmpty())
        return kairos::runRegistrations(options);

    kairos::GatewayService service;
    handleUnixSignals(service);
#ifdef KAIROS_WITH_GUI
    if (gui) {
        kairos::installTranslations(*app);
        return kairos::runDesktop(service, options.service, options.screenshotPath);
    }
#endif
    QString error;
    if (!service.start(options.service, &error)) {
        std::fprintf(stderr, "kairos-gateway: %s\n", qPrintable(error));
        return 1;
    }
    const int status = QCoreApplication::exec();
    service.stop();
    return status;
}
