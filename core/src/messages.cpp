#include "papo/messages.h"

#include "papo/clock.h"
#include "papo/error.h"
#include "papo/names.h"

#include <algorithm>
#include <cctype>
#include <type_traits>
#include <utility>

namespace papo {
namespace {

// Throws a papo::error naming the field when it is missing or of the wrong type.
template <typename T>
T required(const nlohmann::json& j, const char* field) {
    if (!j.is_object()) throw error("payload is not a JSON object");
    const auto it = j.find(field);
    if (it == j.end()) throw error(std::string("payload has no \"") + field + "\" field");
    try {
        return it->get<T>();
    } catch (const nlohmann::json::exception&) {
        throw error(std::string("payload field \"") + field + "\" has the wrong type");
    }
}

// A hostile, deeply nested document must not cost recursion: measure before parsing.
constexpr int max_json_depth = 32;
int nesting_depth(std::string_view text) {
    int depth = 0, deepest = 0;
    bool in_string = false, escaped = false;
    for (char ch : text) {
        if (in_string) {
            if (escaped) escaped = false;
            else if (ch == '\\') escaped = true;
            else if (ch == '"') in_string = false;
        } else if (ch == '"') {
            in_string = true;
        } else if (ch == '[' || ch == '{') {
            deepest = std::max(deepest, ++depth);
        } else if (ch == ']' || ch == '}') {
            --depth;
        }
    }
    return deepest;
}

}  // namespace

void to_json(nlohmann::json& j, const chat_message& m) {
    j = {{"id", m.id}, {"text", m.text}, {"sent_at", m.sent_at}};
    if (m.seq) j["seq"] = *m.seq;
    if (m.through) j["through"] = *m.through;
    if (!m.series.empty()) j["series"] = m.series;
}
void from_json(const nlohmann::json& j, chat_message& m) {
    m.id = required<std::string>(j, "id");
    m.text = required<std::string>(j, "text");
    m.sent_at = required<std::string>(j, "sent_at");
    if (m.id.empty() || m.id.size() > 64) throw error("message id must be 1 to 64 characters");
    if (m.text.size() > max_text_bytes) throw error("message text is longer than the limit");
    m.seq.reset();
    m.through.reset();
    for (const char* field : {"seq", "through"}) {
        if (!j.contains(field)) continue;
        if (!j[field].is_number_unsigned()) throw error(std::string("payload field \"") + field + "\" has the wrong type");
        (std::string(field) == "seq" ? m.seq : m.through) = j[field].get<std::uint64_t>();
    }
    m.series = j.contains("series") ? required<std::string>(j, "series") : std::string();
    // It becomes part of a key in the reader's state files: a plain word only.
    const bool plain = std::all_of(m.series.begin(), m.series.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '-' || c == '_';
    });
    if (j.contains("series") && (m.series.empty() || m.series.size() > max_series_bytes || !plain))
        throw error("message series must be 1 to 32 letters, digits, '-' or '_'");
}

void to_json(nlohmann::json& j, const receipt& r) { j = {{"ids", r.ids}}; }
void from_json(const nlohmann::json& j, receipt& r) { r.ids = required<std::vector<std::string>>(j, "ids"); }

void to_json(nlohmann::json& j, const presence& p) {
    j = {{"status", p.online ? "online" : "offline"}, {"since", p.since}};
}
void from_json(const nlohmann::json& j, presence& p) {
    const auto status = required<std::string>(j, "status");
    if (status != "online" && status != "offline") throw error("presence status must be online or offline");
    p.online = status == "online";
    p.since = j.value("since", "");
}

void to_json(nlohmann::json& j, const broker_epoch& e) { j = {{"epoch", e.epoch}, {"since", e.since}}; }
void from_json(const nlohmann::json& j, broker_epoch& e) {
    e.epoch = required<std::string>(j, "epoch");
    if (e.epoch.empty() || e.epoch.size() > 64) throw error("an epoch has 1 to 64 characters");
    e.since = j.value("since", "");
}

void to_json(nlohmann::json& j, const server_status& s) {
    j = {{"state", s.online ? "online" : "offline"}};
    if (!s.since.empty()) j["since"] = s.since;
}
void from_json(const nlohmann::json& j, server_status& s) {
    const auto state = required<std::string>(j, "state");
    if (state != "online" && state != "offline") throw error("a server state is online or offline");
    s.online = state == "online";
    s.since = j.value("since", "");
}

