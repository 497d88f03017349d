#include "routebehavioureditor.h"

#include "ruleformparts.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace kairos {

namespace {

// A line edit with a "Browse…" button beside it that fills it from a file dialog.
QWidget *withPicker(QLineEdit *edit, const std::function<QString(QWidget *)> &pick)
{
    auto *row = new QWidget;
    auto *layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *browse = new QPushButton(QObject::tr("Browse…"));
    layout->addWidget(edit, 1);
    layout->addWidget(browse);
    QObject::connect(browse, &QPushButton::clicked, edit, [edit, pick] {
        const QString chosen = pick(edit);
        if (!chosen.isEmpty())
            edit->setText(chosen);
    });
    return row;
}

}  // namespace

RouteBehaviourEditor::RouteBehaviourEditor(const Route &route, QWidget *parent)
    : QWidget(parent),
      m_redirect(route.overrides->redirect.value_or(RedirectSettings())),
      m_mock(route.overrides->mock.value_or(MockSettings())),
      m_static(route.overrides->staticSite.value_or(StaticSettings())),
      m_kind(new QComboBox)
{
    m_kind->addItem(tr("Proxies to its backends"), Proxy);
    m_kind->addItem(tr("Redirect"), Redirect);
    m_kind->addItem(tr("Mock answer"), Mock);
    m_kind->addItem(tr("Static files"), Static);
    // Only the chosen answer's page is in the layout's way: a stack would keep the tallest's height.
    auto *proxyPage = new QLabel(tr("Requests go to the route's backends."));
    m_pages = {proxyPage, makeRedirectPage(), makeMockPage(), makeStaticPage()};
    auto *layout = new QVBoxLayout(this);
    for (QWidget *page : std::as_const(m_pages))
        layout->addWidget(page);
    layout->addStretch(1);
    const RouteOverrides &overrides = *route.overrides;
    setKind(overrides.redirect ? Redirect : overrides.mock ? Mock : overrides.staticSite ? Static : Proxy);
    connect(m_kind, &QComboBox::currentIndexChanged, this, [this] {
        showPage();
        emit kindChanged(kind());
        emit changed();
    });
}

QWidget *RouteBehaviourEditor::makeRedirectPage()
{
    auto *page = new QWidget;
    m_redirectTo = new QLineEdit(m_redirect.to);
    m_redirectTo->setPlaceholderText(QStringLiteral("https://new.example.com{path}{query}"));
    m_redirectStatus = new QComboBox;
    for (int status : {301, 302, 303, 307, 308})
        m_redirectStatus->addItem(QString::number(status), status);
    const int index = m_redirectStatus->findData(m_redirect.status);
    if (index >= 0) {
        m_redirectStatus->setCurrentIndex(index);
    } else {  // not one the validator takes: shown, so that it can say why
        m_redirectStatus->addItem(QString::number(m_redirect.status), m_redirect.status);
        m_redirectStatus->setCurrentIndex(m_redirectStatus->count() - 1);
    }
    auto *form = new QFormLayout(page);
    form->setContentsMargins(0, 0, 0, 0);
    form->addRow(tr("To"), m_redirectTo);
    form->addRow(tr("Status"), m_redirectStatus);
    connect(m_redirectTo, &QLineEdit::textChanged, this, &RouteBehaviourEditor::changed);
    connect(m_redirectStatus, &QComboBox::currentIndexChanged, this, &RouteBehaviourEditor::changed);
    return page;
}

