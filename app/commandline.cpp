#include "commandline.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QSettings>

#include <cstring>

namespace kairos {

namespace {

const char kMinimalConfig[] = "{\n  \"version\": 1,\n  \"server\": { \"host\": \"127.0.0.1\", \"port\": 5900 },\n"
                              "  \"routers\": []\n}\n";

[[maybe_unused]] bool hasDisplay()  // unused in a build without the GUI
{
    return qEnvironmentVariableIsSet("DISPLAY") || qEnvironmentVariableIsSet("WAYLAND_DISPLAY")
           || qEnvironmentVariableIsSet("QT_QPA_PLATFORM");
}

}  // namespace

bool wantsGui(int argc, char **argv)
{
#ifndef KAIROS_WITH_GUI
    Q_UNUSED(argc);
    Q_UNUSED(argv);
    return false;
#else
    for (int i = 1; i < argc; ++i) {
        for (const char *headless : {"--no-gui", "--check", "--version", "-v", "--help", "-h"}) {
            if (std::strcmp(argv[i], headless) == 0)
                return false;
        }
        if (std::strncmp(argv[i], "--register", 10) == 0)
            return false;
    }
    return hasDisplay();
#endif
}

void installLogFormat()
{
    qSetMessagePattern(QStringLiteral("%{time yyyy-MM-ddTHH:mm:ss.zzz} "
                                      "%{if-debug}DEBUG%{endif}%{if-info}INFO %{endif}%{if-warning}WARN %{endif}"
                                      "%{if-critical}ERROR%{endif}%{if-fatal}FATAL%{endif} %{category}: %{message}"));
}

CommandLine parseCommandLine(const QCoreApplication &app, bool gui)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Kairos API gateway: a reverse proxy with load balancing, "
                                                    "retries and a live management console."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption configOption(
        {QStringLiteral("c"), QStringLiteral("config")},
        QStringLiteral("Config file (default: $KAIROS_CONFIG_PATH, else ./config.json)."), QStringLiteral("path"));
    const QCommandLineOption listenOption(
        {QStringLiteral("l"), QStringLiteral("listen")},
        QStringLiteral("Address to listen on, overriding server.host/port and $KAIROS_HOST/$KAIROS_PORT."),
        QStringLiteral("host:port"));
    const QCommandLineOption listenTlsOption(
        QStringLiteral("listen-tls"),
        QStringLiteral("Address of the TLS listener, overriding server.host and server.tls.port (needs server.tls)."),
        QStringLiteral("host:port"));
    const QCommandLineOption devTlsOption(
        QStringLiteral("dev-tls"),
        QStringLiteral("Serve HTTPS on localhost with a local development certificate authority, created once in the "
                       "user's data directory (on server.tls.port, else 5443); prints how to trust it."));
    const QCommandLineOption noGuiOption(QStringLiteral("no-gui"), QStringLiteral("Run headless, logging to stderr."));
    const QCommandLineOption checkOption(QStringLiteral("check"),
                                         QStringLiteral("Validate the config, print every problem, exit 0 or 1."));
    const QCommandLineOption demoOption(QStringLiteral("demo"),
                                        QStringLiteral("Start two echo backends on 127.0.0.1:9101 and :9102, the "
                                                       "ones examples/config.json routes to."));
    const QCommandLineOption noWatchOption(QStringLiteral("no-watch"),
                                           QStringLiteral("Do not apply edits of the config file while running."));
    const QCommandLineOption accessLogOption(
        QStringLiteral("access-log"),
        QStringLiteral("Append the access log to a file (\"none\" turns it off; default: the log, on stderr)."),
        QStringLiteral("file"));
    const QCommandLineOption screenshotOption(QStringLiteral("screenshot"),
                                              QStringLiteral("GUI: render the window to a PNG file and exit."),
                                              QStringLiteral("file"));
    const QCommandLineOption etcdOption(QStringLiteral("etcd"),
                                        QStringLiteral("Fleet mode: share routes and settings through etcd at these "
                                                       "endpoints (overrides cluster.etcd.endpoints)."),
                                        QStringLiteral("url[,url...]"));
    const QCommandLineOption etcdPrefixOption(QStringLiteral("etcd-prefix"),
                                              QStringLiteral("Fleet mode: the key prefix (default /kairos)."),
                                              QStringLiteral("prefix"));
    const QCommandLineOption etcdSeedOption(QStringLiteral("etcd-seed"),
                                            QStringLiteral("Fleet mode: write this file's routes and settings to etcd "
                                                           "when the prefix holds no routes."));
    const QCommandLineOption registerOption(
        QStringLiteral("register"),
        QStringLiteral("Instead of serving: keep NAME=URL (users=http://10.0.0.5:8080; an IP address) registered in "
                       "etcd under <prefix>/services/NAME/ on a lease, until stopped. Repeatable."),
        QStringLiteral("name=url"));
    const QCommandLineOption registerTtlOption(QStringLiteral("register-ttl"),
                                               QStringLiteral("--register: the lease's TTL (default 10)."),
                                               QStringLiteral("seconds"));
    parser.addOptions({configOption, listenOption, listenTlsOption, devTlsOption, noGuiOption, checkOption, demoOption,
                       noWatchOption, accessLogOption, screenshotOption, etcdOption, etcdPrefixOption, etcdSeedOption,
                       registerOption, registerTtlOption});
    parser.process(app);

