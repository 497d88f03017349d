#include "routeeditor.h"

#include "config/configvalidator.h"
#include "config/configwriter.h"
#include "backendsmodel.h"
#include "compressioneditor.h"
#include "connectioneditor.h"
#include "corseditor.h"
#include "discoverdialog.h"
#include "faulteditor.h"
#include "headerruleseditor.h"
#include "protectioneditor.h"
#include "routebehavioureditor.h"
#include "spliteditor.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollArea>
#include <QShortcut>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

namespace kairos {

namespace {
const QStringList kCommonMethods{QStringLiteral("GET"),     QStringLiteral("HEAD"),   QStringLiteral("POST"),
                                 QStringLiteral("PUT"),     QStringLiteral("DELETE"), QStringLiteral("PATCH"),
                                 QStringLiteral("OPTIONS"), QStringLiteral("TRACE")};
constexpr int RateLimitColumn = 4;
constexpr int MaxConnectionsColumn = 5;
constexpr int ProtocolColumn = 6;
constexpr int kBackendColumns = 7;
constexpr int kGroupRole = Qt::UserRole + 1;  // on a row's first cell: its split group's id
const LoadBalancingStrategy kStrategies[] = {LoadBalancingStrategy::RoundRobin,       LoadBalancingStrategy::Weighted,
                                             LoadBalancingStrategy::LeastConnections, LoadBalancingStrategy::Random,
                                             LoadBalancingStrategy::IpHash,           LoadBalancingStrategy::PowerOfTwo,
                                             LoadBalancingStrategy::PeakEwma};
}  // namespace

RouteEditor::RouteEditor(ConfigStore &store, const QString &original, const Route &route, QWidget *parent)
    : QDialog(parent),
      m_store(store),
      m_original(original),
      m_base(route),
      m_seen(routeToJson(route)),
      m_externalPath(new QLineEdit(route.externalPath)),
      m_internalPath(new QLineEdit(route.internalPath)),
      m_otherMethods(new QLineEdit),
      m_auth(new QCheckBox(tr("Requires a JWT (auth_required)"))),
      m_strategy(new QComboBox),
      m_priority(new QComboBox),
      m_backends(new QTableWidget(0, kBackendColumns)),
      m_addDiscovered(new QPushButton(tr("Add discovered…"))),
      m_editDiscovered(new QPushButton(tr("Edit discovered…"))),
      m_retry(new QGroupBox(tr("Retry"))),
      m_attempts(new QSpinBox),
      m_initialBackoff(new QSpinBox),
      m_maxBackoff(new QSpinBox),
      m_multiplier(new QDoubleSpinBox),
      m_statusCodes(new QLineEdit),
      m_protection(new ProtectionEditor(route)),
      m_connection(new ConnectionEditor(route)),
      m_behaviour(new RouteBehaviourEditor(route)),
      m_cors(new CorsEditor(route.overrides->cors)),
      m_requestHeaders(new HeaderRulesEditor(tr("Request fields"), route.overrides->requestHeaders)),
      m_responseHeaders(new HeaderRulesEditor(tr("Response fields"), route.overrides->responseHeaders)),
      m_fault(new FaultEditor(route.overrides->fault)),
      m_compression(new CompressionEditor(route.overrides->compression)),
      m_notice(new QLabel),
      m_problems(new QListWidget),
      m_apply(nullptr),
      m_conflict(new QWidget),
      m_conflictText(new QLabel),
      m_overwrite(new QPushButton(tr("Overwrite with my version")))
{
    setWindowTitle(original.isEmpty() ? tr("Add route") : tr("Edit route %1").arg(original));
    auto *form = new QFormLayout;
    m_form = form;
    m_externalPath->setPlaceholderText(QStringLiteral("/api/users/{id}"));
    m_internalPath->setPlaceholderText(QStringLiteral("/users/{id}"));
    form->addRow(tr("External path"), m_externalPath);
    form->addRow(tr("Internal path"), m_internalPath);

    auto *methods = new QHBoxLayout;
    QStringList others = route.methods;
    for (const QString &method : kCommonMethods) {
        auto *box = new QCheckBox(method);
        box->setChecked(route.methods.contains(method));
        others.removeAll(method);
        m_methodBoxes.append(box);
        methods->addWidget(box);
        connect(box, &QCheckBox::toggled, this, &RouteEditor::revalidate);
    }
    m_otherMethods->setText(others.join(QLatin1String(", ")));
    m_otherMethods->setPlaceholderText(tr("other methods, comma separated"));
    methods->addWidget(m_otherMethods);
    form->addRow(tr("Methods"), methods);
    m_auth->setChecked(route.authRequired);
    form->addRow(QString(), m_auth);
    for (LoadBalancingStrategy strategy : kStrategies)
        m_strategy->addItem(strategyName(strategy), int(strategy));
    m_strategy->setCurrentIndex(m_strategy->findData(int(route.strategy)));
    form->addRow(tr("Load balancing"), m_strategy);
    m_priority->addItem(tr("High"), int(RoutePriority::High));
    m_priority->addItem(tr("Normal"), int(RoutePriority::Normal));
    m_priority->addItem(tr("Low"), int(RoutePriority::Low));
    m_priority->setCurrentIndex(m_priority->findData(int(route.priority)));
    m_priority->setToolTip(tr("Which requests a shared request queue serves first"));
    form->addRow(tr("Priority"), m_priority);
    form->addRow(tr("Answers with"), m_behaviour->kindChoice());

    m_backends->setHorizontalHeaderLabels({tr("Host"), tr("Port"), tr("Weight"), tr("Health check path"),
                                           tr("Rate limit (req/s)"), tr("Max connections"), tr("Protocol")});
    m_backends->horizontalHeaderItem(0)->setToolTip(
        tr("The backend's scheme and host; for a discover entry, the source its backends come from."));
    m_backends->horizontalHeaderItem(RateLimitColumn)
        ->setToolTip(tr("The backend's own limit, shared by every route listing it; empty: none. Requests it "
                        "refuses go to another backend of the route."));
    m_backends->horizontalHeaderItem(MaxConnectionsColumn)
        ->setToolTip(tr("Requests in flight to the backend at once (0: no limit); past it, requests wait in the "
                        "route's queue."));
    m_backends->horizontalHeaderItem(ProtocolColumn)
        ->setToolTip(tr("http/1.1; h2 (HTTP/2 over TLS, https hosts) or h2c (HTTP/2 in cleartext): gRPC backends "
                        "need one of the two."));
    m_backends->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_backends->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_backends->verticalHeader()->hide();
    m_backends->setMinimumHeight(120);  // a few rows, beside the policy boxes below
    m_split = new SplitEditor(route);
    m_backendGroup = new QComboBox;
    const QList<int> groups = m_split->initialBackendGroups();
    for (int i = 0; i < route.backends.size(); ++i) {
        addBackendRow(route.backends[i]);
        if (i < groups.size())
            m_backends->item(i, 0)->setData(kGroupRole, groups[i]);
    }
    auto *addBackend = new QPushButton(tr("Add backend"));
    auto *removeBackend = new QPushButton(tr("Remove backend"));
    connect(addBackend, &QPushButton::clicked, this, [this] {
        Backend backend;
        backend.host = QStringLiteral("http://127.0.0.1");
        backend.port = 8080;
        addBackendRow(backend);
        revalidate();
    });
    connect(removeBackend, &QPushButton::clicked, this, [this] {
        int row = m_backends->currentRow();
        if (row < 0 || m_backends->isRowHidden(row)) {  // else the last row the table lists
            for (row = m_backends->rowCount() - 1; row >= 0 && m_backends->isRowHidden(row); --row) {
            }
        }
        if (row < 0)
            return;
        if (QTableWidgetItem *first = m_backends->item(row, 0))
            m_rowBackends.remove(first->data(Qt::UserRole).toInt());
        m_backends->removeRow(row);
        revalidate();
    });
    m_addDiscovered->setToolTip(tr("Backends found by DNS (A or SRV records) or registered in etcd, kept up to date"));
    connect(m_addDiscovered, &QPushButton::clicked, this, [this] { editDiscovered(-1); });
    connect(m_editDiscovered, &QPushButton::clicked, this, [this] { editDiscovered(m_backends->currentRow()); });
    m_editDiscovered->setEnabled(false);
    connect(m_backends, &QTableWidget::currentCellChanged, this, [this](int row) {
        const Backend *backend = backendOfRow(row);
        m_editDiscovered->setEnabled(backend && backend->discover);
    });
    // The source's cells are not edited in place: a double-click opens the entry's dialog.
    connect(m_backends, &QTableWidget::cellDoubleClicked, this, [this](int row, int column) {
        const Backend *backend = backendOfRow(row);
        if (backend && backend->discover && column <= 2)
            editDiscovered(row);
    });
    auto *backendButtons = new QHBoxLayout;
    backendButtons->addWidget(addBackend);
    backendButtons->addWidget(m_addDiscovered);
    backendButtons->addWidget(m_editDiscovered);
    backendButtons->addWidget(removeBackend);
    backendButtons->addStretch();
    auto *backendBox = new QVBoxLayout;
    m_backendGroupRow = new QWidget;
    auto *groupChoice = new QHBoxLayout(m_backendGroupRow);
    groupChoice->setContentsMargins(0, 0, 0, 0);
    groupChoice->addWidget(new QLabel(tr("Backends of the group")));
    groupChoice->addWidget(m_backendGroup, 1);
    m_backendGroup->setToolTip(tr("The split's groups are edited on the Split tab"));
    backendBox->addWidget(m_backendGroupRow);
    backendBox->addWidget(m_backends);
    backendBox->addLayout(backendButtons);
    form->addRow(tr("Backends"), backendBox);
    m_backendRow = backendBox;

    const RetryPolicy retry = route.retry.value_or(RetryPolicy());
    m_retry->setCheckable(true);
    m_retry->setChecked(route.retry.has_value());
    auto *retryForm = new QFormLayout(m_retry);
    m_attempts->setRange(0, 100);
    m_attempts->setValue(retry.maxAttempts);
    m_initialBackoff->setRange(0, 3'600'000);
    m_initialBackoff->setSuffix(QStringLiteral(" ms"));
    m_initialBackoff->setValue(retry.initialBackoffMs);
    m_maxBackoff->setRange(0, 3'600'000);
    m_maxBackoff->setSuffix(QStringLiteral(" ms"));
    m_maxBackoff->setValue(retry.maxBackoffMs);
    m_multiplier->setRange(0, 100);
    m_multiplier->setSingleStep(0.5);
    m_multiplier->setValue(retry.backoffMultiplier);
    QStringList codes;
    for (int code : retry.retryableStatusCodes)
        codes.append(QString::number(code));
    m_statusCodes->setText(codes.join(QLatin1String(", ")));
    retryForm->addRow(tr("Max attempts"), m_attempts);
    retryForm->addRow(tr("Initial backoff"), m_initialBackoff);
    retryForm->addRow(tr("Max backoff"), m_maxBackoff);
    retryForm->addRow(tr("Backoff multiplier"), m_multiplier);
    retryForm->addRow(tr("Retryable status codes"), m_statusCodes);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Apply | QDialogButtonBox::Cancel);
    m_apply = buttons->button(QDialogButtonBox::Apply);
    m_apply->setToolTip(tr("Ctrl+Enter"));
    auto *applyKey = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return), this);
    connect(applyKey, &QShortcut::activated, this, [this] {
        if (m_apply->isEnabled())
            apply();
    });
    connect(m_apply, &QPushButton::clicked, this, [this] { apply(); });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    m_conflictText->setWordWrap(true);
    auto *discard = new QPushButton(tr("Discard my edits"));
    auto *conflictLayout = new QHBoxLayout(m_conflict);
    conflictLayout->setContentsMargins(0, 0, 0, 0);
    conflictLayout->addWidget(m_conflictText, 1);
    conflictLayout->addWidget(m_overwrite);
    conflictLayout->addWidget(discard);
    m_conflict->hide();
    connect(m_overwrite, &QPushButton::clicked, this, [this] { apply(true); });
    connect(discard, &QPushButton::clicked, this, &QDialog::reject);

    m_notice->setWordWrap(true);
    m_notice->hide();
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_notice);
    layout->addWidget(m_conflict);
    layout->addLayout(form);
    // One page at a time: side by side or stacked, the boxes left the backends table a row's height.
    auto *policies = new QTabWidget;
    policies->addTab(m_behaviour, tr("Behaviour"));
    policies->addTab(m_retry, tr("Retry"));
    m_protection->setTitle(QString());  // the tab names it
    policies->addTab(m_protection, tr("Protection"));
    policies->addTab(m_connection, tr("Connection"));
    policies->addTab(m_cors, tr("CORS"));
    policies->addTab(makeRulesTab(), tr("Header rules"));
    policies->addTab(m_fault, tr("Faults"));
    policies->addTab(m_compression, tr("Compression"));
    policies->addTab(m_split, tr("Split"));
    m_tabs = policies;
    if (m_behaviour->kind() != RouteBehaviourEditor::Proxy)
        policies->setCurrentWidget(m_behaviour);
    layout->addWidget(policies, 1);
    layout->addWidget(new QLabel(tr("Problems")));
    m_problems->setMaximumHeight(110);
    layout->addWidget(m_problems);
    layout->addWidget(buttons);

    for (QLineEdit *edit : {m_externalPath, m_internalPath, m_otherMethods, m_statusCodes})
        connect(edit, &QLineEdit::textChanged, this, &RouteEditor::revalidate);
    for (QSpinBox *spin : {m_attempts, m_initialBackoff, m_maxBackoff})
        connect(spin, &QSpinBox::valueChanged, this, &RouteEditor::revalidate);
    connect(m_multiplier, &QDoubleSpinBox::valueChanged, this, &RouteEditor::revalidate);
    connect(m_auth, &QCheckBox::toggled, this, &RouteEditor::revalidate);
    connect(m_retry, &QGroupBox::toggled, this, &RouteEditor::revalidate);
    connect(m_protection, &ProtectionEditor::changed, this, &RouteEditor::revalidate);
    connect(m_connection, &ConnectionEditor::changed, this, &RouteEditor::revalidate);
    connect(m_behaviour, &RouteBehaviourEditor::changed, this, &RouteEditor::revalidate);
    connect(m_behaviour, &RouteBehaviourEditor::kindChanged, this, &RouteEditor::showBackends);
    connect(m_cors, &CorsEditor::changed, this, &RouteEditor::revalidate);
    connect(m_requestHeaders, &HeaderRulesEditor::changed, this, &RouteEditor::revalidate);
    connect(m_responseHeaders, &HeaderRulesEditor::changed, this, &RouteEditor::revalidate);
    connect(m_fault, &FaultEditor::changed, this, &RouteEditor::revalidate);
    connect(m_compression, &CompressionEditor::changed, this, &RouteEditor::revalidate);
    connect(m_split, &SplitEditor::changed, this, &RouteEditor::revalidate);
    connect(m_split, &SplitEditor::groupsChanged, this, &RouteEditor::showGroupBackends);
    connect(m_backendGroup, &QComboBox::currentIndexChanged, this, &RouteEditor::showGroupBackends);
    showGroupBackends();
    showBackends();
    connect(m_strategy, &QComboBox::currentIndexChanged, this, &RouteEditor::revalidate);
    connect(m_priority, &QComboBox::currentIndexChanged, this, &RouteEditor::revalidate);
    connect(m_backends, &QTableWidget::cellChanged, this, &RouteEditor::revalidate);
    resize(900, 760);
    revalidate();
}

