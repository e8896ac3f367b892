#include "papo/server/server_runner.h"

#include "papo/server/broker_security.h"
#include "papo/clock.h"
#include "papo/error.h"
#include "papo/log.h"
#include "papo/messages.h"
#include "papo/rpc.h"
#include "papo/topics.h"

#include <future>
#include <memory>

namespace papo {
namespace {

// Subscribes a queue's session: its inbox and receipts, and its topics with No Local
// (a member's own posts do not come back to it).
void subscribe_queue(session& queue, const std::vector<std::string>& filters) {
    std::vector<std::string> inbox, posts;
    for (const auto& filter : filters) (filter.rfind("topics/", 0) == 0 ? posts : inbox).push_back(filter);
    queue.subscribe(inbox, 1);
    queue.subscribe(posts, 1, /*no_local=*/true);
}

// "a, b, c (+7 more)" for one log line.
std::string some_names(const std::vector<std::string>& names) {
    constexpr std::size_t shown = 10;
    std::string text;
    for (std::size_t i = 0; i < names.size() && i < shown; ++i) text += (i ? ", " : "") + names[i];
    if (names.size() > shown) text += " (+" + std::to_string(names.size() - shown) + " more)";
    return text;
}

std::string describe(const restore_summary& s) {
    std::string text;
    const auto part = [&text](const char* what, const std::vector<std::string>& names) {
        if (!names.empty()) text += std::string(text.empty() ? "" : "; ") + what + " " + some_names(names);
    };
    part("republished users/queues", s.republished_users);
    part("made their queue sessions again", s.remade_queues);
    part("republished topics", s.republished_topics);
    part("removed users/queues again", s.removed_users);
    part("removed topics again", s.removed_topics);
    return text;
}

}  // namespace

server_runner::server_runner(server_config config) : config_(std::move(config)) {}

session_options server_runner::options_for(const std::string& client_id, bool persistent) const {
    session_options options = config_.broker;
    options.client_id = client_id;
    options.persistent = persistent;
    options.clean_start = true;
    options.auto_reconnect = false;
    options.will.reset();
    return options;
}

std::vector<server_action> server_runner::load_registry() {
    // A separate, short-lived connection: the main session delivers its queued
    // traffic at once on connect, and that must be applied to a loaded registry.
    session loader(options_for("papo-server~load-" + random_hex(8), false));
    loader.connect();
    const std::string marker = topics::sync_marker(random_hex(16));
    loader.subscribe({topics::registry_all, marker}, 1);
    // Retained messages are queued to us on SUBSCRIBE; our own marker, published
    // after the SUBACK, arrives behind all of them.
    loader.publish(marker, "{}");
    std::vector<user_record> users;
    std::vector<topic_record> topic_list;
    std::vector<queue_snapshot> queues;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (;;) {
        if (std::chrono::steady_clock::now() > deadline) throw error("timed out loading the registry from the broker");
        auto message = loader.next(std::chrono::milliseconds(500));
        if (!message) continue;
        if (message->connection_lost) throw error("lost the broker while loading the registry");
        if (message->topic == marker) break;
        if (message->payload.empty()) continue;
        auto route = topics::parse(message->topic);
        if (!route) continue;
        try {
            using k = topics::route::kind;
            if (route->type == k::registry_user) users.push_back(decode<user_record>(message->payload));
            if (route->type == k::registry_topic) topic_list.push_back(decode<topic_record>(message->payload));
            if (route->type == k::registry_queue)
                queues.push_back(decode<queue_snapshot>(message->payload, max_snapshot_bytes));
        } catch (const error& e) {
            log_warn("skipping unreadable registry entry " + message->topic + ": " + e.what());
        }
    }
    // papo-server's own copy is the authority: it saw every change that was answered,
    // while a broker that was SIGKILLed lost those since its last autosave.
    const registry_copy retained{users, topic_list};
    const auto local = saved_->load();
    const auto plan = core_.restore(local ? *local : retained, retained, queues);
    const std::string counts = std::to_string(core_.state().users().size()) + " users and queues, " +
                               std::to_string(core_.state().topics().size()) + " topics";
    if (!local) {
        saved_->save(core_.state().copy());
        log_info("registry loaded from the broker (" + counts + "); no saved copy yet, wrote " + saved_->path());
    } else if (plan.summary.empty()) {
        log_info("registry loaded: " + counts + " (the broker's matches " + saved_->path() + ")");
    } else {
        log_info("registry restored from " + saved_->path() + " (" + counts + "); the broker had lost changes: " +
                 describe(plan.summary));
    }
    return plan.actions;
}

void server_runner::save_changes() {
    const auto change = core_.take_changes();
    if (!change.empty()) saved_->append(change);
}

void server_runner::open_queue_session(const std::string& name, const std::vector<std::string>& filters) {
    // Clean start off: Mosquitto 2.0.11 restores a session that was created with clean
    // start ON from its database without its queued messages, so a queue made that way
    // would lose its mail at the first broker restart.
    session_options options = options_for(name, true);
    options.clean_start = false;
    auto queue = std::make_unique<session>(options);
    queue->connect();
    if (queue->session_present()) {
        // A new queue starts empty: wipe what an earlier session of this client id left
        // (a purge, or a name used before), then make the durable session again.
        queue->disconnect();
        queue.reset();
        close_queue_session(name);
        queue = std::make_unique<session>(options);
        queue->connect();
    }
    subscribe_queue(*queue, filters);
    queue->disconnect();
}

void server_runner::repair_queue_session(const std::string& name, const std::vector<std::string>& filters,
                                         const std::vector<std::string>& dropped) {
    // Clean start off and no wipe: the messages waiting in it stay.
    session_options options = options_for(name, true);
    options.clean_start = false;
    session queue(options);
    queue.connect();
    subscribe_queue(queue, filters);
    queue.unsubscribe(dropped);
    queue.disconnect();
}

void server_runner::close_queue_session(const std::string& name) {
    // Clean start with no expiry: the broker drops the session and its messages at disconnect.
    session queue(options_for(name, false));
    queue.connect();
    queue.disconnect();
}

void server_runner::secure(const std::vector<nlohmann::json>& commands) {
    if (commands.empty() || config_.no_accounts) return;
    if (!control_) {
        // Its own connection: dynsec answers on one shared topic, and waiting for that
        // answer must not hold up the traffic queued on the main session.
        session_options options = options_for("papo-server~control", false);
        options.auto_reconnect = true;
        control_ = std::make_unique<session>(options);
        control_->connect();
        control_->subscribe({broker_security::control_response_topic}, 1);
    }
    // Again each time: after the broker restarts, this clean session has forgotten it.
    control_->subscribe({broker_security::control_response_topic}, 1);
    const std::string tag = random_hex(12);
    nlohmann::json batch{{"commands", nlohmann::json::array()}};
    for (auto command : commands) {
        command["correlationData"] = tag;
        batch["commands"].push_back(std::move(command));
    }
    control_->publish(broker_security::control_topic, batch.dump());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        auto message = control_->next(std::chrono::milliseconds(200));
        if (!message) continue;
        if (message->connection_lost) throw error("lost the broker while changing accounts");
        const auto answer = nlohmann::json::parse(message->payload, nullptr, false);
        const auto responses = answer.find("responses");
        if (answer.is_discarded() || responses == answer.end() || !responses->is_array() || responses->empty() ||
            responses->front().value("correlationData", "") != tag)
            continue;  // someone else's answer
        const auto failed = broker_security::failures(answer);
        if (failed.empty()) return;
        std::string text;
        for (const auto& f : failed) text += (text.empty() ? "" : "; ") + f;
        throw error("the broker refused the account change: " + text);
    }
    throw error("the broker's dynamic-security plugin did not answer within 10 s (is it loaded?)");
}

