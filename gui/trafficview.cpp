#include "trafficview.h"

#include "bodyview.h"
#include "exchangeexport.h"
#include "exchangeroutes.h"
#include "metrics/recentrequests.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QDateTime>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSaveFile>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTcpSocket>
#include <QTimer>
#include <QUrl>
#include <QVBoxLayout>

#include <algorithm>
#include <memory>

namespace kairos {

namespace {

QString msText(qint64 us)
{
    return QStringLiteral("%1 ms").arg(double(us) / 1000.0, 0, 'f', 2);
}

bool containsIgnoringCase(QByteArrayView haystack, const QByteArray &needle)
{
    // Latin-1 folding matches ASCII letters either way and any other byte exactly, which is
    // what a search typed into the bar needs, without decoding bodies on each keystroke.
    return QLatin1StringView(haystack.data(), haystack.size()).contains(QLatin1StringView(needle), Qt::CaseInsensitive);
}

bool headersContain(const http::Headers &headers, const QByteArray &needle)
{
    for (const http::Headers::Field &field : headers.fields()) {
        if (containsIgnoringCase(field.first, needle) || containsIgnoringCase(field.second, needle))
            return true;
    }
    return false;
}

QString headersText(const http::Headers &headers)
{
    QString text;
    for (const http::Headers::Field &field : headers.fields())
        text += QStringLiteral("%1: %2\n").arg(QString::fromLatin1(field.first), QString::fromLatin1(field.second));
    return text;
}

}  // namespace

TrafficModel::TrafficModel(int capacity, QObject *parent) : QAbstractTableModel(parent), m_capacity(capacity) {}

void TrafficModel::append(const QList<RequestRecord> &records)
{
    if (records.isEmpty())
        return;
    const qsizetype count = std::min<qsizetype>(records.size(), m_capacity);
    // Rows are inserted and removed, not the model reset: the selection and the scroll position stay.
    beginInsertRows(QModelIndex(), 0, int(count - 1));
    for (qsizetype i = records.size() - count; i < records.size(); ++i)
        m_records.prepend(records[i]);
    endInsertRows();
    if (m_records.size() > m_capacity) {
        beginRemoveRows(QModelIndex(), m_capacity, int(m_records.size() - 1));
        m_records.resize(m_capacity);
        endRemoveRows();
    }
}

void TrafficModel::clear()
{
    beginResetModel();
    m_records.clear();
    endResetModel();
}

int TrafficModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_records.size());
}

int TrafficModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

// Why the gateway refused a request or what it changed (the access log's note=), and how long
// the request waited in its route's queue.
QString TrafficModel::noteText(const RequestRecord &record)
{
    QStringList parts;
    if (record.note)
        parts.append(QString::fromLatin1(record.note));
    if (record.queuedUs >= 0)
        parts.append(tr("queued %1 ms").arg(double(record.queuedUs) / 1000.0, 0, 'f', 1));
    return parts.join(QLatin1String(", "));
}

QColor TrafficModel::statusColor(const RequestRecord &record)
{
    if (record.gatewayResponse)
        return QColor(0xa3, 0x71, 0xf7);  // violet
    if (record.status >= 500)
        return QColor(0xe5, 0x53, 0x4b);  // red
    if (record.status >= 400)
        return QColor(0xd2, 0x7b, 0x22);  // orange
    if (record.status >= 300)
        return QColor(0x3b, 0x8e, 0xea);  // blue
    if (record.status >= 200)
        return QColor(0x2e, 0xa0, 0x43);  // green
    return QColor();
}

