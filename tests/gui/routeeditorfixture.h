// What the route editor's tests share: a config store they fill with routes, an editor for one
// of them, and the Apply that must be possible.
#pragma once

#include "routeeditor.h"

#include "config/configstore.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPushButton>
#include <QtTest>

namespace kairos::test {

class RouteEditorFixture : public QObject
{
protected:
    ConfigStore *m_store = nullptr;

    void useRoutes(const QJsonArray &routes, const QJsonObject &topLevel = {})
    {
        QJsonObject config{{"version", 1}, {"server", QJsonObject{{"workers", 1}}}, {"routers", routes}};
        for (auto it = topLevel.begin(); it != topLevel.end(); ++it)
            config.insert(it.key(), it.value());
        const ConfigStore::Change change =
            m_store->replaceJson(QJsonDocument(config).toJson(), ConfigStore::Source::Api);
        QVERIFY2(change.applied(), qPrintable(change.message + change.load.errorSummary()));
    }

    RouteEditor *editorFor(const QString &path)
    {
        const Route *found = m_store->current()->findRoute(path);
        return new RouteEditor(*m_store, path, found ? *found : Route(), nullptr);
    }

    static void apply(RouteEditor *editor)
    {
        QVERIFY2(editor->applyButton()->isEnabled(), qPrintable(editor->problems().join('\n')));
        editor->applyButton()->click();
    }
};

}  // namespace kairos::test