void to_json(nlohmann::json& j, const user_record& u) {
    j = {{"name", u.name}, {"kind", u.is_queue ? "queue" : "user"}, {"created_at", u.created_at},
         {"topics", u.topics}};
}
void from_json(const nlohmann::json& j, user_record& u) {
    u.name = required<std::string>(j, "name");
    u.is_queue = required<std::string>(j, "kind") == "queue";
    u.created_at = required<std::string>(j, "created_at");
    u.topics = j.contains("topics") ? required<std::vector<std::string>>(j, "topics") : std::vector<std::string>{};
}

void to_json(nlohmann::json& j, const topic_record& t) { j = {{"name", t.name}, {"created_at", t.created_at}}; }
void from_json(const nlohmann::json& j, topic_record& t) {
    t.name = required<std::string>(j, "name");
    t.created_at = required<std::string>(j, "created_at");
}

std::size_t queue_snapshot::listed() const {
    std::size_t n = pending.size();
    for (const auto& [sender, ids] : pending_from) n += ids.size();
    return n;
}

void to_json(nlohmann::json& j, const queue_snapshot& q) {
    j = {{"name", q.name},
         {"messages", std::max(q.messages, q.listed())},
         {"bytes", q.bytes},
         {"full", q.full},
         {"pending", q.pending},
         {"pending_from", nlohmann::json::object()}};
    for (const auto& [sender, ids] : q.pending_from)
        if (!ids.empty()) j["pending_from"][sender] = ids;
}
void from_json(const nlohmann::json& j, queue_snapshot& q) {
    q.name = required<std::string>(j, "name");
    q.pending = required<std::vector<std::string>>(j, "pending");
    // Snapshots written before senders were kept have only "pending", and no bytes or full.
    q.pending_from = j.contains("pending_from")
                         ? required<std::map<std::string, std::vector<std::string>>>(j, "pending_from")
                         : std::map<std::string, std::vector<std::string>>{};
    for (const auto& [sender, ids] : q.pending_from)
        if (name_problem(sender)) throw error("payload field \"pending_from\" has a key that is no name");
    if (j.contains("bytes") && !j["bytes"].is_number_unsigned()) throw error("payload field \"bytes\" has the wrong type");
    q.bytes = j.value("bytes", std::uint64_t{0});
    q.full = j.contains("full") ? required<bool>(j, "full") : false;
    // A float such as 1e76 would not convert (undefined behaviour the messages fuzzer found).
    if (j.contains("messages") && !j["messages"].is_number_unsigned())
        throw error("payload field \"messages\" has the wrong type");
    q.messages = std::max(j.value("messages", q.listed()), q.listed());
}

namespace {

// A chat message read straight from its text (nlohmann's SAX events): no document is
// built. Every DM and post is decoded by papo-server and by each reader, and building
// the document was most of that cost (27,500 instructions a message, counted). The
// checks and their order are from_json's; tests/unit/messages_test.cpp holds the two
// to the same answers on hostile input.
class chat_message_reader : public nlohmann::json_sax<nlohmann::json> {
public:
    enum class kind { missing, string, unsigned_number, other };
    struct field {
        kind type = kind::missing;
        std::string text;
        std::uint64_t number = 0;
    };
    field id, text, sent_at, seq, through, series;
    bool object = false;  // the document is an object
    std::string parse_failure;

    bool null() override { return value(kind::other); }
    bool boolean(bool) override { return value(kind::other); }
    bool number_integer(number_integer_t) override { return value(kind::other); }
    bool number_unsigned(number_unsigned_t n) override { return value(kind::unsigned_number, nullptr, n); }
    bool number_float(number_float_t, const string_t&) override { return value(kind::other); }
    bool string(string_t& s) override { return value(kind::string, &s); }
    bool binary(binary_t&) override { return value(kind::other); }
    bool start_object(std::size_t) override { return open(true); }
    bool start_array(std::size_t) override { return open(false); }
    bool end_object() override { return --depth_, true; }
    bool end_array() override { return --depth_, true; }
    bool key(string_t& k) override {
        if (depth_ == 1) current_ = slot(k);
        return true;
    }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
        parse_failure = e.what();
        return false;
    }

private:
    field* slot(const std::string& k) {
        if (k == "id") return &id;
        if (k == "text") return &text;
        if (k == "sent_at") return &sent_at;
        if (k == "seq") return &seq;
        if (k == "through") return &through;
        if (k == "series") return &series;
        return nullptr;
    }
    // A top-level field's value (a later duplicate wins, as in the document).
    bool value(kind type, string_t* s = nullptr, std::uint64_t n = 0) {
        if (!started_) return started_ = true;
        if (depth_ == 1 && current_) {
            current_->type = type;
            current_->text = s ? std::move(*s) : std::string();
            current_->number = n;
            current_ = nullptr;
        }
        return true;
    }
    bool open(bool is_object) {
        if (!started_) {
            started_ = true;
            object = is_object;
        } else {
            value(kind::other);
        }
        ++depth_;
        return true;
    }
    bool started_ = false;
    int depth_ = 0;
    field* current_ = nullptr;
};

