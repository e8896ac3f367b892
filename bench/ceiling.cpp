// papo-server's ceiling: it sees, counts and stores every DM of the whole system, so its
// rate bounds everyone's. Many senders (plain MQTT devices, papo's JSON, no papo
// client) flood DMs into many offline queues; the broker takes them at its own rate,
// and papo-server, whose copies wait in its session meanwhile, has counted and stored
// them all some time later. The raw side sends the same to the same kind of queues on
// bench/... (persistent sessions, offline), which papo-server does not see: the broker
// alone at that load.
#include "ceiling.h"

#include "accounts.h"

#include "papo/clock.h"
#include "papo/error.h"
#include "papo/messages.h"
#include "papo/requests.h"
#include "papo/rpc.h"
#include "papo/server/server_core.h"  // admin_name
#include "papo/topics.h"

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace papo::bench {
namespace {

using clock_type = std::chrono::steady_clock;
constexpr auto bound = std::chrono::seconds(120);

std::string unique_prefix() {
    static int counter = 0;
    return "c" + std::to_string(++counter) + "x" + random_hex(4);
}

// What papo-server counts as waiting in these queues (queues.ls, from its accounting).
std::size_t counted(rpc_client& admin, const std::string& prefix) {
    std::size_t total = 0;
    for (const auto& row : admin.ask(requests::queues_ls{}, std::chrono::seconds(30)))
        if (row.name.rfind(prefix, 0) == 0) total += row.messages;
    return total;
}

}  // namespace

measurements server_ceiling(const target& t, bool papo_side, int messages, int senders, int queues) {
    session_options admin_options = login_as(t, admin_name, "", false);
    admin_options.timeout = std::chrono::seconds(30);
    rpc_client admin(admin_options, admin_name);
    const std::string prefix = unique_prefix();
    std::vector<std::string> senders_names, queue_names;
    for (int i = 0; i < senders; ++i) senders_names.push_back(prefix + "-s" + std::to_string(i));
    for (int i = 0; i < queues; ++i) queue_names.push_back(prefix + "-q" + std::to_string(i));
    if (papo_side || t.accounts)
        for (const auto& name : senders_names) admin.call("users.add", {{"name", name}, {"password", bench_password}});
    for (const auto& name : queue_names) {
        if (papo_side || t.accounts) admin.call("users.add", {{"name", name}, {"password", bench_password}});
        if (!papo_side) {  // the raw queue: a persistent session subscribed, then offline
            session q(login_as(t, name, name, true));
            q.connect();
            q.subscribe({"bench/ceiling/" + name}, 1);
            q.disconnect();
        }
    }
    std::vector<std::unique_ptr<session>> devices;
    for (const auto& name : senders_names) {
        devices.push_back(std::make_unique<session>(login_as(t, name, name + "~device", false)));
        devices.back()->connect();
    }
    const double broker_cpu = broker_cpu_ms(t), server_cpu = cpu_ms(t.server_pid);
    const auto start = clock_type::now();
    std::vector<std::thread> threads;
    std::atomic<bool> failed{false};
    const int each = messages / senders;
    const std::string body(100, 'x');
    for (int s = 0; s < senders; ++s)
        threads.emplace_back([&, s] {
            try {
                for (int i = 0; i < each; ++i) {
                    const auto& queue = queue_names[static_cast<std::size_t>((s + i) % queues)];
                    const std::string topic =
                        papo_side ? topics::inbox(queue, senders_names[static_cast<std::size_t>(s)]) : "bench/ceiling/" + queue;
                    devices[static_cast<std::size_t>(s)]->publish_async(topic, papo_side ? encode(make_message(body)) : body);
                }
                devices[static_cast<std::size_t>(s)]->flush();
            } catch (const error&) {
                failed = true;
            }
        });
    for (auto& thread : threads) thread.join();
    if (failed) throw error("a sender lost the broker");
    const auto accepted = clock_type::now();  // every publish acknowledged by the broker
    const std::size_t total = static_cast<std::size_t>(each) * static_cast<std::size_t>(senders);
    auto stored = accepted;
    if (papo_side) {
        for (;;) {
            const std::size_t seen = counted(admin, prefix);
            stored = clock_type::now();
            if (seen == total) break;
            if (seen > total) throw error("papo-server counted " + std::to_string(seen) + " of " + std::to_string(total));
            if (stored - start > bound)
                throw error("papo-server counted " + std::to_string(seen) + " of " + std::to_string(total) + " within " +
                            std::to_string(bound.count()) + " s");
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    const auto seconds = [&](clock_type::time_point end) { return std::chrono::duration<double>(end - start).count(); };
    const double server_ms = cpu_ms(t.server_pid) - server_cpu, broker_ms = broker_cpu_ms(t) - broker_cpu;
    for (auto& d : devices) d->disconnect();
    // The queues go again: the next run starts from the same papo-server.
    if (papo_side)
        for (const auto& name : queue_names) admin.call("users.rm", {{"name", name}}, std::chrono::seconds(30));
    return {{"broker_accepted_per_s", static_cast<double>(total) / seconds(accepted)},
            {"server_counted_per_s", static_cast<double>(total) / seconds(stored)},
            {"server_cpu_us_per_msg", server_ms * 1000 / static_cast<double>(total)},
            {"broker_cpu_us_per_msg", broker_ms * 1000 / static_cast<double>(total)}};
}

}  // namespace papo::bench