QWidget *RouteBehaviourEditor::makeMockPage()
{
    auto *page = new QWidget;
    m_mockStatus = new QSpinBox;
    m_mockStatus->setRange(100, 999);  // the validator says which ones answer
    m_mockStatus->setValue(m_mock.status);
    m_mockHeaders = new NamedValuesTable(tr("Response field"), tr("Value"));
    m_mockHeaders->setValues(m_mock.headers);
    m_mockBody = new QPlainTextEdit(m_mock.body);
    m_mockBody->setMinimumHeight(80);
    m_mockBody->setPlaceholderText(tr("the body, or leave empty and name a file below"));
    m_mockBodyFile = new QLineEdit(m_mock.bodyFile);
    m_mockBodyFile->setPlaceholderText(tr("read when the config is applied"));
    m_mockDelay = new QSpinBox;
    m_mockDelay->setRange(0, 600'000);
    m_mockDelay->setSuffix(QStringLiteral(" ms"));
    m_mockDelay->setValue(m_mock.delayMs);
    auto *form = new QFormLayout(page);
    form->setContentsMargins(0, 0, 0, 0);
    form->addRow(tr("Status"), m_mockStatus);
    form->addRow(tr("Fields"), m_mockHeaders);
    form->addRow(tr("Body"), m_mockBody);
    form->addRow(tr("Body file"), withPicker(m_mockBodyFile, [this](QWidget *edit) {
                     return QFileDialog::getOpenFileName(this, tr("Mock body file"), edit->property("text").toString());
                 }));
    form->addRow(tr("Delay"), m_mockDelay);
    connect(m_mockStatus, &QSpinBox::valueChanged, this, &RouteBehaviourEditor::changed);
    connect(m_mockHeaders, &NamedValuesTable::changed, this, &RouteBehaviourEditor::changed);
    connect(m_mockBody, &QPlainTextEdit::textChanged, this, &RouteBehaviourEditor::changed);
    connect(m_mockBodyFile, &QLineEdit::textChanged, this, &RouteBehaviourEditor::changed);
    connect(m_mockDelay, &QSpinBox::valueChanged, this, &RouteBehaviourEditor::changed);
    return page;
}

QWidget *RouteBehaviourEditor::makeStaticPage()
{
    auto *page = new QWidget;
    m_staticRoot = new QLineEdit(m_static.root);
    m_staticIndex = new QLineEdit(m_static.index);
    m_spaFallback = new QCheckBox(tr("Single-page app: unknown paths a browser navigates to get the index"));
    m_spaFallback->setChecked(m_static.spaFallback);
    auto *form = new QFormLayout(page);
    form->setContentsMargins(0, 0, 0, 0);
    form->addRow(tr("Root directory"), withPicker(m_staticRoot, [this](QWidget *edit) {
                     return QFileDialog::getExistingDirectory(this, tr("Directory to serve"),
                                                              edit->property("text").toString());
                 }));
    form->addRow(tr("Index file"), m_staticIndex);
    form->addRow(QString(), m_spaFallback);
    connect(m_staticRoot, &QLineEdit::textChanged, this, &RouteBehaviourEditor::changed);
    connect(m_staticIndex, &QLineEdit::textChanged, this, &RouteBehaviourEditor::changed);
    connect(m_spaFallback, &QCheckBox::toggled, this, &RouteBehaviourEditor::changed);
    return page;
}

RouteBehaviourEditor::Kind RouteBehaviourEditor::kind() const
{
    return Kind(m_kind->currentData().toInt());
}

void RouteBehaviourEditor::setKind(Kind kind)
{
    m_kind->setCurrentIndex(m_kind->findData(kind));
    showPage();
}

void RouteBehaviourEditor::showPage()
{
    for (int page = 0; page < m_pages.size(); ++page) {
        m_pages[page]->setVisible(page == kind());
    }
}

void RouteBehaviourEditor::applyTo(Route &route) const
{
    RouteOverrides overrides = *route.overrides;
    overrides.redirect.reset();
    overrides.mock.reset();
    overrides.staticSite.reset();
    switch (kind()) {
    case Proxy: break;
    case Redirect: {
        RedirectSettings redirect = m_redirect;
        redirect.to = m_redirectTo->text().trimmed();
        redirect.status = m_redirectStatus->currentData().toInt();
        overrides.redirect = redirect;
        break;
    }
    case Mock: {
        MockSettings mock = m_mock;
        mock.status = m_mockStatus->value();
        mock.headers = m_mockHeaders->values();
        mock.body = m_mockBody->toPlainText();
        mock.bodyFile = m_mockBodyFile->text().trimmed();
        mock.delayMs = m_mockDelay->value();
        overrides.mock = mock;
        break;
    }
    case Static: {
        StaticSettings site = m_static;
        site.root = m_staticRoot->text().trimmed();
        site.index = m_staticIndex->text().trimmed();
        site.spaFallback = m_spaFallback->isChecked();
        overrides.staticSite = site;
        break;
    }
    }
    route.overrides = overrides;
}

}  // namespace kairos
