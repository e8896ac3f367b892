#include "scenarios.h"

#include "accounts.h"

#include "papo/clock.h"
#include "papo/error.h"
#include "papo/messages.h"
#include "papo/client/reader.h"
#include "papo/rpc.h"
#include "papo/server/server_core.h"
#include "papo/topics.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace papo::bench {
namespace {

using clock_type = std::chrono::steady_clock;
constexpr auto run_limit = std::chrono::seconds(60);  // no run may take longer

double seconds_since(clock_type::time_point start) {
    return std::chrono::duration<double>(clock_type::now() - start).count();
}

std::string unique(const std::string& prefix) {
    static int counter = 0;
    return prefix + std::to_string(++counter) + "x" + random_hex(4);
}

// One manager's connection per broker (the open one and the real configuration),
// closed by close_connections() before its broker stops.
std::map<std::string, std::unique_ptr<rpc_client>>& admin_clients() {
    static std::map<std::string, std::unique_ptr<rpc_client>> clients;
    return clients;
}

rpc_client& admin(const target& t) {
    auto& client = admin_clients()[t.broker];
    if (!client) client = std::make_unique<rpc_client>(login_as(t, admin_name, "", false), admin_name);
    return *client;
}

void add_user(const target& t, const std::string& name) {
    admin(t).call("users.add", {{"name", name}, {"password", bench_password}}, std::chrono::seconds(30));
}

std::string body_of_100_bytes() { return std::string(100, 'x'); }

// The receiving side: counts raw messages, or runs papo's reader (dedupe + receipts).
struct receiver {
    session& connection;
    bool papo_side;
    std::unique_ptr<reader> papo_reader;
    std::size_t received = 0;
    clock_type::time_point first{}, last{};
    std::function<void(const std::string&)> on_body;