QWidget *RouteEditor::makeRulesTab()
{
    auto *page = new QWidget;
    auto *layout = new QVBoxLayout(page);
    layout->addWidget(m_requestHeaders);
    layout->addWidget(m_responseHeaders);
    auto *scroll = new QScrollArea;
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidget(page);
    return scroll;
}

// A route that answers itself lists no backends: the table is out of the way (and out of the
// route) while it does, and back as it was when the route proxies again.
void RouteEditor::showBackends()
{
    const bool proxies = m_behaviour->kind() == RouteBehaviourEditor::Proxy;
    m_form->setRowVisible(m_backendRow, proxies);  // which shows every widget of the row
    m_backendGroupRow->setVisible(proxies && m_split->isSplit());
    if (!proxies && m_tabs)
        m_tabs->setCurrentWidget(m_behaviour);
}

void RouteEditor::showGroupBackends()
{
    const bool split = m_split->isSplit();
    const QList<int> ids = m_split->groupIds();
    {
        const QSignalBlocker blocker(m_backendGroup);
        const QVariant shown = m_backendGroup->currentData();
        m_backendGroup->clear();
        for (int id : ids)
            m_backendGroup->addItem(m_split->groupName(id), id);
        const int index = m_backendGroup->findData(shown);
        m_backendGroup->setCurrentIndex(index >= 0 ? index : 0);
    }
    m_backendGroupRow->setVisible(split && m_behaviour->kind() == RouteBehaviourEditor::Proxy);
    const QSignalBlocker blocker(m_backends);
    for (int row = 0; row < m_backends->rowCount(); ++row) {
        QTableWidgetItem *first = m_backends->item(row, 0);
        if (split && first && !ids.contains(rowGroup(row)) && !ids.isEmpty())
            first->setData(kGroupRole, ids.first());
        m_backends->setRowHidden(row, split && rowGroup(row) != m_backendGroup->currentData().toInt());
    }
}

