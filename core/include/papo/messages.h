#pragma once
// Every payload on the wire, each type with its JSON beside it.
// topics-schema/*.schema.json is the contract; tests validate what these produce.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace papo {

inline constexpr std::size_t max_text_bytes = 16 * 1024;
inline constexpr std::size_t max_payload_bytes = 64 * 1024;
inline constexpr std::size_t max_series_bytes = 32;

// A direct message or a topic post (payload of users/<to>/inbox/<from> and topics/<t>/<from>).
// The sender is not in the payload: it is the last level of the topic.
struct chat_message {
    std::string id;       // unique per message; receivers drop repeats of an id
    std::string text;     // UTF-8, at most max_text_bytes
    std::string sent_at;  // RFC 3339 UTC, e.g. 2026-11-24T10:00:00.123Z
    std::optional<std::uint64_t> seq;  // per-sender sequence number, when the sender keeps one
    // A DM: every earlier one up to this number has been confirmed by the reader, so a
    // reader that never saw this sender's numbers (a new machine) knows where they start.
    std::optional<std::uint64_t> through;
    std::string series;  // the sender's numbering: seq counts 1, 2, 3... within one series
};
void to_json(nlohmann::json& j, const chat_message& m);
void from_json(const nlohmann::json& j, chat_message& m);

// Payload of users/<sender>/receipts/<reader>: the reader took these messages.
struct receipt {
    std::vector<std::string> ids;
};
void to_json(nlohmann::json& j, const receipt& r);
void from_json(const nlohmann::json& j, receipt& r);

// Payload of presence/<name> (retained).
struct presence {
    bool online = false;
    std::string since;  // when the status changed
};
void to_json(nlohmann::json& j, const presence& p);
void from_json(const nlohmann::json& j, presence& p);

// Payload of broker/epoch (retained), written by the broker plugin papo_guard: a new
// `epoch` each time the broker starts. A change means the broker may have lost what it
// had not saved: papo-server publishes again what waits unconfirmed, clients resend.
struct broker_epoch {
    std::string epoch;  // 32 hex digits
    std::string since;  // when the broker started (UTC)
};
void to_json(nlohmann::json& j, const broker_epoch& e);
void from_json(const nlohmann::json& j, broker_epoch& e);

// Payload of server/v1/status (retained): "online" from papo-server when it serves,
// "offline" from its will (a crash, a lost connection) or from papo-server as it stops.
struct server_status {
    bool online = false;
    std::string since;  // online: when it started serving; may be empty
};
void to_json(nlohmann::json& j, const server_status& s);
void from_json(const nlohmann::json& j, server_status& s);

// Payload of registry/users/<name> (retained): a user, or a named queue that belongs to no user.
struct user_record {
    std::string name;
    bool is_queue = false;            // "kind": "user" | "queue"
    std::string created_at;
    std::vector<std::string> topics;  // topics this user has joined
};
void to_json(nlohmann::json& j, const user_record& u);
void from_json(const nlohmann::json& j, user_record& u);

// Payload of registry/topics/<topic> (retained).
struct topic_record {
    std::string name;
    std::string created_at;
};
void to_json(nlohmann::json& j, const topic_record& t);
void from_json(const nlohmann::json& j, topic_record& t);

// Payload of registry/queues/<name> (retained): the messages that wait in the queue, so
// that papo-server's counts survive its restart, and whether the queue is full (the broker
// refuses DMs to a full queue). Ids are chosen by their senders, so a message is known by
// (sender, id): `pending_from` lists the ids per sender. `pending` holds ids whose sender
// is not known: what papo-server wrote before it kept senders (a plain list of ids).
// A snapshot lists at most max_listed_ids ids (and stays under the packet limit), so that
// one user's flood cannot push it past the broker's packet limit; `messages` and `bytes`
// are then the whole count.
struct queue_snapshot {
    std::string name;
    std::vector<std::string> pending;  // ids of unknown sender (old snapshots)
    std::size_t messages = 0;          // encoded as at least listed()
    std::map<std::string, std::vector<std::string>> pending_from{};  // sender -> ids
    std::uint64_t bytes = 0;  // the payload bytes of the waiting messages; 0 in old snapshots
    bool full = false;        // at or over papo-server's limits; false in old snapshots
    std::size_t listed() const;  // the ids in pending and pending_from
};
inline constexpr std::size_t max_listed_ids = 50000;
// The MQTT v5 user property on every PUBLISH of a queue snapshot (and on the empty
// payload that deletes one): "1" when the queue is full, else "0". The broker plugin
// reads it, so that it need not parse the snapshot.
inline constexpr const char* queue_full_property = "papo-queue-full";
void to_json(nlohmann::json& j, const queue_snapshot& q);
void from_json(const nlohmann::json& j, queue_snapshot& q);

// Parses a payload as T, throwing papo::error with a clear reason when it is not
// UTF-8 JSON of the documented shape or is larger than max_payload_bytes.
template <typename T>
T decode(std::string_view payload, std::size_t limit = max_payload_bytes);

// Registry snapshots (one id per waiting message) and answers listing thousands of
// queues may be larger than a chat payload.
inline constexpr std::size_t max_snapshot_bytes = 4 * 1024 * 1024;

std::string encode(const nlohmann::json& j);

// Builds a new outgoing message with a fresh id and the current time.
// Throws papo::error when the text is empty, too long or not UTF-8.
chat_message make_message(std::string text, std::optional<std::uint64_t> seq = std::nullopt);

}  // namespace papo