QVariant TrafficModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid())
        return QVariant();
    const RequestRecord &record = m_records[index.row()];
    if (role == Qt::ForegroundRole && index.column() == Status) {
        const QColor color = statusColor(record);
        return color.isValid() ? QVariant(color) : QVariant();
    }
    if (role == Qt::ToolTipRole && index.column() == Status && record.gatewayResponse)
        return tr("Answered by the gateway");
    if (role != Qt::DisplayRole)
        return QVariant();
    switch (index.column()) {
    case Time: return QDateTime::fromMSecsSinceEpoch(record.finishedAtMs).toString(QStringLiteral("HH:mm:ss.zzz"));
    case Method: return QString::fromLatin1(record.method);
    case Path: return QString::fromLatin1(record.target);
    case Route: return record.routePath;
    case Backend: return record.backend;
    case Status: return record.status;
    case Duration: return QStringLiteral("%1 ms").arg(double(record.durationUs) / 1000.0, 0, 'f', 2);
    case Attempts: return record.attempts;
    case Note: return noteText(record);
    default: return QVariant();
    }
}

QVariant TrafficModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QVariant();
    switch (section) {
    case Time: return tr("Time");
    case Method: return tr("Method");
    case Path: return tr("Path");
    case Route: return tr("Route");
    case Backend: return tr("Backend");
    case Status: return tr("Status");
    case Duration: return tr("Duration");
    case Attempts: return tr("Tries");
    case Note: return tr("Note");
    default: return QVariant();
    }
}

TrafficFilter::TrafficFilter(QObject *parent) : QSortFilterProxyModel(parent) {}

void TrafficFilter::changed()
{
    invalidateRowsFilter();
}

void TrafficFilter::setMethod(const QString &method)
{
    m_method = method.toLatin1();
    changed();
}

void TrafficFilter::setStatusClass(StatusClass statusClass)
{
    m_statusClass = statusClass;
    changed();
}

void TrafficFilter::setRoute(const QString &route)
{
    m_route = route;
    changed();
}

void TrafficFilter::setBackend(const QString &backend)
{
    m_backend = backend;
    changed();
}

void TrafficFilter::setText(const QString &text)
{
    m_text = text.toUtf8();
    changed();
}

bool TrafficFilter::matches(const RequestRecord &record) const
{
    if (!m_method.isEmpty() && record.method != m_method)
        return false;
    switch (m_statusClass) {
    case StatusClass::Any: break;
    case StatusClass::Success:
        if (record.status < 200 || record.status >= 300)
            return false;
        break;
    case StatusClass::Redirect:
        if (record.status < 300 || record.status >= 400)
            return false;
        break;
    case StatusClass::ClientError:
        if (record.status < 400 || record.status >= 500)
            return false;
        break;
    case StatusClass::ServerError:
        if (record.status < 500)
            return false;
        break;
    case StatusClass::GatewayError:
        if (!record.gatewayResponse)
            return false;
        break;
    }
    if (!m_route.isEmpty() && record.routePath != m_route)
        return false;
    if (!m_backend.isEmpty() && record.backend != m_backend)
        return false;
    if (m_text.isEmpty())
        return true;
    return containsIgnoringCase(record.target, m_text) || headersContain(record.requestHeaders, m_text)
           || headersContain(record.responseHeaders, m_text) || containsIgnoringCase(record.requestBody, m_text)
           || containsIgnoringCase(record.responseBody, m_text);
}

bool TrafficFilter::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (sourceParent.isValid())
        return false;
    const auto *traffic = static_cast<const TrafficModel *>(sourceModel());
    return matches(traffic->record(sourceRow));
}