QList<int> RouteEditor::rowsInRouteOrder() const
{
    QList<int> rows;
    if (!m_split->isSplit()) {
        for (int row = 0; row < m_backends->rowCount(); ++row)
            rows.append(row);
        return rows;
    }
    // A split's backends are its groups' one group after another.
    for (int group : m_split->groupIds()) {
        for (int row = 0; row < m_backends->rowCount(); ++row) {
            if (rowGroup(row) == group)
                rows.append(row);
        }
    }
    return rows;
}

int RouteEditor::rowGroup(int row) const
{
    const QTableWidgetItem *first = m_backends->item(row, 0);
    const QVariant group = first ? first->data(kGroupRole) : QVariant();
    return group.isValid() ? group.toInt() : -1;
}

void RouteEditor::setSeen(const Route &seen)
{
    m_seen = routeToJson(seen);
}

void RouteEditor::setNotice(const QString &text)
{
    m_notice->setText(text);
    m_notice->setVisible(!text.isEmpty());
}

void RouteEditor::addBackendRow(const Backend &backend)
{
    const QSignalBlocker blocker(m_backends);
    const int row = m_backends->rowCount();
    m_backends->insertRow(row);
    showBackendRow(row, backend);
}

void RouteEditor::showBackendRow(int row, const Backend &backend)
{
    const QSignalBlocker blocker(m_backends);
    QVariant group = m_backendGroup && m_backendGroup->count() > 0 ? m_backendGroup->currentData() : QVariant();
    if (QTableWidgetItem *first = m_backends->item(row, 0)) {
        m_rowBackends.remove(first->data(Qt::UserRole).toInt());
        group = first->data(kGroupRole);
    }
    const int id = m_nextRowId++;
    m_rowBackends.insert(id, backend);
    const auto cell = [this, row](int column, const QString &text) {
        auto *item = new QTableWidgetItem(text);
        m_backends->setItem(row, column, item);
        return item;
    };
    if (backend.discover) {
        const DiscoverySettings &discover = *backend.discover;
        const bool dns = discover.kind == DiscoverySettings::Kind::Dns;
        const QString given = discover.kind == DiscoverySettings::Kind::Etcd ? tr("per instance") : tr("per record");
        const QString about = tr("Discovered: every backend %1 finds, each with this row's health check, rate "
                                 "limit, max connections and protocol. Double-click to change the source.")
                                  .arg(BackendsModel::sourceTitle(discover.sourceKey()));
        QTableWidgetItem *source = cell(0, BackendsModel::sourceTitle(discover.sourceKey()));
        QTableWidgetItem *port = cell(1, dns ? QString::number(discover.port) : given);
        QTableWidgetItem *weight = cell(2, dns ? QString::number(discover.weight) : given);
        QFont italic = source->font();
        italic.setItalic(true);
        source->setFont(italic);
        for (QTableWidgetItem *item : {source, port, weight}) {
            item->setFlags(item->flags() & ~Qt::ItemIsEditable);
            item->setToolTip(about);
        }
    } else {
        cell(0, backend.host);
        cell(1, QString::number(backend.port));
        cell(2, QString::number(backend.weight));
    }
    m_backends->item(row, 0)->setData(Qt::UserRole, id);
    m_backends->item(row, 0)->setData(kGroupRole, group);
    cell(3, backend.healthCheckPath);
    cell(RateLimitColumn, backend.rateLimit ? QString::number(backend.rateLimit->requestsPerSecond) : QString());
    cell(MaxConnectionsColumn, QString::number(backend.maxConnections));
    cell(ProtocolColumn, backend.protocol);
}