    CommandLine result;
    result.checkOnly = parser.isSet(checkOption);
    result.service.demo = parser.isSet(demoOption);
    result.service.watchConfigFile = !parser.isSet(noWatchOption);
    result.service.accessLog = parser.value(accessLogOption);
    if (gui && !parser.isSet(accessLogOption))
        result.service.accessLog = QStringLiteral("none");  // nobody reads stderr of a desktop app
    result.screenshotPath = parser.value(screenshotOption);
    if (parser.isSet(etcdOption))
        result.service.etcdEndpoints = parser.value(etcdOption).split(QLatin1Char(','), Qt::SkipEmptyParts);
    if (parser.isSet(etcdPrefixOption))
        result.service.etcdPrefix = parser.value(etcdPrefixOption);
    result.service.etcdSeed = parser.isSet(etcdSeedOption);
    result.registrations = parser.values(registerOption);
    if (parser.isSet(registerTtlOption)) {
        bool ok = false;
        result.registerTtlSeconds = parser.value(registerTtlOption).toInt(&ok);
        if (!ok || result.registerTtlSeconds < 2 || result.registerTtlSeconds > 3600) {
            result.error = QStringLiteral("--register-ttl takes 2 to 3600 seconds (got \"%1\")")
                               .arg(parser.value(registerTtlOption));
            return result;
        }
    }
    QString configPath = parser.value(configOption);
    if (configPath.isEmpty())
        configPath = qEnvironmentVariable("KAIROS_CONFIG_PATH");
    QSettings settings;
    if (configPath.isEmpty() && gui) {
        // The desktop app opens the config it had last time.
        const QString last = settings.value(QStringLiteral("config/lastPath")).toString();
        if (!last.isEmpty() && QFileInfo::exists(last))
            configPath = last;
    }
    if (configPath.isEmpty())
        configPath = QStringLiteral("config.json");
    result.service.configPath = QFileInfo(configPath).absoluteFilePath();
    if (gui && !result.checkOnly)
        settings.setValue(QStringLiteral("config/lastPath"), result.service.configPath);

    if (!QFileInfo::exists(result.service.configPath)) {
        if (!result.registrations.isEmpty())
            return result;  // --register reads only cluster.etcd, which --etcd can give instead
        if (!gui || result.checkOnly) {
            result.error = QStringLiteral("config file %1 does not exist (give one with --config)").arg(configPath);
            return result;
        }
        QFile file(result.service.configPath);
        if (!file.open(QIODevice::WriteOnly) || file.write(kMinimalConfig) < 0) {
            result.error = QStringLiteral("cannot create %1: %2").arg(configPath, file.errorString());
            return result;
        }
        qInfo().noquote() << "created a minimal config at" << result.service.configPath;
    }

    QString host = qEnvironmentVariable("KAIROS_HOST");
    QString port = qEnvironmentVariable("KAIROS_PORT");
    if (parser.isSet(listenOption)) {
        const QString listen = parser.value(listenOption);
        const int colon = int(listen.lastIndexOf(QLatin1Char(':')));
        if (colon <= 0) {
            result.error = QStringLiteral("--listen takes HOST:PORT, e.g. 127.0.0.1:5900 (got \"%1\")").arg(listen);
            return result;
        }
        host = listen.left(colon);
        port = listen.mid(colon + 1);
        if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
            host = host.mid(1, host.size() - 2);
    }
    if (!host.isEmpty())
        result.service.listenHost = host;
    if (!port.isEmpty()) {
        bool ok = false;
        const uint number = port.toUInt(&ok);
        if (!ok || number > 65535) {
            result.error = QStringLiteral("invalid port \"%1\"").arg(port);
            return result;
        }
        result.service.listenPort = quint16(number);
    }
    result.service.devTls = parser.isSet(devTlsOption);
    if (parser.isSet(listenTlsOption)) {
        const QString listen = parser.value(listenTlsOption);
        const int colon = int(listen.lastIndexOf(QLatin1Char(':')));
        bool ok = false;
        const uint number = listen.mid(colon + 1).toUInt(&ok);
        if (colon <= 0 || !ok || number > 65535) {
            result.error = QStringLiteral("--listen-tls takes HOST:PORT, e.g. 127.0.0.1:5443 (got \"%1\")").arg(listen);
            return result;
        }
        QString tlsHost = listen.left(colon);
        if (tlsHost.startsWith(QLatin1Char('[')) && tlsHost.endsWith(QLatin1Char(']')))
            tlsHost = tlsHost.mid(1, tlsHost.size() - 2);
        result.service.listenTlsHost = tlsHost;
        result.service.listenTlsPort = quint16(number);
    }
    return result;
}

}  // namespace kairos