    receiver(session& s, bool papo, const std::string& me, std::function<void(const std::string&)> body = {})
        : connection(s), papo_side(papo), on_body(std::move(body)) {
        if (papo_side)
            papo_reader = std::make_unique<reader>(s, me, "", [this](const message_view& m) {
                if (on_body) on_body(m.text);
            });
    }
    void take(std::size_t expected) {
        const auto deadline = clock_type::now() + run_limit;
        while (count() < expected && clock_type::now() < deadline) {
            auto message = connection.next(std::chrono::milliseconds(100));
            if (!message) {
                if (papo_side) papo_reader->send_receipts();
                continue;
            }
            if (message->connection_lost) throw error("receiver lost the broker");
            if (papo_side) {
                papo_reader->handle(*message);
                if (papo_reader->shown() % 256 == 0) papo_reader->send_receipts();
            } else {
                ++received;
                if (on_body) on_body(message->payload);
            }
            last = clock_type::now();
            if (first == clock_type::time_point{}) first = last;
        }
        if (papo_side) papo_reader->send_receipts();
        if (count() != expected)
            throw error("delivery check failed: " + std::to_string(count()) + " of " + std::to_string(expected) +
                        " messages arrived within " + std::to_string(run_limit.count()) +
                        " s (the run's bound: on a machine this busy, fewer messages or a quieter moment)");
    }
    std::size_t count() const { return papo_side ? papo_reader->shown() : received; }
};

struct pair_of_ends {
    std::string sender, recipient, topic;
};

// Registers the two users (papo; and the raw side when the broker has accounts, so
// that it logs in as the same kind of account); returns names and the topic to publish on.
pair_of_ends ends(const target& t, bool papo_side) {
    pair_of_ends e{unique("s"), unique("r"), ""};
    if (papo_side || t.accounts) {
        add_user(t, e.sender);
        add_user(t, e.recipient);
    }
    e.topic = papo_side ? topics::inbox(e.recipient, e.sender) : "bench/raw/" + e.recipient;
    return e;
}

std::string outgoing(bool papo_side, const std::string& body) {
    return papo_side ? encode(make_message(body)) : body;
}

// The subscriptions a receiving end's first login makes: the raw topic; papo's inbox and
// receipts where the broker's queue is made by that login (ejabberd), as papo's reader
// does (user_client.cpp); on Mosquitto papo-server made papo's queue subscribed.
void subscribe_receiver(const target& t, session& s, bool papo_side, const pair_of_ends& e) {
    if (!papo_side)
        s.subscribe({e.topic}, 1);
    else if (t.on_ejabberd)
        s.subscribe({topics::inbox_filter(e.recipient), topics::receipt_filter(e.recipient)}, 1);
}


// A sender and an online receiver of direct messages (papo) or of a raw topic.
struct live_link {
    pair_of_ends e;
    session rx, tx;
    live_link(const target& t, bool papo_side)
        : e(ends(t, papo_side)),
          rx(receiver_login(t, e.recipient, e.recipient, true)),
          tx(login_as(t, e.sender, e.sender + "~bench", false)) {
        rx.connect();
        subscribe_receiver(t, rx, papo_side, e);
        tx.connect();
    }
};

// Runs `send` on its own thread while `in` takes `expected` messages.
void send_while_receiving(receiver& in, int expected, const std::function<void()>& send) {
    std::thread sender(send);
    try {
        in.take(static_cast<std::size_t>(expected));
    } catch (...) {
        sender.join();
        throw;
    }
    sender.join();
}

// A first login right after the account was made, on the cluster's other node: ejabberd
// refused some of them (seen twice in full runs), so a refusal is tried again for up to
// 10 s, both sides alike, and counted.
void connect_new_account(session& s, int& retries) {
    const auto deadline = clock_type::now() + std::chrono::seconds(10);
    for (;;) {
        try {
            s.connect();
            return;
        } catch (const error&) {
            if (clock_type::now() > deadline) throw;
            ++retries;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }
}

// Runs work(i) for every i below `count`, on `threads` threads at once; the first failure
// is thrown once all have stopped. For the members' own requests (topics.join): Paho
// connects a process's clients one after the other, 1.5 to 2 s each while others of its
// clients are idle (100 members' joins took over 3 minutes one by one).
void in_parallel(std::size_t count, std::size_t threads, const std::function<void(std::size_t)>& work) {
    std::atomic<std::size_t> next{0};
    std::mutex lock;
    std::exception_ptr failure;
    std::vector<std::thread> pool;
    for (std::size_t n = 0; n < std::min(count, threads); ++n)
        pool.emplace_back([&] {
            for (std::size_t i; (i = next++) < count;) {
                try {
                    work(i);
                } catch (...) {
                    const std::lock_guard<std::mutex> hold(lock);
                    if (!failure) failure = std::current_exception();
                    next = count;
                }
            }
        });
    for (auto& thread : pool) thread.join();
    if (failure) std::rethrow_exception(failure);
}

}  // namespace

void close_connections(const target& t) { admin_clients().erase(t.broker); }

measurements dm_throughput(const target& t, bool papo_side, int messages) {
    live_link link(t, papo_side);
    receiver in(link.rx, papo_side, link.e.recipient);
    // CPU time, counted rather than timed (this VM has no hardware counters for perf):
    // the broker, papo-server, and this process (the sender and the receiver).
    const double broker_cpu = broker_cpu_ms(t), server_cpu = cpu_ms(t.server_pid), clients_cpu = cpu_ms(0);
    const auto start = clock_type::now();
    send_while_receiving(in, messages, [&] {
        const std::string body = body_of_100_bytes();
        for (int i = 0; i < messages; ++i) link.tx.publish_async(link.e.topic, outgoing(papo_side, body));
        link.tx.flush();
    });
    const double elapsed = std::chrono::duration<double>(in.last - start).count();
    const auto us_per_message = [&](double ms) { return ms * 1000 / messages; };
    return {{"messages_per_s", messages / elapsed},
            {"broker_cpu_us_per_msg", us_per_message(broker_cpu_ms(t) - broker_cpu)},
            // papo-server subscribes to every DM (to count queues), also on the raw side's broker
            {"server_cpu_us_per_msg", us_per_message(cpu_ms(t.server_pid) - server_cpu)},
            {"clients_cpu_us_per_msg", us_per_message(cpu_ms(0) - clients_cpu)}};
}

measurements dm_latency(const target& t, bool papo_side, int per_second, int seconds) {
    live_link link(t, papo_side);
    std::vector<double> latencies_ms;
    receiver in(link.rx, papo_side, link.e.recipient, [&](const std::string& body) {
        const long long sent = std::stoll(body.substr(0, body.find(' ')));
        const long long now = clock_type::now().time_since_epoch().count();
        latencies_ms.push_back(static_cast<double>(now - sent) / 1e6);
    });
    const int total = per_second * seconds;
    send_while_receiving(in, total, [&] {
        auto next = clock_type::now();
        for (int i = 0; i < total; ++i) {
            std::this_thread::sleep_until(next);
            std::string body = std::to_string(clock_type::now().time_since_epoch().count()) + " ";
            body.resize(100, 'x');
            link.tx.publish_async(link.e.topic, outgoing(papo_side, body));
            next += std::chrono::microseconds(1000000 / per_second);
        }
        link.tx.flush();
    });
    std::sort(latencies_ms.begin(), latencies_ms.end());
    auto at = [&](double q) { return latencies_ms[static_cast<std::size_t>(q * static_cast<double>(latencies_ms.size() - 1))]; };
    return {{"p50_ms", at(0.5)}, {"p99_ms", at(0.99)}, {"max_ms", latencies_ms.back()}};
}

measurements offline_drain(const target& t, bool papo_side, int messages) {
    auto e = ends(t, papo_side);
    if (!papo_side || t.on_ejabberd) {  // the queue: a persistent session subscribed, then offline
        session q(receiver_login(t, e.recipient, e.recipient, true));
        q.connect();
        subscribe_receiver(t, q, papo_side, e);
        q.disconnect();
    }
    {
        session tx(login_as(t, e.sender, e.sender + "~bench", false));
        tx.connect();
        const std::string body = body_of_100_bytes();
        for (int i = 0; i < messages; ++i) tx.publish_async(e.topic, outgoing(papo_side, body));
        tx.flush();
    }
    const auto start = clock_type::now();
    session rx(receiver_login(t, e.recipient, e.recipient, true));
    receiver in(rx, papo_side, e.recipient);
    rx.connect();
    in.take(static_cast<std::size_t>(messages));
    const double drain = std::chrono::duration<double>(in.last - start).count();
    const double first = std::chrono::duration<double>(in.first - start).count();
    return {{"first_login_to_all_ms", drain * 1000}, {"login_to_first_ms", first * 1000}};
}

measurements topic_fanout(const target& t, bool papo_side, int members, int posts) {
    const std::string topic_name = unique("t"), sender = unique("s");
    std::vector<std::string> names;
    for (int i = 0; i < members; ++i) names.push_back(topic_name + "-m" + std::to_string(i));
    const std::string topic = papo_side ? topics::post(topic_name, sender) : "bench/fan/" + topic_name;
    if (papo_side || t.accounts) {
        add_user(t, sender);
        for (const auto& name : names) add_user(t, name);
    }
    if (papo_side) admin(t).call("topics.add", {{"name", topic_name}});
    std::vector<session_options> member_options;
    for (const auto& name : names) member_options.push_back(receiver_login(t, name, name, true));
    auto sessions = connect_all(member_options);
    for (auto& member : sessions) member->subscribe({papo_side ? topics::post_filter(topic_name) : topic}, 1, papo_side);
    if (papo_side)
        in_parallel(names.size(), 32, [&](std::size_t i) {
            rpc_client(login_as(t, names[i], "", false), names[i]).call("topics.join", {{"name", topic_name}},
                                                                       std::chrono::seconds(30));
        });
    session tx(login_as(t, sender, sender + "~bench", false));
    tx.connect();
    std::vector<std::unique_ptr<receiver>> receivers;
    for (std::size_t i = 0; i < sessions.size(); ++i)
        receivers.push_back(std::make_unique<receiver>(*sessions[i], papo_side, names[i]));
    const auto start = clock_type::now();
    std::vector<std::thread> readers;
    std::atomic<int> failures{0};
    for (auto& r : receivers)
        readers.emplace_back([&r, posts, &failures] {
            try {
                r->take(static_cast<std::size_t>(posts));
            } catch (const error&) {
                ++failures;
            }
        });
    const std::string body = body_of_100_bytes();
    for (int i = 0; i < posts; ++i) tx.publish_async(topic, outgoing(papo_side, body));
    tx.flush();
    for (auto& r : readers) r.join();
    if (failures) throw error("delivery check failed: " + std::to_string(failures.load()) + " members missed posts");
    auto last = start;
    for (auto& r : receivers) last = std::max(last, r->last);
    const double elapsed = std::chrono::duration<double>(last - start).count();
    return {{"deliveries_per_s", static_cast<double>(members) * posts / elapsed}};
}

measurements create_users(const target& t, bool papo_side, int users) {
    const std::string prefix = unique("u");
    const double broker_before = broker_rss_kb(t);
    // The raw side makes its accounts itself, with the commands papo-server sends dynsec,
    // or the calls it makes to ejabberd's HTTP API (check_account, register).
    std::unique_ptr<dynsec_control> dynsec;
    std::unique_ptr<ejabberd_backend> ejabberd;
    if (!papo_side && t.accounts && t.on_ejabberd) ejabberd = std::make_unique<ejabberd_backend>(t.ejabberd);
    else if (!papo_side && t.accounts) dynsec = std::make_unique<dynsec_control>(t);
    int login_retries = 0;
    const auto start = clock_type::now();
    for (int i = 0; i < users; ++i) {
        const std::string name = prefix + "-" + std::to_string(i);
        if (papo_side) {
            add_user(t, name);
            if (t.on_ejabberd) {  // the queue: made by the user's first login (ejabberd_backend.h)
                session q(receiver_login(t, name, name, true));
                connect_new_account(q, login_retries);
                q.subscribe({topics::inbox_filter(name), topics::receipt_filter(name)}, 1);
                q.disconnect();
            }
        } else {  // the raw equivalent: (its account, then) one persistent session per user, subscribed to its inbox
            if (dynsec) dynsec->run(create_account_commands(name));
            if (ejabberd) ejabberd->create_account(name, bench_password, false);
            session q(receiver_login(t, name, name, true));
            connect_new_account(q, login_retries);
            q.subscribe({topics::inbox_filter(name)}, 1);
            q.disconnect();
        }
        if (clock_type::now() - start > 3 * run_limit)
            throw error("creating " + std::to_string(users) + " users took over " +
                        std::to_string(3 * run_limit.count()) + " s");
    }
    const double seconds = seconds_since(start);
    return {{"seconds", seconds}, {"users_per_s", users / seconds},
            {"broker_kb_per_user", (broker_rss_kb(t) - broker_before) / users},
            {"login_retries", login_retries}};
}

measurements server_costs(const target& t) {
    std::vector<double> times;
    std::size_t queues = 0;
    for (int i = 0; i < 5; ++i) {
        const auto start = clock_type::now();
        queues = admin(t).call("queues.ls", {}, std::chrono::seconds(30)).size();
        times.push_back(seconds_since(start) * 1000);
    }
    std::sort(times.begin(), times.end());
    double rss_kb = 0;
    std::ifstream status("/proc/" + std::to_string(t.server_pid) + "/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("VmRSS:", 0) == 0) rss_kb = std::stod(line.substr(6));
    return {{"queues", static_cast<double>(queues)},
            {"queues_ls_ms", times[2]},
            {"server_rss_kb", rss_kb},
            {"server_kb_per_queue", queues ? rss_kb / static_cast<double>(queues) : 0}};
}

}  // namespace papo::bench