TrafficView::TrafficView(RecentRequests *source, QWidget *parent)
    : QWidget(parent),
      m_source(source),
      m_model(new TrafficModel(source ? source->capacity() : 500, this)),
      m_filter(new TrafficFilter(this)),
      m_table(new QTableView),
      m_detailTabs(new QTabWidget),
      m_details(new QPlainTextEdit),
      m_requestBody(new BodyView),
      m_responseBody(new BodyView),
      m_timing(new QPlainTextEdit)
{
    m_filter->setSourceModel(m_model);
    m_table->setModel(m_filter);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    m_table->verticalHeader()->hide();
    m_table->setWordWrap(false);  // one line per exchange; a long backend address is elided
    m_table->horizontalHeader()->setSectionResizeMode(TrafficModel::Path, QHeaderView::Stretch);
    m_table->horizontalHeader()->resizeSection(TrafficModel::Backend, 180);
    m_details->setReadOnly(true);
    m_details->setPlaceholderText(tr("Select a request to see its headers."));
    m_timing->setReadOnly(true);
    m_detailTabs->addTab(m_details, tr("Headers"));
    m_detailTabs->addTab(m_requestBody, tr("Request body"));
    m_detailTabs->addTab(m_responseBody, tr("Response body"));
    m_detailTabs->addTab(m_timing, tr("Timing"));
    auto *splitter = new QSplitter(Qt::Vertical);
    splitter->addWidget(m_table);
    splitter->addWidget(m_detailTabs);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(makeFilterBar());
    layout->addWidget(makeActionBar());
    layout->addWidget(splitter);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, &TrafficView::showDetails);
    connect(m_table, &QWidget::customContextMenuRequested, this, &TrafficView::showContextMenu);
    updateActions();
}

QWidget *TrafficView::makeFilterBar()
{
    auto *bar = new QWidget;
    auto *row = new QHBoxLayout(bar);
    row->setContentsMargins(0, 0, 0, 0);
    m_methodChoice = new QComboBox;
    m_methodChoice->addItem(tr("Any method"), QString());
    for (const char *method : {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}) {
        m_methodChoice->addItem(QString::fromLatin1(method), QString::fromLatin1(method));
        m_knownMethods.insert(QString::fromLatin1(method));
    }
    m_statusChoice = new QComboBox;
    using StatusClass = TrafficFilter::StatusClass;
    m_statusChoice->addItem(tr("Any status"), int(StatusClass::Any));
    m_statusChoice->addItem(tr("2xx"), int(StatusClass::Success));
    m_statusChoice->addItem(tr("3xx"), int(StatusClass::Redirect));
    m_statusChoice->addItem(tr("4xx"), int(StatusClass::ClientError));
    m_statusChoice->addItem(tr("5xx"), int(StatusClass::ServerError));
    m_statusChoice->addItem(tr("Gateway errors"), int(StatusClass::GatewayError));
    m_statusChoice->setItemData(m_statusChoice->count() - 1,
                                tr("Answers the gateway made itself: refusals and failures to proxy"), Qt::ToolTipRole);
    m_routeChoice = new QComboBox;
    m_routeChoice->addItem(tr("Any route"), QString());
    m_routeChoice->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_backendChoice = new QComboBox;
    m_backendChoice->addItem(tr("Any backend"), QString());
    m_backendChoice->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_search = new QLineEdit;
    m_search->setPlaceholderText(tr("Search path, headers and bodies"));
    m_search->setClearButtonEnabled(true);
    // Bodies are searched as they are; a short pause after typing spares a search per keystroke.
    m_searchDelay = new QTimer(this);
    m_searchDelay->setSingleShot(true);
    m_searchDelay->setInterval(150);
    m_pauseButton = new QPushButton(tr("Pause"));
    m_pauseButton->setCheckable(true);
    m_pauseButton->setToolTip(tr("Stop taking new requests into the list"));
    auto *clearButton = new QPushButton(tr("Clear"));
    row->addWidget(m_methodChoice);
    row->addWidget(m_statusChoice);
    row->addWidget(m_routeChoice);
    row->addWidget(m_backendChoice);
    row->addWidget(m_search, 1);
    row->addWidget(m_pauseButton);
    row->addWidget(clearButton);

    connect(m_methodChoice, &QComboBox::currentIndexChanged, this,
            [this] { m_filter->setMethod(m_methodChoice->currentData().toString()); });
    connect(m_statusChoice, &QComboBox::currentIndexChanged, this,
            [this] { m_filter->setStatusClass(TrafficFilter::StatusClass(m_statusChoice->currentData().toInt())); });
    connect(m_routeChoice, &QComboBox::currentIndexChanged, this,
            [this] { m_filter->setRoute(m_routeChoice->currentData().toString()); });
    connect(m_backendChoice, &QComboBox::currentIndexChanged, this,
            [this] { m_filter->setBackend(m_backendChoice->currentData().toString()); });
    connect(m_search, &QLineEdit::textChanged, m_searchDelay, qOverload<>(&QTimer::start));
    connect(m_searchDelay, &QTimer::timeout, this, [this] { m_filter->setText(m_search->text()); });
    connect(m_pauseButton, &QPushButton::toggled, this, &TrafficView::setPaused);
    connect(clearButton, &QPushButton::clicked, this, &TrafficView::clear);
    return bar;
}