const Backend *RouteEditor::backendOfRow(int row) const
{
    const QTableWidgetItem *first = row >= 0 ? m_backends->item(row, 0) : nullptr;
    const QVariant id = first ? first->data(Qt::UserRole) : QVariant();
    const auto found = id.isValid() ? m_rowBackends.constFind(id.toInt()) : m_rowBackends.cend();
    return found != m_rowBackends.cend() ? &*found : nullptr;
}

Backend RouteEditor::backendAt(int row) const
{
    const Backend *started = backendOfRow(row);
    Backend backend = started ? *started : Backend();
    auto text = [this, row](int column) {
        return m_backends->item(row, column) ? m_backends->item(row, column)->text().trimmed() : QString();
    };
    // A discover entry has no host, port or weight of its own: its source gives them.
    if (!backend.discover) {
        backend.host = text(0);
        backend.port = text(1).toInt();
        backend.weight = text(2).toInt();
    }
    backend.healthCheckPath = text(3);
    // The rate from the table; key, burst and the rest as the backend had them (key "route":
    // one bucket for the backend, when it had no limit before).
    const QString rate = text(RateLimitColumn);
    if (rate.isEmpty()) {
        backend.rateLimit.reset();
    } else {
        RateLimitSettings limit = backend.rateLimit.value_or([] {
            RateLimitSettings fresh;
            fresh.key = RateLimitSettings::Key::Route;
            return fresh;
        }());
        // The table shows six significant digits: a rate whose text was not edited stays as
        // written (0.0123456789 would come back as 0.0123457).
        if (QString::number(limit.requestsPerSecond) != rate)
            limit.requestsPerSecond = rate.toDouble();  // not a number: 0, shown as a problem
        backend.rateLimit = limit;
    }
    backend.maxConnections = text(MaxConnectionsColumn).toInt();
    const QString protocol = text(ProtocolColumn);
    backend.protocol = protocol.isEmpty() ? Backend().protocol : protocol;
    return backend;
}

