// The scale step (scale.h). On the open broker: with accounts on, dynsec rewrites its
// whole JSON file at every account change (85 ms per user at 5,000 users), so 100,000
// accounts cannot be made in bounded time.
#include "scale.h"

#include "accounts.h"

#include "papo/clock.h"
#include "papo/error.h"
#include "papo/messages.h"
#include "papo/rpc.h"
#include "papo/server/server_core.h"  // admin_name
#include "papo/topics.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <sys/stat.h>
#include <thread>

namespace papo::bench {
namespace {

using clock_type = std::chrono::steady_clock;

double ms_since(clock_type::time_point start) {
    return std::chrono::duration<double, std::milli>(clock_type::now() - start).count();
}

session_options admin_options(const target& t) {
    session_options o = login_as(t, admin_name, "", false);
    o.timeout = std::chrono::seconds(30);
    return o;
}

double quantile(std::vector<double> values, double q) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    return values[static_cast<std::size_t>(q * static_cast<double>(values.size() - 1))];
}

double file_bytes(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? static_cast<double>(st.st_size) : 0;
}

double store_bytes(const std::string& state_dir) {
    return file_bytes(state_dir + "/messages.sqlite") + file_bytes(state_dir + "/messages.sqlite-wal");
}

std::string user_name(int i) { return "scale-" + std::to_string(i); }

// The broker's packet limit (mosquitto.conf max_packet_size). papo-server's queues.ls
// answer is one packet that grows with the users; past the limit Mosquitto disconnects
// papo-server ("oversize packet"), which sends it again at every reconnect and never
// serves again (seen with max_packet_size 100000 and 2,000 users). So the step asks
// queues.ls only where the answer, at the bytes per row seen at the checkpoint, fits.
bool answer_fits(double rows, double bytes_per_row, double packet_limit_bytes) {
    return bytes_per_row <= 0 || rows * (bytes_per_row + 2) < 0.97 * packet_limit_bytes;
}

// The queues papo-server lists, or nullopt (and why) when queues.ls is not answered.
std::optional<nlohmann::json> queues_ls(rpc_client& admin, std::string& failure) {
    try {
        return admin.call("queues.ls", {}, std::chrono::seconds(30));
    } catch (const error& e) {
        failure = e.what();
        return std::nullopt;
    }
}

// Messages waiting in `queues`: from queues.ls, else from their retained snapshots
// (registry/queues/<name>, which papo-server writes every 100 ms) when queues.ls is not
// answered (its answer grows with the users, and the broker's packet limit is 4 MiB).
std::size_t waiting_in(const target& t, rpc_client& admin, const std::vector<std::string>& queues, bool ask_queues_ls) {
    std::string failure;
    if (const auto rows = ask_queues_ls ? queues_ls(admin, failure) : std::nullopt) {
        std::size_t sum = 0;
        for (const auto& row : *rows)
            if (std::find(queues.begin(), queues.end(), row.value("name", "")) != queues.end())
                sum += row.value("messages", std::size_t{0});
        return sum;
    }
    session reader(login_as(t, admin_name, std::string(admin_name) + "~bench-" + random_hex(6), false));
    reader.connect();
    std::vector<std::string> filters;
    for (const auto& q : queues) filters.push_back(topics::registry_queue(q));
    reader.subscribe(filters, 1);
    std::map<std::string, std::size_t> counts;
    const auto deadline = clock_type::now() + std::chrono::seconds(2);
    while (counts.size() < queues.size() && clock_type::now() < deadline)
        if (auto m = reader.next(std::chrono::milliseconds(100)); m && !m->connection_lost && !m->payload.empty())
            counts[m->topic] = decode<queue_snapshot>(m->payload, max_snapshot_bytes).messages;
    std::size_t sum = 0;
    for (const auto& [topic, count] : counts) sum += count;
    return sum;
}

// The registry entries papo-server keeps retained on the broker (registry/users/<name>,
// one per user and queue): those before a marker published after the SUBACK.
double retained_users(const target& t) {
    session reader(login_as(t, admin_name, std::string(admin_name) + "~bench-" + random_hex(6), false));
    reader.connect();
    const std::string marker = "bench/marker/" + random_hex(12);
    reader.subscribe({topics::all_registry_users, marker}, 1);
    reader.publish(marker, "{}");
    double count = 0;
    const auto deadline = clock_type::now() + std::chrono::seconds(60);
    while (clock_type::now() < deadline) {
        auto m = reader.next(std::chrono::milliseconds(500));
        if (!m) continue;
        if (m->connection_lost || m->topic == marker) break;
        if (!m->payload.empty()) ++count;
    }
    return count;
}

// How many users and queues papo-server has: queues.ls's rows; when it is not asked or
// answered, its retained registry entries, and users.info of the first and the last
// name made (a missing one fails the step).
double users_present(const target& t, rpc_client& admin, int made, bool ask_queues_ls, std::string& failure) {
    if (const auto rows = ask_queues_ls ? queues_ls(admin, failure) : std::nullopt) return static_cast<double>(rows->size());
    for (int i : {0, made - 1})
        if (i >= 0) admin.call("users.info", {{"name", user_name(i)}}, std::chrono::seconds(30));
    return retained_users(t);
}

}  // namespace