QWidget *TrafficView::makeActionBar()
{
    auto *bar = new QWidget;
    auto *row = new QHBoxLayout(bar);
    row->setContentsMargins(0, 0, 0, 0);
    m_curlButton = new QPushButton(tr("Copy as curl"));
    m_copyBodyButton = new QPushButton(tr("Copy response body"));
    auto *exportButton = new QPushButton(tr("Export HAR"));
    auto *exportMenu = new QMenu(exportButton);
    exportMenu->addAction(tr("Selected requests…"), this, [this] { exportHarInteractively(true); });
    exportMenu->addAction(tr("All requests…"), this, [this] { exportHarInteractively(false); });
    exportButton->setMenu(exportMenu);
    auto *importButton = new QPushButton(tr("Import HAR…"));
    m_replayButton = new QPushButton(tr("Replay"));
    m_replayButton->setToolTip(tr("Send the selected request again through the gateway"));
    m_resendButton = new QPushButton(tr("Edit and resend…"));
    row->addWidget(m_curlButton);
    row->addWidget(m_copyBodyButton);
    row->addWidget(m_replayButton);
    row->addWidget(m_resendButton);
    m_mockButton = new QPushButton(tr("Mock this response…"));
    m_mockButton->setToolTip(tr("A route answering this method and exact path as the backend did; opens in the "
                                "route editor before anything changes"));
    m_corsButton = new QPushButton(tr("Add CORS for this origin…"));
    m_corsButton->setToolTip(tr("For a refused preflight or an answer without Access-Control-Allow-Origin: the "
                                "route's CORS with this origin, in the route editor"));
    row->addWidget(m_mockButton);
    row->addWidget(m_corsButton);
    row->addStretch(1);
    row->addWidget(exportButton);
    row->addWidget(importButton);
    connect(m_curlButton, &QPushButton::clicked, this, &TrafficView::copyCurl);
    connect(m_copyBodyButton, &QPushButton::clicked, this, &TrafficView::copyResponseBody);
    connect(importButton, &QPushButton::clicked, this, &TrafficView::importHarInteractively);
    connect(m_replayButton, &QPushButton::clicked, this, &TrafficView::replay);
    connect(m_resendButton, &QPushButton::clicked, this, &TrafficView::openResendDialog);
    connect(m_mockButton, &QPushButton::clicked, this, [this] {
        if (const RequestRecord *record = currentRecord())
            emit mockRequested(*record);
    });
    connect(m_corsButton, &QPushButton::clicked, this, [this] {
        if (const RequestRecord *record = currentRecord())
            emit corsRequested(*record);
    });
    return bar;
}

void TrafficView::showContextMenu(const QPoint &position)
{
    if (!currentRecord())
        return;
    QMenu menu;
    menu.addAction(tr("Copy as curl"), this, &TrafficView::copyCurl);
    menu.addAction(tr("Copy response body"), this, &TrafficView::copyResponseBody)
        ->setEnabled(!currentRecord()->responseBody.isEmpty());
    menu.addAction(tr("Replay"), this, &TrafficView::replay);
    menu.addAction(tr("Edit and resend…"), this, &TrafficView::openResendDialog);
    menu.addSeparator();
    menu.addAction(m_mockButton->text(), m_mockButton, &QPushButton::click)->setEnabled(m_mockButton->isEnabled());
    menu.addAction(m_corsButton->text(), m_corsButton, &QPushButton::click)->setEnabled(m_corsButton->isEnabled());
    menu.addSeparator();
    menu.addAction(tr("Export selected as HAR…"), this, [this] { exportHarInteractively(true); });
    menu.addAction(tr("Export all as HAR…"), this, [this] { exportHarInteractively(false); });
    menu.exec(m_table->viewport()->mapToGlobal(position));
}