void RouteEditor::editDiscovered(int row)
{
    const bool adding = row < 0 || row >= m_backends->rowCount();
    Backend backend;
    if (adding) {
        DiscoverySettings fresh;
        fresh.port = 8080;
        backend.discover = fresh;
    } else {
        backend = backendAt(row);
        if (!backend.discover)
            return;
    }
    const int at = adding ? m_backends->rowCount() : row;
    // The entry's problems as the whole config's validation finds them, with these settings in
    // the route being edited.
    auto check = [this, at, backend](const DiscoverySettings &settings) {
        Route edited = route();
        Backend entry = backend;
        entry.discover = settings;
        // Where the row's backend is in the route: with a split, its group's backends come
        // together, and a new entry ends the group the table lists.
        const QList<int> order = rowsInRouteOrder();
        int index = int(order.indexOf(at));
        if (index >= 0) {
            edited.backends[index] = entry;
        } else if (edited.split()) {
            RouteOverrides overrides = *edited.overrides;
            const int group = int(m_split->groupIds().indexOf(m_backendGroup->currentData().toInt()));
            index = 0;
            for (int g = 0; g <= group && g < overrides.split->groups.size(); ++g)
                index += overrides.split->groups[g].backendCount;
            if (group >= 0 && group < overrides.split->groups.size())
                ++overrides.split->groups[group].backendCount;
            edited.overrides = overrides;
            edited.backends.insert(index, entry);
        } else {
            index = int(edited.backends.size());
            edited.backends.append(entry);
        }
        const QString prefix = edited.backendPath(index) + QLatin1Char('.');
        QStringList found;
        for (const QString &problem : problemsOf(edited)) {
            if (problem.startsWith(prefix + QLatin1String("discover")))
                found.append(problem.mid(prefix.size()));
        }
        return found;
    };
    auto *dialog = new DiscoverDialog(*backend.discover, check, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog, backend, adding, at]() mutable {
        backend.discover = dialog->settings();
        if (adding)
            addBackendRow(backend);
        else
            showBackendRow(at, backend);
        m_backends->setCurrentCell(at, 0);
        revalidate();
    });
    dialog->open();
}