bool server_runner::execute(const std::vector<server_action>& actions, std::string& failure) {
    for (const auto& action : actions) {
        try {
            switch (action.type) {
                case server_action::kind::publish_retained: {
                    publish_options options;
                    options.retained = true;
                    main_->publish(action.topic, action.payload, options);
                    break;
                }
                case server_action::kind::create_queue: open_queue_session(action.name, action.filters); break;
                case server_action::kind::delete_queue: close_queue_session(action.name); break;
                case server_action::kind::secure: secure(action.commands); break;
                case server_action::kind::repair_queue:
                    repair_queue_session(action.name, action.filters, action.dropped_filters);
                    break;
            }
        } catch (const error& e) {
            failure = e.what();
            log_error("action failed: " + failure);
            return false;
        }
    }
    return true;
}

void server_runner::answer(const inbound& request) {
    const auto route = topics::parse(request.topic);
    nlohmann::json body;
    server_outcome outcome;
    try {
        body = decode<nlohmann::json>(request.payload);
        outcome = core_.handle(route->first, body);
    } catch (const error& e) {
        outcome.response = make_failure("unknown", error(error_kind::bad_request, std::string("unreadable request: ") + e.what()));
    }
    // Saving the change (an fdatasync) and carrying it out on the broker (a connection per
    // queue session) each wait on something else: they run at once, the answer waits for both.
    const auto change = core_.take_changes();
    std::future<void> saving;
    if (!change.empty()) saving = std::async(std::launch::async, [this, &change] { saved_->append(change); });
    std::string failure;
    if (!execute(outcome.actions, failure)) {
        const std::string command = outcome.response.value("command", "unknown");
        if (command == "users.add" || command == "queues.add")  // undo the half-made registration
            execute(core_.handle(admin_name, {{"command", command == "users.add" ? "users.rm" : "queues.rm"},
                                              {"name", body.value("name", "")}})
                        .actions,
                    failure);
        outcome.response = make_failure(command, error(error_kind::broker_refused, "the broker did not carry out the change: " + failure));
    }
    try {
        // Before answering: an answered change must survive a crash of broker and server together.
        if (saving.valid()) saving.get();
        save_changes();  // what an undo changed
    } catch (const error& e) {
        log_error("cannot save the registry: " + std::string(e.what()));
        if (outcome.response.value("ok", false))
            outcome.response = make_failure(outcome.response.value("command", "unknown"),
                                            error(error_kind::not_saved, std::string("the change is made, but papo-server could not save it in its "
                                                        "state folder (") +
                                                e.what() + "), so it may not survive a crash"));
    }
    if (request.response_topic.empty()) {
        log_warn("request on " + request.topic + " has no response topic; answered nobody");
        return;
    }
    publish_options options;
    options.correlation_data = request.correlation_data;
    options.expiry_seconds = 60;
    main_->publish_async(request.response_topic, encode(outcome.response), options);
}