void TrafficView::poll()
{
    if (!m_source)
        return;
    quint64 last = m_seen;
    const QList<RequestRecord> records = m_source->since(m_seen, &last);
    m_seen = last;
    if (m_paused)
        return;  // what went by while paused is not shown
    updateFilterChoices(records);
    m_model->append(records);
    if (!m_awaited.isEmpty())
        selectWhenShown();
}

void TrafficView::selectWhenShown()
{
    for (int row = 0; row < m_model->rowCount(); ++row) {
        const QByteArray &id = m_model->record(row).requestId;
        if (!m_awaited.contains(id))
            continue;
        m_awaited.removeAll(id);
        const QModelIndex shown = m_filter->mapFromSource(m_model->index(row, 0));
        if (shown.isValid()) {
            m_table->selectRow(shown.row());
            m_table->scrollTo(shown);
        }
        emit resentShown(id);
    }
}

void TrafficView::setPaused(bool paused)
{
    m_paused = paused;
    if (m_pauseButton->isChecked() != paused)
        m_pauseButton->setChecked(paused);
    m_pauseButton->setText(paused ? tr("Resume") : tr("Pause"));
}

void TrafficView::clear()
{
    m_model->clear();
    showDetails();
}

void TrafficView::updateFilterChoices(const QList<RequestRecord> &records)
{
    // The choices grow as values are first seen (a config may have thousands of routes, few in use).
    auto offer = [](QComboBox *box, QSet<QString> &known, const QString &value) {
        if (value.isEmpty() || known.contains(value))
            return;
        known.insert(value);
        box->addItem(value, value);
    };
    for (const RequestRecord &record : records) {
        offer(m_methodChoice, m_knownMethods, QString::fromLatin1(record.method));
        offer(m_routeChoice, m_knownRoutes, record.routePath);
        offer(m_backendChoice, m_knownBackends, record.backend);
    }
}

const RequestRecord *TrafficView::currentRecord() const
{
    QModelIndex index = m_table->currentIndex();
    if (!index.isValid() || !m_table->selectionModel()->isRowSelected(index.row(), QModelIndex())) {
        const QModelIndexList rows = m_table->selectionModel()->selectedRows();
        if (rows.isEmpty())
            return nullptr;
        index = rows.first();
    }
    const QModelIndex source = m_filter->mapToSource(index);
    return source.isValid() ? &m_model->record(source.row()) : nullptr;
}

QList<RequestRecord> TrafficView::selectedRecords() const
{
    QList<int> rows;
    for (const QModelIndex &index : m_table->selectionModel()->selectedRows())
        rows.append(m_filter->mapToSource(index).row());
    std::sort(rows.begin(), rows.end(), std::greater<int>());  // newest first in the model
    QList<RequestRecord> records;
    for (int row : rows)
        records.append(m_model->record(row));
    return records;
}

QString TrafficView::gatewayUrl() const
{
    QString url = m_gatewayUrl ? m_gatewayUrl() : QString();
    if (url.isEmpty())
        return QStringLiteral("http://127.0.0.1:8080");
    // A wildcard listen address is no address to send to: the same port on loopback is.
    url.replace(QLatin1String("//0.0.0.0:"), QLatin1String("//127.0.0.1:"));
    url.replace(QLatin1String("//[::]:"), QLatin1String("//[::1]:"));
    return url;
}

QString TrafficView::curlForCurrent() const
{
    const RequestRecord *record = currentRecord();
    return record ? curlCommand(*record, gatewayUrl()) : QString();
}

void TrafficView::copyCurl()
{
    const QString command = curlForCurrent();
    if (!command.isEmpty())
        QApplication::clipboard()->setText(command);
}