Route RouteEditor::route() const
{
    Route route = m_base;
    route.externalPath = m_externalPath->text().trimmed();
    route.internalPath = m_internalPath->text().trimmed();
    route.methods.clear();
    for (QCheckBox *box : m_methodBoxes) {
        if (box->isChecked())
            route.methods.append(box->text());
    }
    for (const QString &method : m_otherMethods->text().split(QLatin1Char(','), Qt::SkipEmptyParts))
        route.methods.append(method.trimmed());
    route.authRequired = m_auth->isChecked();
    route.strategy = LoadBalancingStrategy(m_strategy->currentData().toInt());
    route.priority = RoutePriority(m_priority->currentData().toInt());
    route.backends.clear();
    QHash<int, int> groupSizes;
    for (int row : rowsInRouteOrder()) {
        route.backends.append(backendAt(row));
        ++groupSizes[rowGroup(row)];
    }
    if (m_retry->isChecked()) {
        RetryPolicy retry = m_base.retry.value_or(RetryPolicy());
        retry.maxAttempts = m_attempts->value();
        retry.initialBackoffMs = m_initialBackoff->value();
        retry.maxBackoffMs = m_maxBackoff->value();
        retry.backoffMultiplier = m_multiplier->value();
        retry.retryableStatusCodes.clear();
        for (const QString &code : m_statusCodes->text().split(QLatin1Char(','), Qt::SkipEmptyParts))
            retry.retryableStatusCodes.append(code.trimmed().toInt());
        route.retry = retry;
    } else {
        route.retry.reset();
    }
    m_protection->applyTo(route);
    m_connection->applyTo(route);
    m_behaviour->applyTo(route);
    if (Config::answersItself(route))
        route.backends.clear();
    RouteOverrides overrides = *route.overrides;
    overrides.cors = m_cors->value();
    overrides.requestHeaders = m_requestHeaders->value();
    overrides.responseHeaders = m_responseHeaders->value();
    overrides.fault = m_fault->value();
    overrides.compression = m_compression->value();
    overrides.split = Config::answersItself(route) ? std::nullopt : m_split->value(groupSizes);
    route.overrides = overrides;
    return route;
}

