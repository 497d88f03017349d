// Loads the console's translation for the system locale (Spanish ships in translations/).
#pragma once

class QCoreApplication;

namespace kairos {

// Returns whether a translation for the system's language was found and installed.
bool installTranslations(QCoreApplication &app);

}  // namespace kairos