void TrafficView::copyResponseBody()
{
    const RequestRecord *record = currentRecord();
    if (!record || record->responseBody.isEmpty())
        return;
    auto *data = new QMimeData;
    const QByteArray type = mediaType(record->responseHeaders);
    data->setData(type.isEmpty() ? QStringLiteral("application/octet-stream") : QString::fromLatin1(type),
                  record->responseBody);
    if (isTextual(type, record->responseBody))
        data->setText(QString::fromUtf8(record->responseBody));
    QApplication::clipboard()->setMimeData(data);
}

bool TrafficView::exportHar(const QString &path, bool selectedOnly, QString *error)
{
    QList<RequestRecord> records = selectedOnly ? selectedRecords() : m_model->records();
    if (!selectedOnly)
        std::reverse(records.begin(), records.end());  // HAR lists entries oldest first
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        *error = file.errorString();
        return false;
    }
    file.write(QJsonDocument(harDocument(records, gatewayUrl())).toJson(QJsonDocument::Indented));
    if (!file.commit()) {
        *error = file.errorString();
        return false;
    }
    return true;
}

bool TrafficView::importHar(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = file.errorString();
        return false;
    }
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        *error = parseError.errorString();
        return false;
    }
    const QList<RequestRecord> records = recordsFromHar(document.object(), error);
    if (records.isEmpty() && !error->isEmpty())
        return false;
    updateFilterChoices(records);
    m_model->append(records);
    return true;
}

void TrafficView::exportHarInteractively(bool selectedOnly)
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Export HAR"), QStringLiteral("kairos.har"),
                                                      tr("HAR files (*.har *.json)"));
    if (path.isEmpty())
        return;
    QString error;
    if (!exportHar(path, selectedOnly, &error))
        QMessageBox::warning(this, tr("Export HAR"), tr("Could not write %1: %2").arg(path, error));
}

void TrafficView::importHarInteractively()
{
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Import HAR"), QString(), tr("HAR files (*.har *.json);;All files (*)"));
    if (path.isEmpty())
        return;
    QString error;
    if (!importHar(path, &error))
        QMessageBox::warning(this, tr("Import HAR"), tr("Could not read %1: %2").arg(path, error));
}

void TrafficView::replay()
{
    if (const RequestRecord *record = currentRecord())
        send(*record);
}

void TrafficView::send(const RequestRecord &request)
{
    const QUrl url(gatewayUrl());
    // The Host the client sent, as a backend behind preserve_host saw it; else the gateway's address.
    const QByteArray host = request.requestHeaders.value("host");
    QByteArray out = request.method + ' ' + (request.target.isEmpty() ? QByteArray("/") : request.target)
                     + " HTTP/1.1\r\nHost: " + (host.isEmpty() ? url.authority().toLatin1() : host) + "\r\n";
    for (const http::Headers::Field &field : request.requestHeaders.fields()) {
        const QByteArray name = field.first.toLower();
        // The gateway gives the new exchange an id of its own, to tell it from the one sent before.
        if (name == "host" || name == "content-length" || name == "transfer-encoding" || name == "connection"
            || name == "keep-alive" || name == "x-request-id" || field.second.endsWith("[redacted]"))
            continue;
        out += field.first + ": " + field.second + "\r\n";
    }
    if (!request.requestBody.isEmpty() || request.method == "POST" || request.method == "PUT"
        || request.method == "PATCH")
        out += "Content-Length: " + QByteArray::number(request.requestBody.size()) + "\r\n";
    out += "Connection: close\r\n\r\n" + request.requestBody;

    auto *socket = new QTcpSocket(this);
    auto received = std::make_shared<QByteArray>();
    auto finish = [this, socket, received](const QString &error) {
        if (socket->property("done").toBool())
            return;
        socket->setProperty("done", true);
        const qsizetype headEnd = received->indexOf("\r\n\r\n");
        QByteArray id;
        for (const QByteArray &line : received->left(headEnd).split('\n')) {
            if (line.toLower().startsWith("x-request-id:"))
                id = line.mid(13).trimmed();
        }
        socket->deleteLater();
        if (id.isEmpty()) {
            emit sendFailed(error.isEmpty() ? tr("no answer from the gateway") : error);
            if (isVisible())
                QMessageBox::warning(this, tr("Replay"),
                                     tr("Could not send the request: %1")
                                         .arg(error.isEmpty() ? tr("no answer from the gateway") : error));
            return;
        }
        m_awaited.append(id);
        // The gateway reports the exchange as it finishes it: it is in the list by the next poll.
        poll();
    };
    connect(socket, &QTcpSocket::connected, socket, [socket, out] { socket->write(out); });
    connect(socket, &QTcpSocket::readyRead, socket, [socket, received] { *received += socket->readAll(); });
    connect(socket, &QTcpSocket::disconnected, this, [finish] { finish(QString()); });
    connect(socket, &QTcpSocket::errorOccurred, this, [socket, received, finish](QAbstractSocket::SocketError error) {
        if (error == QAbstractSocket::RemoteHostClosedError) {
            *received += socket->readAll();
            return;  // disconnected() follows
        }
        finish(socket->errorString());
    });
    QTimer::singleShot(30000, socket, [finish] { finish(tr("no answer within 30 s")); });
    socket->connectToHost(url.host(), quint16(url.port(80)));
}