chat_message read_chat_message(std::string_view payload) {
    chat_message_reader r;
    if (!nlohmann::json::sax_parse(payload, &r)) throw error("payload is not valid JSON: " + r.parse_failure);
    using kind = chat_message_reader::kind;
    const auto required_text = [&](chat_message_reader::field& f, const char* name) {
        if (!r.object) throw error("payload is not a JSON object");
        if (f.type == kind::missing) throw error(std::string("payload has no \"") + name + "\" field");
        if (f.type != kind::string) throw error(std::string("payload field \"") + name + "\" has the wrong type");
        return std::move(f.text);
    };
    chat_message m;
    m.id = required_text(r.id, "id");
    m.text = required_text(r.text, "text");
    m.sent_at = required_text(r.sent_at, "sent_at");
    if (m.id.empty() || m.id.size() > 64) throw error("message id must be 1 to 64 characters");
    if (m.text.size() > max_text_bytes) throw error("message text is longer than the limit");
    for (auto [f, name] : {std::pair{&r.seq, "seq"}, std::pair{&r.through, "through"}}) {
        if (f->type == kind::missing) continue;
        if (f->type != kind::unsigned_number) throw error(std::string("payload field \"") + name + "\" has the wrong type");
        (f == &r.seq ? m.seq : m.through) = f->number;
    }
    const bool has_series = r.series.type != kind::missing;
    m.series = has_series ? required_text(r.series, "series") : std::string();
    const bool plain = std::all_of(m.series.begin(), m.series.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '-' || c == '_';
    });
    if (has_series && (m.series.empty() || m.series.size() > max_series_bytes || !plain))
        throw error("message series must be 1 to 32 letters, digits, '-' or '_'");
    return m;
}

}  // namespace

template <typename T>
T decode(std::string_view payload, std::size_t limit) {
    if (payload.size() > limit)
        throw error("payload of " + std::to_string(payload.size()) + " bytes is larger than the limit of " +
                    std::to_string(limit));
    if (!is_valid_utf8(payload)) throw error("payload is not valid UTF-8");
    if (nesting_depth(payload) > max_json_depth) throw error("payload JSON is nested too deeply");
    if constexpr (std::is_same_v<T, chat_message>) return read_chat_message(payload);
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(payload);
    } catch (const nlohmann::json::exception& e) {  // parse errors, and numbers like 1e999 (out_of_range)
        throw error(std::string("payload is not valid JSON: ") + e.what());
    }
    try {
        return j.get<T>();
    } catch (const nlohmann::json::exception& e) {  // a field of the wrong type: callers catch papo::error only
        throw error(std::string("payload does not have the expected fields: ") + e.what());
    }
}

template chat_message decode<chat_message>(std::string_view, std::size_t);
template receipt decode<receipt>(std::string_view, std::size_t);
template presence decode<presence>(std::string_view, std::size_t);
template broker_epoch decode<broker_epoch>(std::string_view, std::size_t);
template server_status decode<server_status>(std::string_view, std::size_t);
template user_record decode<user_record>(std::string_view, std::size_t);
template topic_record decode<topic_record>(std::string_view, std::size_t);
template queue_snapshot decode<queue_snapshot>(std::string_view, std::size_t);
template nlohmann::json decode<nlohmann::json>(std::string_view, std::size_t);

std::string encode(const nlohmann::json& j) {
    try {
        return j.dump();
    } catch (const nlohmann::json::type_error&) {  // a string that is not UTF-8
        throw error("text is not valid UTF-8");
    }
}

chat_message make_message(std::string text, std::optional<std::uint64_t> seq) {
    if (text.empty()) throw error("message text is empty");
    if (text.size() > max_text_bytes)
        throw error("message of " + std::to_string(text.size()) + " bytes is longer than the limit of " +
                    std::to_string(max_text_bytes) + " bytes");
    if (!is_valid_utf8(text)) throw error("message text is not valid UTF-8");
    return chat_message{random_id(), std::move(text), now_text(), seq, std::nullopt, ""};
}

}  // namespace papo