int make_users(const target& t, const std::string& prefix, int from, int to, int clients, clock_type::time_point deadline,
               std::vector<double>& done_at, std::string& failure) {
    std::atomic<int> next{from}, made{0};
    std::atomic<bool> stop{false};
    std::mutex lock;
    done_at.assign(static_cast<std::size_t>(std::max(0, to - from)), 0);
    const auto start = clock_type::now();
    auto work = [&] {
        try {
            // Each its own connection, connected on its own thread (Paho's serial connect stall).
            rpc_client admin(admin_options(t), admin_name);
            for (int i; !stop && (i = next++) < to;) {
                if (clock_type::now() > deadline) {
                    stop = true;
                    break;
                }
                admin.call("users.add", {{"name", prefix + std::to_string(i)}, {"password", bench_password}},
                           std::chrono::seconds(30));
                done_at[static_cast<std::size_t>(made++)] = ms_since(start) / 1000;
            }
        } catch (const std::exception& e) {
            stop = true;
            const std::lock_guard<std::mutex> hold(lock);
            if (failure.empty()) failure = e.what();
        }
    };
    std::vector<std::thread> threads;
    for (int c = 0; c < std::max(1, clients); ++c) threads.emplace_back(work);
    for (auto& thread : threads) thread.join();
    done_at.resize(static_cast<std::size_t>(made.load()));
    return made;
}

measurements request_costs(const target& t, const std::string& name, int requests, const std::string& key,
                           std::string& failure, bool ask_queues_ls) {
    rpc_client admin(admin_options(t), admin_name);
    std::vector<double> info_ms;
    for (int i = 0; i < requests; ++i) {
        const auto start = clock_type::now();
        admin.call("users.info", {{"name", name}}, std::chrono::seconds(30));
        info_ms.push_back(ms_since(start));
    }
    measurements out{{key + "users_info_p50_ms", quantile(info_ms, 0.5)}, {key + "users_info_p99_ms", quantile(info_ms, 0.99)}};
    if (!ask_queues_ls) return out;
    std::vector<double> ls_ms;
    std::size_t rows = 0, bytes = 0;
    for (int i = 0; i < 5; ++i) {
        const auto start = clock_type::now();
        const auto answer = queues_ls(admin, failure);
        if (!answer) {
            out[key + "queues_ls_failed"] = 1;
            return out;
        }
        ls_ms.push_back(ms_since(start));
        rows = answer->size();
        bytes = answer->dump().size();
    }
    out[key + "queues_ls_ms"] = quantile(ls_ms, 0.5);
    out[key + "queues_ls_rows"] = static_cast<double>(rows);
    out[key + "queues_ls_answer_bytes"] = static_cast<double>(bytes);
    out[key + "queues_ls_bytes_per_row"] = rows ? static_cast<double>(bytes) / static_cast<double>(rows) : 0;
    // users.ls: one answer as well, with more per row (created_at, topics).
    const auto users = admin.call("users.ls", {}, std::chrono::seconds(30));
    out[key + "users_ls_bytes_per_row"] = users.empty() ? 0 : static_cast<double>(users.dump().size()) / static_cast<double>(users.size());
    return out;
}