Config RouteEditor::candidate(const Route &edited, int *index) const
{
    Config config = *m_store.current();
    auto existing = std::find_if(config.routes.begin(), config.routes.end(),
                                 [this](const Route &candidate) { return candidate.externalPath == m_original; });
    if (!m_original.isEmpty() && existing != config.routes.end()) {
        *existing = edited;
        *index = int(existing - config.routes.begin());
    } else {
        config.routes.append(edited);
        *index = int(config.routes.size()) - 1;
    }
    return config;
}

QStringList RouteEditor::problems() const
{
    return problemsOf(route());
}

QStringList RouteEditor::problemsOf(const Route &edited) const
{
    int index = 0;
    const Config config = candidate(edited, &index);
    const QString prefix = QStringLiteral("routers[%1]").arg(index);
    QStringList result;
    for (const ConfigProblem &problem : validateConfig(config)) {
        QString path = problem.path;
        if (path.startsWith(prefix))
            path = path.mid(prefix.size() + 1);  // as seen from this route
        else if (!problem.path.contains(QStringLiteral("external_path")) && !problem.message.contains(prefix + u'.'))
            continue;  // another route's problem, not this one's doing
        result.append(path.isEmpty() ? problem.message : path + QLatin1String(": ") + problem.message);
    }
    return result;
}

