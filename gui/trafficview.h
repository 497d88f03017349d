// The traffic inspector: the last requests through the gateway (time, method, path, route,
// backend, status, duration, tries) with a filter bar above them; selecting one shows its headers,
// bodies and timing. An exchange can be copied as a curl command, exported as HAR and sent again,
// or turned into a mock route or a CORS rule for its origin (the main window opens the editor).
#pragma once

#include "metrics/requestrecord.h"

#include <QAbstractTableModel>
#include <QSet>
#include <QSortFilterProxyModel>
#include <QWidget>

#include <functional>

class QComboBox;
class QDialog;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTabWidget;
class QTableView;
class QTimer;

namespace kairos {

class BodyView;
class RecentRequests;

class TrafficModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { Time, Method, Path, Route, Backend, Status, Duration, Attempts, Note, ColumnCount };

    explicit TrafficModel(int capacity, QObject *parent = nullptr);
    void append(const QList<RequestRecord> &records);  // newest last
    void clear();
    const RequestRecord &record(int row) const { return m_records[row]; }
    const QList<RequestRecord> &records() const { return m_records; }  // newest first
    // The refusal or change the gateway noted (note=) and the time waited in a queue.
    static QString noteText(const RequestRecord &record);
    // A colour per status class that reads on light and dark palettes; gateway answers stand out.
    static QColor statusColor(const RequestRecord &record);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    int m_capacity;
    QList<RequestRecord> m_records;  // newest first
};

// What the filter bar asks for; every part that is set must match.
class TrafficFilter : public QSortFilterProxyModel
{
    Q_OBJECT

public:
    enum class StatusClass { Any, Success, Redirect, ClientError, ServerError, GatewayError };

    explicit TrafficFilter(QObject *parent = nullptr);
    void setMethod(const QString &method);  // empty: any
    void setStatusClass(StatusClass statusClass);
    void setRoute(const QString &route);  // a route's external path; empty: any
    void setBackend(const QString &backend);
    // Case-insensitive, over the path, the headers and the captured bodies.
    void setText(const QString &text);
    bool matches(const RequestRecord &record) const;

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    void changed();

    QByteArray m_method;
    StatusClass m_statusClass = StatusClass::Any;
    QString m_route;
    QString m_backend;
    QByteArray m_text;  // UTF-8
};

class TrafficView : public QWidget
{
    Q_OBJECT

public:
    TrafficView(RecentRequests *source, QWidget *parent = nullptr);
    // Where the gateway listens (GatewayService::listenUrl()): copied commands and replays go there.
    void setGatewayUrl(std::function<QString()> url) { m_gatewayUrl = std::move(url); }
    void poll();
    TrafficModel *model() const { return m_model; }
    TrafficFilter *filter() const { return m_filter; }
    QTableView *table() const { return m_table; }
    QPushButton *mockButton() const { return m_mockButton; }
    QPushButton *corsButton() const { return m_corsButton; }

    void setPaused(bool paused);
    bool isPaused() const { return m_paused; }
    void clear();
    QLineEdit *searchEdit() const { return m_search; }

    // The exchange the details show (the current row); null when none.
    const RequestRecord *currentRecord() const;
    QList<RequestRecord> selectedRecords() const;  // oldest first
    // The gateway's address as a client reaches it: a wildcard listen address becomes loopback.
    QString gatewayUrl() const;
    QString curlForCurrent() const;
    void copyCurl();
    void copyResponseBody();
    bool exportHar(const QString &path, bool selectedOnly, QString *error);
    bool importHar(const QString &path, QString *error);
    // Sends the current exchange's request again through the gateway; the new exchange is
    // selected once it is in the list.
    void replay();
    // A dialog to change the current request's method, path, headers and body before sending it.
    QDialog *openResendDialog();
    // Sends a request like the record's (method, target, request headers, captured body) to the
    // gateway, on a connection of its own.
    void send(const RequestRecord &request);

signals:
    // A request sent by replay() or the resend dialog is in the list and selected.
    void resentShown(const QByteArray &requestId);
    void sendFailed(const QString &error);
    // "Mock this response" and "Add CORS for this origin" on the current exchange.
    void mockRequested(const RequestRecord &record);
    void corsRequested(const RequestRecord &record);

public:
    static QString timingText(const RequestRecord &record);
    BodyView *requestBodyView() const { return m_requestBody; }
    BodyView *responseBodyView() const { return m_responseBody; }
    QPlainTextEdit *timingView() const { return m_timing; }
    QPlainTextEdit *headersView() const { return m_details; }

private:
    QWidget *makeFilterBar();
    QWidget *makeActionBar();
    void showDetails();
    void showContextMenu(const QPoint &position);
    void updateFilterChoices(const QList<RequestRecord> &records);
    void updateActions();
    void exportHarInteractively(bool selectedOnly);
    void importHarInteractively();
    void selectWhenShown();

    RecentRequests *m_source;
    std::function<QString()> m_gatewayUrl;
    quint64 m_seen = 0;
    bool m_paused = false;
    TrafficModel *m_model;
    TrafficFilter *m_filter;
    QTableView *m_table;
    QComboBox *m_methodChoice = nullptr;
    QComboBox *m_statusChoice = nullptr;
    QComboBox *m_routeChoice = nullptr;
    QComboBox *m_backendChoice = nullptr;
    QSet<QString> m_knownMethods;  // what the choices above offer
    QSet<QString> m_knownRoutes;
    QSet<QString> m_knownBackends;
    QLineEdit *m_search = nullptr;
    QTimer *m_searchDelay = nullptr;
    QPushButton *m_pauseButton = nullptr;
    QPushButton *m_curlButton = nullptr;
    QPushButton *m_copyBodyButton = nullptr;
    QPushButton *m_replayButton = nullptr;
    QPushButton *m_resendButton = nullptr;
    QPushButton *m_mockButton = nullptr;
    QPushButton *m_corsButton = nullptr;
    QList<QByteArray> m_awaited;  // ids of requests this view sent, to select once they show
    QTabWidget *m_detailTabs;
    QPlainTextEdit *m_details;
    BodyView *m_requestBody;
    BodyView *m_responseBody;
    QPlainTextEdit *m_timing;
};

}  // namespace kairos