QDialog *TrafficView::openResendDialog()
{
    const RequestRecord *current = currentRecord();
    if (!current)
        return nullptr;
    RequestRecord base = *current;
    auto *dialog = new QDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(tr("Edit and resend"));
    auto *method = new QLineEdit(QString::fromLatin1(base.method));
    method->setObjectName(QStringLiteral("method"));
    auto *path = new QLineEdit(QString::fromLatin1(base.target));
    path->setObjectName(QStringLiteral("path"));
    auto *headers = new QPlainTextEdit;
    headers->setObjectName(QStringLiteral("headers"));
    QString headerLines;
    for (const http::Headers::Field &field : base.requestHeaders.fields()) {
        const QByteArray name = field.first.toLower();
        if (name != "content-length" && name != "x-request-id" && name != "connection")
            headerLines +=
                QStringLiteral("%1: %2\n").arg(QString::fromLatin1(field.first), QString::fromLatin1(field.second));
    }
    headers->setPlainText(headerLines);
    auto *body = new QPlainTextEdit;
    body->setObjectName(QStringLiteral("body"));
    body->setPlainText(QString::fromUtf8(base.requestBody));
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel);
    buttons->addButton(tr("Send"), QDialogButtonBox::AcceptRole);
    auto *form = new QFormLayout(dialog);
    form->addRow(tr("Method"), method);
    form->addRow(tr("Path"), path);
    form->addRow(tr("Headers (one per line, Name: value)"), headers);
    form->addRow(tr("Body"), body);
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
    connect(buttons, &QDialogButtonBox::accepted, dialog, [this, dialog, method, path, headers, body] {
        RequestRecord edited;
        edited.method = method->text().trimmed().toLatin1();
        edited.target = path->text().trimmed().toLatin1();
        if (!edited.target.startsWith('/'))
            edited.target.prepend('/');
        for (const QString &line : headers->toPlainText().split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
            const qsizetype colon = line.indexOf(QLatin1Char(':'));
            if (colon > 0)
                edited.requestHeaders.add(line.left(colon).trimmed().toLatin1(),
                                          line.mid(colon + 1).trimmed().toLatin1());
        }
        edited.requestBody = body->toPlainText().toUtf8();
        send(edited);
        dialog->accept();
    });
    dialog->resize(600, 500);
    dialog->open();
    return dialog;
}

void TrafficView::updateActions()
{
    const RequestRecord *record = currentRecord();
    m_curlButton->setEnabled(record != nullptr);
    m_replayButton->setEnabled(record != nullptr);
    m_resendButton->setEnabled(record != nullptr);
    m_copyBodyButton->setEnabled(record && !record->responseBody.isEmpty());
    m_mockButton->setEnabled(record && record->status >= 200);
    m_corsButton->setEnabled(record && wantsCors(*record));
}

