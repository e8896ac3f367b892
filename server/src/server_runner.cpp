#include "papo/server/server_runner.h"

#include "papo/server/mosquitto_backend.h"
#include "papo/clock.h"
#include "papo/error.h"
#include "papo/log.h"
#include "papo/messages.h"
#include "papo/rpc.h"
#include "papo/topics.h"

#include <atomic>
#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

namespace papo {
namespace {

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

server_runner::server_runner(server_config config) : config_(std::move(config)), core_(config_.limits) {}

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
    // The store's counts are exact; retained snapshots count only for a store made just now
    // (the first start of a papo-server with a store, on an existing broker).
    const bool counts_in_store = store_->existed();
    const auto plan = core_.restore(local ? *local : retained, retained, queues, !counts_in_store);
    if (counts_in_store) {
        std::set<std::string> gone;
        for (const auto& w : store_->waiting()) {
            const user_record* user = core_.state().find_user(w.queue);
            if (user && user->name == w.queue) core_.load_waiting(w.queue, w.sender, w.id, w.bytes);
            else gone.insert(w.queue);
        }
        for (const auto& queue : gone) store_->purge(queue);  // removed while the store was not told
        store_->commit();
    }
    known_epoch_ = store_->meta("broker_epoch");
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

bool server_runner::execute(const std::vector<server_action>& actions, std::string& failure) {
    for (const auto& action : actions) {
        try {
            if (action.type == server_action::kind::publish_retained) {
                publish_options options;
                options.retained = true;
                options.user_properties = action.user_properties;
                out_->publish(action.topic, action.payload, options);
            } else {
                const auto taken = backend_->carry_out(action);
                if (!taken.empty()) keep_taken(action.name, taken);
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
    if (!request.response_topic.empty() && !topics::is_response_topic_of(request.response_topic, route->from)) {
        // Answering would publish, with papo-server's rights, wherever the asker chose.
        ++refused_;
        log_warn("refused a request from " + route->from + ": its response topic '" + request.response_topic +
                 "' is not under " + topics::response(route->from, "") + " (" + std::to_string(refused_) + " so far)");
        return;
    }
    server_plan plan;
    try {
        plan = core_.handle(route->from, decode<nlohmann::json>(request.payload));
    } catch (const error& e) {
        plan.response = make_failure("unknown", error(error_kind::bad_request, std::string("unreadable request: ") + e.what()));
    }
    if (plan.accepted()) {
        // Nothing changes in the registry, in memory or on disk, unless the broker did
        // every part of it: a refused part is undone and the answer says so.
        std::string failure;
        if (!execute(plan.actions, failure)) {
            std::string ignored;
            execute(plan.undo, ignored);
            plan.response = make_failure(plan.command, error(error_kind::broker_refused,
                                                             "the broker did not carry out the change: " + failure));
        } else {
            core_.commit(plan);
            store_plan(plan);
            try {
                // Before answering: an answered change must survive a crash of broker and server together.
                const auto change = core_.take_changes();
                if (!change.empty()) saved_->append(change);
            } catch (const error& e) {
                log_error("cannot save the registry: " + std::string(e.what()));
                plan.response = make_failure(plan.command, error(error_kind::not_saved,
                                                                 std::string("the change is made, but papo-server could not save "
                                                                             "it in its state folder (") +
                                                                     e.what() + "), so it may not survive a crash"));
            }
        }
    }
    if (plan.accepted() && plan.replay) {
        // Into the asker's queue again: a DM on its own topic; a post to its topic (other
        // members drop the repeat).
        try {
            const auto messages = store_->unconfirmed_in(plan.replay->queue, plan.replay->confirmed);
            for (const auto& m : messages) main_->publish_async(m.topic, m.payload);
            main_->flush();
            plan.response["data"] = answers::replayed{plan.replay->queue, messages.size()};
            if (!messages.empty())
                log_info("published " + std::to_string(messages.size()) + " unconfirmed message(s) again for " +
                         plan.replay->queue + ", whose last reader had taken them from the broker");
        } catch (const error& e) {
            plan.response = make_failure(plan.command, error(error_kind::other, std::string("cannot publish them again: ") + e.what()));
        }
    }
    if (plan.accepted() && plan.history) {
        // The posts come from the store, newest `limit`, oldest first.
        const std::size_t limit = plan.history->limit ? std::min(plan.history->limit, config_.history_posts)
                                                      : config_.history_posts;
        answers::history history{plan.history->topic, {}};
        try {
            for (const auto& post : store_->history(plan.history->topic, limit)) {
                try {
                    history.posts.push_back({post.sender, decode<chat_message>(post.payload)});
                } catch (const error&) {
                    // A post papo-server took is one it could decode; skip any that is not.
                }
            }
            // Within the broker's 4 MiB packet: the oldest go first when the posts are large.
            std::size_t bytes = 0;
            for (const auto& post : history.posts) bytes += post.message.text.size() + 256;
            while (!history.posts.empty() && bytes > 3 * 1024 * 1024) {
                bytes -= history.posts.front().message.text.size() + 256;
                history.posts.erase(history.posts.begin());
            }
            plan.response["data"] = history;
        } catch (const error& e) {
            plan.response = make_failure(plan.command, error(error_kind::other, std::string("cannot read the history: ") + e.what()));
        }
    }
    if (request.response_topic.empty()) {
        log_warn("request on " + request.topic + " has no response topic; answered nobody");
        return;
    }
    publish_options options;
    options.correlation_data = request.correlation_data;
    options.expiry_seconds = 60;
    std::string response = encode(plan.response);
    if (response.size() > config_.max_answer_bytes) {
        // The broker would drop papo-server's connection for it, and Paho would send the
        // same packet again at every reconnect: papo-server off the broker for good.
        log_warn("refused to answer " + route->from + "'s " + plan.command + " with " + std::to_string(response.size()) +
                 " bytes, more than --max-answer-bytes " + std::to_string(config_.max_answer_bytes));
        response = encode(make_failure(
            plan.command, error(error_kind::too_many, "the answer would be " + std::to_string(response.size()) +
                                                           " bytes, more than the broker takes in one message (" +
                                                           std::to_string(config_.max_answer_bytes) + ")")));
    }
    try {
        out_->publish_async(request.response_topic, response, options);
    } catch (const error& e) {
        // What the request changed is done and saved; the asker times out and asks again.
        log_warn("could not answer " + route->from + "'s " + plan.command + ": " + e.what());
    }
}

void server_runner::store_plan(const server_plan& plan) {
    using k = server_action::kind;
    try {
        for (const auto& action : plan.actions)
            if (action.type == k::open_queue || action.type == k::wipe_queue) store_->purge(action.name);
        if (plan.counts && plan.counts->purge) store_->purge(plan.counts->queue);
        if (plan.counts && !plan.counts->confirmed.empty()) store_->remove_ids(plan.counts->queue, plan.counts->confirmed);
        commit_store(true);  // answered means done: a purged message must not come back
    } catch (const error& e) {
        log_error("cannot update the message store: " + std::string(e.what()));
    }
}

void server_runner::commit_store(bool now) {
    if (!store_->pending_writes()) return;
    // One fsync per batch: when traffic pauses, or every 512 messages or 20 ms under load.
    if (!now && batch_writes_ < 512 && std::chrono::steady_clock::now() - batch_started_ < std::chrono::milliseconds(20))
        return;
    try {
        store_->commit();
    } catch (const error& e) {
        log_error("cannot save messages in the store: " + std::string(e.what()));
    }
    batch_writes_ = 0;
}

void server_runner::keep_taken(const std::string& queue, const std::vector<inbound>& taken) {
    std::size_t kept = 0;
    for (const auto& message : taken) {
        const auto route = topics::parse(message.topic);
        if (!route) continue;
        try {
            using k = topics::route::kind;
            if ((route->type == k::inbox && route->user == queue) || route->type == k::post) {
                const auto m = decode<chat_message>(message.payload);
                core_.load_waiting(queue, route->from, m.id, message.payload.size());
                store_->add(message.topic, message.payload, route->from, m.id, {queue},
                            route->type == k::post ? route->topic : std::string());
                ++kept;
            }
        } catch (const std::exception& e) {
            log_warn("a message taken from " + queue + "'s session is unreadable: " + e.what());
        }
    }
    if (kept) log_info("kept " + std::to_string(kept) + " message(s) taken from " + queue + "'s session while remaking it");
}

void server_runner::on_epoch(const inbound& message) {
    if (message.payload.empty()) return;
    const auto epoch = decode<broker_epoch>(message.payload).epoch;
    if (!known_epoch_) {
        known_epoch_ = epoch;
        store_->set_meta("broker_epoch", epoch);
        commit_store(true);
        log_info("broker epoch " + epoch);
        return;
    }
    if (epoch == *known_epoch_ || (new_epoch_ && *new_epoch_ == epoch)) return;
    log_warn("the broker restarted (epoch " + *known_epoch_ + " -> " + epoch +
             "): it may have lost messages it had not saved; publishing the unconfirmed ones again");
    new_epoch_ = epoch;
}

bool server_runner::replay() {
    const auto started = std::chrono::steady_clock::now();
    std::vector<std::pair<std::string, queue_subscriptions>> queues;
    for (const auto& [key, user] : core_.state().users()) queues.emplace_back(user.name, server_core::subscriptions_of(user));
    // 1. Every queue session, so that what follows has a session to wait in. Many at once:
    // each is a connection's round trips, and a broker holds thousands.
    std::vector<std::vector<inbound>> taken(queues.size());
    std::atomic<std::size_t> next{0}, failed{0}, in_use{0};
    std::string failure;
    std::mutex failure_guard;
    std::vector<std::thread> workers;
    const std::size_t count = std::min(config_.replay_connections ? config_.replay_connections : 1, queues.size());
    for (std::size_t w = 0; w < count; ++w)
        workers.emplace_back([&] {
            for (std::size_t i; (i = next++) < queues.size();) {
                try {
                    taken[i] = backend_->repair_queue(queues[i].first, queues[i].second, {});
                } catch (const error& e) {
                    // papo_guard refuses to let us take over the user's own live connection:
                    // its papo (or device) holds the session and subscribed it itself.
                    if (e.kind() == error_kind::login_refused) {
                        ++in_use;
                        continue;
                    }
                    ++failed;
                    std::lock_guard<std::mutex> lock(failure_guard);
                    failure = queues[i].first + ": " + e.what();
                }
            }
        });
    for (auto& worker : workers) worker.join();
    for (std::size_t i = 0; i < queues.size(); ++i)
        if (!taken[i].empty()) keep_taken(queues[i].first, taken[i]);
    commit_store(true);
    if (failed) {
        log_warn("could not remake " + std::to_string(failed.load()) + " queue session(s) (" + failure +
                 "); trying again in 2 s");
        return false;
    }
    // 2. What no reader confirmed, in the order it came. Readers drop what they already
    // have (ids are per sender); a post waiting in several queues goes once to its topic.
    const auto messages = store_->unconfirmed();
    std::size_t waiting = 0;
    try {
        for (const auto& m : messages) {
            main_->publish_async(m.topic, m.payload);
            waiting += m.queues.size();
        }
        main_->flush();
    } catch (const error& e) {
        log_warn("lost the broker while publishing the unconfirmed messages again (" + std::string(e.what()) +
                 "); trying again in 2 s");
        return false;
    }
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    log_info("after the broker restart: remade " + std::to_string(queues.size() - in_use) + " queue session(s) (" +
             std::to_string(in_use.load()) + " in use by their own connection) and published " +
             std::to_string(messages.size()) + " unconfirmed message(s) again (" + std::to_string(waiting) +
             " waiting in queues) in " + std::to_string(ms.count()) + " ms");
    return true;
}

void server_runner::dispatch(const inbound& message) {
    const auto route = topics::parse(message.topic);
    if (!route) return;
    using k = topics::route::kind;
    try {
        switch (route->type) {
            case k::request: answer(message); break;
            case k::inbox: {
                const auto dm = decode<chat_message>(message.payload);
                const auto queues = core_.on_direct_message(route->user, route->from, dm.id, message.payload.size());
                store_->add(message.topic, message.payload, route->from, dm.id, queues);
                if (!queues.empty()) ++batch_writes_;
                // A QoS 0 DM is not kept by the broker for an offline reader: papo-server
                // publishes it again at QoS 1 (the reader drops the repeat if it was online).
                if (message.qos == 0 && !queues.empty()) main_->publish_async(message.topic, message.payload);
                break;
            }
            case k::post: {
                const auto post = decode<chat_message>(message.payload);
                const auto queues =
                    core_.on_post(route->topic, route->from, post.id, post.seq, post.series, message.payload.size());
                store_->add(message.topic, message.payload, route->from, post.id, queues, route->topic);
                ++batch_writes_;
                if (message.qos == 0 && !queues.empty()) main_->publish_async(message.topic, message.payload);
                break;
            }
            case k::receipt: {
                const auto ids = decode<receipt>(message.payload).ids;
                core_.on_receipt(route->from, route->user, ids);
                store_->remove(route->from, route->user, ids);
                ++batch_writes_;
                break;
            }
            case k::epoch: on_epoch(message); break;
            case k::presence:
                ++presence_seen_[route->user];
                core_.on_presence(route->user, !message.payload.empty() && decode<presence>(message.payload).online);
                break;
            default: break;
        }
    } catch (const error& e) {
        if (e.kind() == error_kind::storage || e.kind() == error_kind::connection_lost ||
            e.kind() == error_kind::timed_out) {
            log_error("while taking " + message.topic + ": " + e.what());
            return;
        }
        ++malformed_;
        log_warn("ignored malformed message on " + message.topic + ": " + e.what() + " (" +
                 std::to_string(malformed_) + " so far)");
    } catch (const std::exception& e) {  // one bad message never stops the server
        ++malformed_;
        log_warn("ignored malformed message on " + message.topic + ": " + e.what() + " (" +
                 std::to_string(malformed_) + " so far)");
    }
}

bool server_runner::publish_full_states() {
    const auto snapshots = core_.full_queue_snapshots();
    std::string failure;
    if (!execute(snapshots, failure)) return false;
    if (!snapshots.empty())
        log_info("told the broker the full state of " + std::to_string(snapshots.size()) +
                 " queue(s): those full at the limits, and those whose state changed");
    return true;
}

void server_runner::publish_status(bool online, const std::string& since) {
    try {
        publish_options retained;
        retained.retained = true;
        out_->publish(topics::server_status, encode(server_status{online, since}), retained);
    } catch (const error& e) {
        // Askers then wait for their timeout, as without the status.
        log_warn(std::string("could not publish ") + topics::server_status + ": " + e.what());
    }
}

void server_runner::keep_second_watch() {
    if (!second_watch_ || second_watch_subscribed_) return;
    // Never a blocking connect here: the serving loop must go on taking (and storing) what
    // main_ brings while the other node is away. The first connect runs in the background;
    // after it Paho reconnects by itself.
    if (second_watch_connecting_.valid()) {
        if (second_watch_connecting_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return;
        try {
            second_watch_connecting_.get();
            second_watch_connected_once_ = true;
        } catch (const error& e) {
            log_warn(std::string("the second watching session (papo-server~watch) is not up yet: ") + e.what());
            next_second_watch_try_ = std::chrono::steady_clock::now() + std::chrono::seconds(2);
            return;
        }
    }
    if (!second_watch_connected_once_) {
        if (std::chrono::steady_clock::now() < next_second_watch_try_) return;
        session* watch = second_watch_.get();
        second_watch_connecting_ = std::async(std::launch::async, [watch] { watch->connect(); });
        return;
    }
    if (!second_watch_->connected()) return;
    try {
        // What this session's node lost when it died (the subscriptions) is made again.
        second_watch_->subscribe({topics::all_requests, topics::all_inboxes, topics::all_posts, topics::all_receipts,
                                  topics::all_presence},
                                 1, /*no_local=*/true);
        second_watch_subscribed_ = true;
    } catch (const error& e) {
        log_warn(std::string("could not subscribe papo-server~watch again: ") + e.what());
    }
}

std::optional<inbound> server_runner::next_watched(std::chrono::milliseconds timeout) {
    if (!second_watch_ || second_watch_connecting_.valid()) return main_->next(timeout);  // (connect swaps its client)
    const auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (auto message = main_->next(std::chrono::milliseconds(0))) return message;
        if (auto message = second_watch_->next(std::chrono::milliseconds(0))) {
            // Presences in the order one session saw them: the second's only while main_ is away.
            const auto route = message->connection_lost ? std::nullopt : topics::parse(message->topic);
            if (route && route->type == topics::route::kind::presence && main_->connected()) continue;
            if (!message->connection_lost) return message;
            log_warn("the second watching session lost its node; reconnecting");
            second_watch_subscribed_ = false;  // subscribed again once back (its node may have lost them)
            continue;
        }
        if (std::chrono::steady_clock::now() >= until) return std::nullopt;
        if (auto message = main_->next(std::chrono::milliseconds(5))) return message;
    }
}

bool server_runner::first_copy(const inbound& message) {
    if (!second_watch_) return true;
    // A presence is a state, not an event (and comes from one session, next_watched): the
    // same "online" again after papo-server marked its user offline must be taken.
    if (const auto route = topics::parse(message.topic); route && route->type == topics::route::kind::presence) return true;
    const auto now = std::chrono::steady_clock::now();
    while (!recent_order_.empty() &&
           (now - recent_order_.front().first > std::chrono::minutes(2) || recent_order_.size() > 500000)) {
        recent_.erase(recent_order_.front().second);
        recent_order_.pop_front();
    }
    std::string key = message.topic;
    key += '\0';
    key += message.correlation_data;
    key += '\0';
    key += message.payload;
    const std::size_t hash = std::hash<std::string>{}(key);
    if (!recent_.insert(hash).second) return false;
    recent_order_.emplace_back(now, hash);
    return true;
}

void server_runner::check_presence() {
    if (!backend_->loses_wills()) return;
    const auto now = std::chrono::steady_clock::now();
    if (presence_check_.valid()) {
        if (presence_check_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return;
        next_presence_check_ = now + config_.presence_check_interval;
        std::vector<std::string> gone;
        try {
            gone = presence_check_.get();
        } catch (const std::exception& e) {
            log_warn(std::string("could not ask the broker who is connected: ") + e.what());
            return;
        }
        publish_options retained;
        retained.retained = true;
        for (const auto& name : gone) {
            // A presence that came since the question was asked is newer than its answer.
            if (!core_.state().online(name) || presence_seen_[name] != presence_asked_[name]) continue;
            try {
                out_->publish(topics::presence(name), encode(presence{false, now_text()}), retained);
                core_.on_presence(name, false);
                log_info(name + " was online on a broker node that is gone (its will never came): marked offline");
            } catch (const error& e) {
                log_warn("could not mark " + name + " offline: " + e.what());
                return;  // asked again at the next check
            }
        }
        return;
    }
    if (now < next_presence_check_ || !main_->connected()) return;
    next_presence_check_ = now + config_.presence_check_interval;
    const auto online = core_.state().online_users();
    if (online.empty()) return;
    presence_asked_.clear();
    for (const auto& name : online) presence_asked_[name] = presence_seen_[name];
    const broker_backend* backend = backend_.get();
    presence_check_ = std::async(std::launch::async, [backend, online] { return backend->without_session(online); });
}

void server_runner::run(const std::atomic<bool>& stop) {
    saved_ = std::make_unique<registry_file>(config_.state_dir);  // first: refuses a second server on it
    store_ = std::make_unique<message_store>(config_.state_dir, config_.history_posts);
    if (config_.ejabberd) backend_ = std::make_unique<ejabberd_backend>(*config_.ejabberd, config_.ejabberd_other_urls);
    else backend_ = std::make_unique<mosquitto_backend>(options_for("papo-server", false), !config_.no_accounts);
    backend_->prepare();
    const auto repairs = load_registry();
    // Posting rights follow the registry (idempotent: a crash between the two is repaired here).
    std::vector<std::string> topic_names;
    for (const auto& [key, topic] : core_.state().topics()) topic_names.push_back(topic.name);
    backend_->grant_topics(topic_names);
    session_options options = options_for("papo-server", true);
    options.clean_start = false;  // traffic that came while we were down waits in our session
    options.auto_reconnect = true;
    // Whoever asks while we are gone (crashed, cut off) is told so at once.
    options.will = will_message{topics::server_status, encode(server_status{false, ""}), true};
    main_ = std::make_unique<session>(options);
    main_->connect();
    out_ = main_.get();
    if (backend_->publishing_ends_sessions() && !config_.broker.other_brokers.empty()) {
        // The other node first, this one as its fallback.
        auto second = options_for("papo-server~watch", true);
        second.clean_start = false;
        second.auto_reconnect = true;
        second.broker = config_.broker.other_brokers.front();
        second.other_brokers = {config_.broker.broker};
        second_watch_ = std::make_unique<session>(second);
    }
    if (backend_->publishing_ends_sessions()) {
        auto out_options = options_for("papo-server~out", false);
        out_options.auto_reconnect = true;
        own_out_ = std::make_unique<session>(out_options);
        own_out_->connect();
        out_ = own_out_.get();
    }
    const std::vector<std::string> watched{topics::all_requests, topics::all_inboxes, topics::all_posts,
                                           topics::all_receipts, topics::all_presence, topics::broker_epoch};
    // No Local: what papo-server publishes again (a replay, a QoS 0 message) is not taken twice.
    main_->subscribe(watched, 1, /*no_local=*/true);
    // What the broker lost (or kept although removed) is put right before serving.
    std::size_t failed = 0;
    std::string failure;
    for (const auto& action : repairs)
        if (!execute({action}, failure)) ++failed;
    if (failed)
        log_error(std::to_string(failed) + " of " + std::to_string(repairs.size()) + " registry repairs failed");
    // The broker plugin refuses DMs to a full queue by what it heard on registry/queues/+,
    // and it forgets that when the broker restarts: tell it which queues are full (and
    // which stopped being full while we were away, e.g. under other limits).
    if (!publish_full_states())
        log_error("could not tell the broker which queues are full; it learns at each queue's next snapshot");
    const std::string serving_since = now_text();
    publish_status(true, serving_since);
    log_info("papo-server serving on " + options.broker);
    auto next_snapshot = std::chrono::steady_clock::now() + config_.snapshot_interval;
    bool reconnecting = false;
    while (!stop) {
        keep_second_watch();
        auto message = next_watched(std::chrono::milliseconds(store_->pending_writes() ? 0 : 50));
        if (!message) commit_store(true);  // traffic paused: the batch so far becomes durable
        if (message && !message->connection_lost && !store_->pending_writes()) batch_started_ = std::chrono::steady_clock::now();
        if (message && message->connection_lost) {
            log_warn("lost the broker; reconnecting");
            reconnecting = true;
        } else if (message && first_copy(*message)) {
            dispatch(*message);
            // A queue that became full (or stopped being full) is told at once, not at the next snapshot.
            if (main_->connected()) execute(core_.take_full_changes(), failure);
        }
        if (reconnecting && main_->connected()) {
            // A broker that crashed comes back with what it last saved: publish the
            // registry again from memory (retained writes of the same content are harmless).
            // If the broker drops us again meanwhile, the next connection tries again.
            try {
                main_->subscribe(watched, 1, true);  // a broker without our saved session forgot them
                const auto actions = core_.whole_registry();
                // Full states first: the broker refuses DMs by them.
                if (publish_full_states() && execute(actions, failure)) {
                    reconnecting = false;
                    publish_status(true, serving_since);  // a restarted broker may have lost it
                    log_info("reconnected; republished the registry (" + std::to_string(actions.size()) + " entries)");
                }
            } catch (const error& e) {
                log_warn("lost the broker again while reconnecting (" + std::string(e.what()) + "); reconnecting");
            }
        }
        if (own_out_)
            while (own_out_->next(std::chrono::milliseconds(0))) {
                // (it subscribes nothing: only its lost connections, which Paho repairs)
            }
        commit_store(false);
        if (new_epoch_ && !reconnecting && main_->connected() && std::chrono::steady_clock::now() >= next_replay_) {
            if (replay()) {
                known_epoch_ = new_epoch_;
                new_epoch_.reset();
                store_->set_meta("broker_epoch", *known_epoch_);
                commit_store(true);
            } else {
                next_replay_ = std::chrono::steady_clock::now() + std::chrono::seconds(2);
            }
        }
        if (std::chrono::steady_clock::now() >= next_snapshot) {
            if (main_->connected()) execute(core_.take_snapshots(), failure);
            next_snapshot = std::chrono::steady_clock::now() + config_.snapshot_interval;
        }
        check_presence();
    }
    if (presence_check_.valid()) presence_check_.wait();  // it uses the backend
    // Drain what already arrived, then save the counts before leaving.
    while (auto message = next_watched(std::chrono::milliseconds(0))) {
        if (message->connection_lost) break;
        if (first_copy(*message)) dispatch(*message);
    }
    commit_store(true);
    execute(core_.take_snapshots(), failure);
    publish_status(false, "");  // a clean DISCONNECT does not send the will
    if (own_out_) own_out_->disconnect();
    if (second_watch_connecting_.valid()) second_watch_connecting_.wait();
    if (second_watch_) second_watch_->disconnect();
    main_->disconnect();
    backend_.reset();
    log_info("papo-server stopped");
}

}  // namespace papo