scale_result scale_step(target& t, const server_handle& server, const scale_sizes& n) {
    scale_result out;
    auto& v = out.values;
    const auto start = clock_type::now();
    // Room at the end for the rest (memory, store, restart): each part bounded on its own.
    const auto users_deadline = start + n.bound - std::min<std::chrono::minutes>(std::chrono::minutes(5), n.bound / 4);
    rpc_client admin(admin_options(t), admin_name);
    std::string failure;
    const double existing = static_cast<double>(admin.call("queues.ls", {}, std::chrono::seconds(30)).size());
    const double broker_before = rss_kb(t.broker_pid), server_before = rss_kb(t.server_pid);
    v["server_rss_kb_before"] = server_before;
    v["broker_rss_kb_before"] = broker_before;

    // Users, in two parts: up to the checkpoint (request latency there), then up to N.
    std::vector<double> done_at;
    const int checkpoint = std::min(n.first_checkpoint, n.users);
    const auto make_start = clock_type::now();
    int made = make_users(t, "scale-", 0, checkpoint, n.admin_clients, users_deadline, done_at, failure);
    double made_seconds = ms_since(make_start) / 1000;
    // The checkpoint's queues.ls must fit as well (a smaller --scale-max-packet).
    if (made == checkpoint && failure.empty() && !answer_fits(checkpoint + existing, 70, n.packet_limit_bytes))
        failure = "the checkpoint's queues.ls would not fit the broker's packet limit";
    if (made == checkpoint && failure.empty()) {
        for (const auto& [k, value] : request_costs(t, user_name(0), n.latency_requests, "at_checkpoint_", failure, true))
            v[k] = value;
        v["checkpoint_users"] = checkpoint + existing;
        v["checkpoint_server_rss_kb"] = rss_kb(t.server_pid);
        if (failure.empty() && made < n.users) {
            std::vector<double> more;
            const auto more_start = clock_type::now();
            made += make_users(t, "scale-", checkpoint, n.users, n.admin_clients, users_deadline, more, failure);
            made_seconds += ms_since(more_start) / 1000;
            const double offset = done_at.empty() ? 0 : done_at.back();
            for (double d : more) done_at.push_back(offset + d);
        }
    }
    v["users_made"] = made;
    v["users_asked"] = n.users;
    v["admin_clients"] = n.admin_clients;
    v["users_add_ms_per_user"] = made ? made_seconds * 1000 / made : 0;
    for (int tenth = 0; tenth < 10 && done_at.size() >= 10; ++tenth) {
        const std::size_t from = done_at.size() * static_cast<std::size_t>(tenth) / 10,
                          to = done_at.size() * static_cast<std::size_t>(tenth + 1) / 10;
        const double begin = from ? done_at[from - 1] : 0;
        out.ms_per_user_by_tenth.push_back((done_at[to - 1] - begin) * 1000 / static_cast<double>(to - from));
    }
    if (made < n.users)
        out.notes.push_back("made " + std::to_string(made) + " of " + std::to_string(n.users) + " users: " +
                            (failure.empty() ? "the time bound was hit" : "users.add failed: " + failure));
    failure.clear();

    // At N: every user there, queues.ls, the light request, memory.
    const double users_now = existing + made;
    const double row_bytes = v.count("at_checkpoint_queues_ls_bytes_per_row") ? v["at_checkpoint_queues_ls_bytes_per_row"] : 0;
    const double packet_limit_bytes = n.packet_limit_bytes;
    const bool ls_fits = answer_fits(users_now, row_bytes, packet_limit_bytes);
    if (row_bytes > 0) {
        v["queues_ls_answer_bytes_predicted_at_n"] = users_now * (row_bytes + 2);
        v["queues_ls_fits_up_to_users"] = 0.97 * packet_limit_bytes / (row_bytes + 2);
        const double user_row_bytes = v["at_checkpoint_users_ls_bytes_per_row"];
        if (user_row_bytes > 0) v["users_ls_fits_up_to_users"] = 0.97 * packet_limit_bytes / (user_row_bytes + 2);
    }
    if (!ls_fits)
        out.notes.push_back("queues.ls NOT asked at " + std::to_string(static_cast<long>(users_now)) +
                            " users: its answer (about " + std::to_string(static_cast<long>(users_now * (row_bytes + 2))) +
                            " bytes) is past the broker's packet limit (" + std::to_string(static_cast<long>(packet_limit_bytes)) +
                            " bytes), and such an answer takes papo-server off "
                            "the broker for good (Mosquitto disconnects it for an oversize packet, and it sends the "
                            "same packet again at every reconnect); counts taken from users.info and the queue snapshots");
    const double present = users_present(t, admin, made, ls_fits, failure);
    v["users_present"] = present;
    if (!failure.empty()) out.notes.push_back("queues.ls not answered at " + std::to_string(made) + " users: " + failure);
    if (present != existing + made)
        out.notes.push_back("papo-server lists " + std::to_string(static_cast<long>(present)) + " queues, expected " +
                            std::to_string(static_cast<long>(existing + made)));
    v["users_all_present"] = present == existing + made ? 1 : 0;
    failure.clear();
    if (made > 0) {
        for (const auto& [k, value] : request_costs(t, user_name(made - 1), n.latency_requests, "at_n_", failure, ls_fits))
            v[k] = value;
        if (!failure.empty()) out.notes.push_back("queues.ls at " + std::to_string(made) + " users: " + failure);
        failure.clear();
    }
    const double server_rss = rss_kb(t.server_pid), broker_rss = rss_kb(t.broker_pid);
    v["server_rss_kb"] = server_rss;
    v["server_kb_per_user"] = users_now ? server_rss / users_now : 0;
    v["server_kb_per_user_growth"] = made ? (server_rss - server_before) / made : 0;
    v["broker_rss_kb"] = broker_rss;
    v["broker_kb_per_idle_user"] = made ? (broker_rss - broker_before) / made : 0;

    // The store: K DMs to offline users (never logged in), per_queue each, from one more of them.
    const int queues_needed = (n.waiting_messages + n.per_queue - 1) / std::max(1, n.per_queue);
    // A queue snapshot lists up to 4 MiB of ids (max_snapshot_bytes) whatever the broker's
    // limit: with a smaller --scale-max-packet the snapshots do not fit, so no store step.
    const bool project_packet_limit = n.packet_limit_bytes >= static_cast<double>(max_snapshot_bytes);
    if (!project_packet_limit && n.waiting_messages > 0)
        out.notes.push_back("the store step is skipped with a packet limit under 4 MiB (queue snapshots would not fit)");
    if (made > queues_needed && n.waiting_messages > 0 && project_packet_limit) {
        std::vector<std::string> offline;
        for (int i = 0; i < queues_needed; ++i) offline.push_back(user_name(i));
        const std::string sender = user_name(queues_needed);
        const std::size_t before_waiting = waiting_in(t, admin, offline, ls_fits);
        const double bytes_before = store_bytes(server.state_dir), rss_before = rss_kb(t.server_pid);
        const double db_before = file_bytes(server.state_dir + "/messages.sqlite");
        const std::string payload = encode(make_message(std::string(100, 'x')));
        const auto send_start = clock_type::now();
        {
            session tx(login_as(t, sender, sender + "~bench", false));
            tx.connect();
            for (int i = 0; i < n.waiting_messages; ++i)
                tx.publish_async(topics::inbox(offline[static_cast<std::size_t>(i % queues_needed)], sender),
                                 encode(make_message(std::string(100, 'x'))));
            tx.flush();
        }
        const std::size_t expected = before_waiting + static_cast<std::size_t>(n.waiting_messages);
        std::size_t waiting = 0;
        const auto wait_until = clock_type::now() + std::chrono::minutes(2);
        while ((waiting = waiting_in(t, admin, offline, ls_fits)) < expected && clock_type::now() < wait_until)
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        v["store_sent_to_counted_ms"] = ms_since(send_start);
        // Counted when papo-server took them; its batch commits come within the snapshot interval.
        std::this_thread::sleep_for(std::chrono::seconds(1));
        const double bytes_after = store_bytes(server.state_dir);
        v["store_messages"] = n.waiting_messages;
        v["store_waiting_counted"] = static_cast<double>(waiting - before_waiting);
        v["store_dm_payload_bytes"] = static_cast<double>(payload.size());
        // With the WAL (its pages are copied into the file at checkpoints, then reused), and the file alone.
        v["store_bytes_per_waiting_message"] = (bytes_after - bytes_before) / n.waiting_messages;
        v["store_file_bytes_per_waiting_message"] =
            (file_bytes(server.state_dir + "/messages.sqlite") - db_before) / n.waiting_messages;
        v["store_file_bytes"] = file_bytes(server.state_dir + "/messages.sqlite");
        v["store_wal_bytes"] = file_bytes(server.state_dir + "/messages.sqlite-wal");
        v["server_kb_per_waiting_message"] = (rss_kb(t.server_pid) - rss_before) / n.waiting_messages;
        if (waiting != expected)
            out.notes.push_back("the store step counted " + std::to_string(waiting - before_waiting) + " of " +
                                std::to_string(n.waiting_messages) + " waiting within 2 minutes");
    } else if (n.waiting_messages > 0 && project_packet_limit) {
        out.notes.push_back("the store step needs more than " + std::to_string(queues_needed) + " users: skipped");
    }

    // Restart: SIGTERM, exec again on the same state dir, until it answers a request.
    v["restart_exit_code"] = server.stop();
    const auto exec_at = clock_type::now();
    t.server_pid = server.start();
    std::atomic<double> serving_ms{-1};
    std::thread serving([&] {
        if (server.wait_serving(std::chrono::seconds(120))) serving_ms = ms_since(exec_at);
    });
    double answered_ms = -1;
    {
        rpc_client asker(admin_options(t), admin_name);
        const auto until = exec_at + std::chrono::seconds(120);
        while (clock_type::now() < until) {
            try {
                asker.call("users.info", {{"name", made ? user_name(0) : std::string(admin_name)}}, std::chrono::seconds(1));
                answered_ms = ms_since(exec_at);
                break;
            } catch (const error&) {  // not serving yet: its status says stopped, or no answer
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            }
        }
    }
    serving.join();
    v["restart_to_serving_line_ms"] = serving_ms;
    v["restart_to_first_answer_ms"] = answered_ms;
    if (answered_ms < 0) out.notes.push_back("papo-server did not answer within 120 s of its restart");
    v["server_rss_kb_after_restart"] = rss_kb(t.server_pid);
    if (answered_ms >= 0) {
        rpc_client after(admin_options(t), admin_name);
        v["users_present_after_restart"] = users_present(t, after, made, ls_fits, failure);
        if (v.count("store_messages") && made > queues_needed) {
            std::vector<std::string> offline;
            for (int i = 0; i < queues_needed; ++i) offline.push_back(user_name(i));
            v["store_waiting_after_restart"] = static_cast<double>(waiting_in(t, after, offline, ls_fits));
        }
    }
    v["step_seconds"] = ms_since(start) / 1000;
    return out;
}

}  // namespace papo::bench
