// Timeouts of one worker's connections, checked by one coarse tick (every 100 ms) instead of a
// QTimer per request: starting and stopping four QTimers per request is a large share of the
// proxy's CPU (bench/proxy/instructions.py shows it per request). A deadline is a number;
// setting one costs nothing.
#pragma once

#include <QObject>
#include <QTimer>

#include <vector>

namespace kairos {

class Deadlines : public QObject
{
    Q_OBJECT

public:
    class Client
    {
    public:
        virtual ~Client() = default;
        // Called on every tick with the current time; fire what has expired.
        virtual void checkDeadlines(qint64 nowMs) = 0;
    };

    static constexpr int kTickMs = 100;

    explicit Deadlines(QObject *parent = nullptr);
    void add(Client *client);
    void remove(Client *client);
    static qint64 nowMs();  // monotonic milliseconds

private:
    void tick();

    std::vector<Client *> m_clients;
    QTimer m_tick;
};

}  // namespace kairos