void RouteEditor::revalidate()
{
    const QStringList found = problems();
    m_problems->clear();
    m_problems->addItems(found);
    if (found.isEmpty())
        m_problems->addItem(tr("No problems: Apply changes the running gateway."));
    if (m_apply)
        m_apply->setEnabled(found.isEmpty());
    m_split->showProblems(found);
}

void RouteEditor::apply(bool overwrite)
{
    const Route edited = route();
    const QString original = m_original;
    const QJsonObject opened = m_seen;
    constexpr int kChangedMeanwhile = 409;
    const ConfigStore::Change change = m_store.modify(
        [&](Config &config) -> std::optional<ConfigStore::Refusal> {
            auto existing = std::find_if(config.routes.begin(), config.routes.end(),
                                         [&](const Route &candidate) { return candidate.externalPath == original; });
            const bool found = !original.isEmpty() && existing != config.routes.end();
            if (!original.isEmpty() && !overwrite && (!found || routeToJson(*existing) != opened)) {
                return ConfigStore::Refusal{kChangedMeanwhile,
                                            found ? tr("The route %1 was changed since you opened it.").arg(original)
                                                  : tr("The route %1 was removed since you opened it.").arg(original)};
            }
            if (found)
                *existing = edited;
            else
                config.routes.append(edited);
            return std::nullopt;
        },
        ConfigStore::Source::Gui);
    if (change.outcome == ConfigStore::Change::Refused && change.refusalCode == kChangedMeanwhile) {
        m_conflictText->setText(tr("Not applied: %1 Overwriting puts your version in its place and undoes that change.")
                                    .arg(change.message));
        m_conflict->show();
        return;
    }
    if (!change.applied()) {
        const QString details =
            change.outcome == ConfigStore::Change::Invalid ? change.load.errorSummary() : change.message;
        QMessageBox::warning(this, tr("Route not applied"), tr("Nothing was changed:\n%1").arg(details));
        return;
    }
    accept();
}

}  // namespace kairos
