#include "translations.h"

#include <QCoreApplication>
#include <QLocale>
#include <QTranslator>

namespace kairos {

bool installTranslations(QCoreApplication &app)
{
    auto *translator = new QTranslator(&app);
    if (!translator->load(QLocale(), QStringLiteral("kairos"), QStringLiteral("_"),
                          QStringLiteral(":/kairos/translations"))) {
        delete translator;
        return false;
    }
    QCoreApplication::installTranslator(translator);
    return true;
}

}  // namespace kairos