void server_runner::dispatch(const inbound& message) {
    const auto route = topics::parse(message.topic);
    if (!route) return;
    using k = topics::route::kind;
    try {
        switch (route->type) {
            case k::request: answer(message); break;
            case k::inbox:
                core_.on_direct_message(route->first, route->second, decode<chat_message>(message.payload).id);
                break;
            case k::post: {
                const auto post = decode<chat_message>(message.payload);
                core_.on_post(route->first, route->second, post.id, post.seq, post.series);
                break;
            }
            case k::receipt: core_.on_receipt(route->second, decode<receipt>(message.payload).ids); break;
            case k::presence:
                core_.on_presence(route->first, !message.payload.empty() && decode<presence>(message.payload).online);
                break;
            default: break;
        }
    } catch (const std::exception& e) {  // one bad message never stops the server
        ++malformed_;
        log_warn("ignored malformed message on " + message.topic + ": " + e.what() + " (" +
                 std::to_string(malformed_) + " so far)");
    }
}

void server_runner::run(const std::atomic<bool>& stop) {
    saved_ = std::make_unique<registry_file>(config_.state_dir);  // first: refuses a second server on it
    const auto repairs = load_registry();
    // Posting rights follow the registry (idempotent: a crash between the two is repaired here).
    std::vector<nlohmann::json> open_topics;
    for (const auto& [key, topic] : core_.state().topics())
        for (auto& command : broker_security::open_topic(topic.name)) open_topics.push_back(std::move(command));
    secure(open_topics);
    session_options options = options_for("papo-server", true);
    options.clean_start = false;  // traffic that came while we were down waits in our session
    options.auto_reconnect = true;
    main_ = std::make_unique<session>(options);
    main_->connect();
    const std::vector<std::string> watched{topics::all_requests, topics::all_inboxes, topics::all_posts,
                                           topics::all_receipts, topics::all_presence};
    main_->subscribe(watched, 1);
    // What the broker lost (or kept although removed) is put right before serving.
    std::size_t failed = 0;
    std::string failure;
    for (const auto& action : repairs)
        if (!execute({action}, failure)) ++failed;
    if (failed)
        log_error(std::to_string(failed) + " of " + std::to_string(repairs.size()) + " registry repairs failed");
    log_info("papo-server serving on " + options.broker);
    auto next_snapshot = std::chrono::steady_clock::now() + config_.snapshot_interval;
    bool reconnecting = false;
    while (!stop) {
        auto message = main_->next(std::chrono::milliseconds(50));
        if (message && message->connection_lost) {
            log_warn("lost the broker; reconnecting");
            reconnecting = true;
        } else if (message) {
            dispatch(*message);
        }
        if (reconnecting && main_->connected()) {
            // A broker that crashed comes back with what it last saved: publish the
            // registry again from memory (retained writes of the same content are harmless).
            reconnecting = false;
            main_->subscribe(watched, 1);  // a broker without our saved session forgot them
            const auto actions = core_.whole_registry();
            if (execute(actions, failure)) log_info("reconnected; republished the registry (" + std::to_string(actions.size()) + " entries)");
        }
        if (std::chrono::steady_clock::now() >= next_snapshot) {
            if (main_->connected()) execute(core_.take_snapshots(), failure);
            next_snapshot = std::chrono::steady_clock::now() + config_.snapshot_interval;
        }
    }
    // Drain what already arrived, then save the counts before leaving.
    while (auto message = main_->next(std::chrono::milliseconds(0))) {
        if (message->connection_lost) break;
        dispatch(*message);
    }
    execute(core_.take_snapshots(), failure);
    main_->disconnect();
    if (control_) control_->disconnect();
    log_info("papo-server stopped");
}

}  // namespace papo