QString TrafficView::timingText(const RequestRecord &record)
{
    QString text;
    text += tr("Queued: %1\n").arg(record.queuedUs >= 0 ? msText(record.queuedUs) : tr("not queued"));
    const ExchangeTry *last = record.tries.isEmpty() ? nullptr : &record.tries.last();
    QString connect = tr("no backend");
    if (last)
        connect = last->reusedConnection ? tr("reused connection")
                  : last->connectUs >= 0 ? msText(last->connectUs)
                                         : tr("not connected");
    text += tr("Connect: %1\n").arg(connect);
    text += tr("Time to first byte: %1\n").arg(record.firstByteUs >= 0 ? msText(record.firstByteUs) : tr("none"));
    text += tr("Total: %1\n").arg(msText(record.durationUs));
    if (record.tries.isEmpty())
        return text;
    text += tr("Tries:\n");
    int number = 0;
    for (const ExchangeTry &attempt : record.tries) {
        const QString connected = attempt.reusedConnection ? tr("reused connection")
                                  : attempt.connectUs >= 0 ? tr("connect %1").arg(msText(attempt.connectUs))
                                                           : tr("not connected");
        const QString firstByte =
            attempt.firstByteUs >= 0 ? tr(", first byte after %1").arg(msText(attempt.firstByteUs)) : QString();
        QString outcome = attempt.status > 0 ? QString::number(attempt.status) : QString();
        if (!attempt.error.isEmpty())
            outcome += (outcome.isEmpty() ? QString() : QStringLiteral(" ")) + QString::fromUtf8(attempt.error);
        text += tr("  %1. %2 at +%3: %4%5 → %6\n")
                    .arg(++number)
                    .arg(attempt.backend, msText(attempt.startUs), connected, firstByte,
                         outcome.isEmpty() ? tr("no answer") : outcome);
    }
    return text;
}

void TrafficView::showDetails()
{
    updateActions();
    const RequestRecord *current = currentRecord();
    if (!current) {
        m_details->clear();
        m_requestBody->clear();
        m_responseBody->clear();
        m_timing->clear();
        return;
    }
    const RequestRecord &record = *current;
    QString text =
        QStringLiteral("%1 %2\n").arg(QString::fromLatin1(record.method), QString::fromLatin1(record.target));
    text += headersText(record.requestHeaders);
    text += QStringLiteral("\n%1 %2%3\n")
                .arg(tr("Response"))
                .arg(record.status)
                .arg(record.gatewayResponse ? QStringLiteral(" (%1)").arg(tr("answered by the gateway")) : QString());
    text += headersText(record.responseHeaders);
    text += QStringLiteral("\n%1: %2   %3: %4   %5: %6\n")
                .arg(tr("Backend"), record.backend.isEmpty() ? QStringLiteral("–") : record.backend, tr("Tries"))
                .arg(record.attempts)
                .arg(tr("Request id"), QString::fromLatin1(record.requestId));
    if (record.tlsVersion)
        text += QStringLiteral("TLS: %1   ALPN: %2\n")
                    .arg(QString::fromLatin1(record.tlsVersion),
                         record.alpn.isEmpty() ? QStringLiteral("–") : QString::fromLatin1(record.alpn));
    else if (!record.alpn.isEmpty())
        text += QStringLiteral("%1: %2\n").arg(tr("Protocol"), QString::fromLatin1(record.alpn));  // h2c
    const QString note = TrafficModel::noteText(record);
    if (!note.isEmpty())
        text += QStringLiteral("%1: %2\n").arg(tr("Note"), note);
    m_details->setPlainText(text);
    m_requestBody->setBody(record.requestBody, record.requestHeaders, record.requestBodyTruncated, record.requestBytes);
    m_responseBody->setBody(record.responseBody, record.responseHeaders, record.responseBodyTruncated,
                            record.responseBytes);
    m_timing->setPlainText(timingText(record));
}

}  // namespace kairos
