#include "papo/client/seq_from.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <sstream>

namespace papo {
namespace {

// The older text format's key: "<sender>[#<topic>][/<series>]" (names and series hold
// neither '#' nor '/'). Read only, never written.
numbering_key legacy_key(const std::string& text) {
    numbering_key key;
    const auto hash = text.find('#');
    const auto slash = text.find('/', hash == std::string::npos ? 0 : hash);
    key.sender = text.substr(0, std::min(hash, slash));
    if (hash != std::string::npos) key.topic = text.substr(hash + 1, slash == std::string::npos ? std::string::npos : slash - hash - 1);
    if (slash != std::string::npos) key.series = text.substr(slash + 1);
    return key;
}

}  // namespace

std::string seq_from_line(const number_record& record) {
    nlohmann::json j;
    if (record.what == number_record::kind::numbered_topic) {
        j["numbered_topic"] = record.key.topic;
    } else {
        j["from"] = record.key.sender;
        if (!record.key.topic.empty()) j["topic"] = record.key.topic;
        if (!record.key.series.empty()) j["series"] = record.key.series;
        if (record.what == number_record::kind::before_join) j["before_join"] = true;
    }
    j["n"] = record.n;
    return j.dump();
}

std::optional<number_record> parse_seq_from_line(const std::string& line) {
    if (line.empty()) return std::nullopt;
    number_record record;
    if (line[0] == '{') {
        const auto j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_discarded() || !j.is_object() || !j.contains("n") || !j["n"].is_number_unsigned()) return std::nullopt;
        record.n = j["n"].get<std::uint64_t>();
        if (j.contains("numbered_topic") && j["numbered_topic"].is_string()) {
            record.what = number_record::kind::numbered_topic;
            record.key.topic = j["numbered_topic"].get<std::string>();
            return record;
        }
        if (!j.contains("from") || !j["from"].is_string()) return std::nullopt;
        record.key.sender = j["from"].get<std::string>();
        record.key.topic = j.value("topic", "");
        record.key.series = j.value("series", "");
        if (j.value("before_join", false)) record.what = number_record::kind::before_join;
        return record;
    }
    std::istringstream words(line);
    std::string key;
    if (!(words >> key >> record.n) || key.empty()) return std::nullopt;
    if (key[0] == '@') {
        record.what = number_record::kind::numbered_topic;
        record.key.topic = key.substr(1);
    } else if (key[0] == '^') {
        record.what = number_record::kind::before_join;
        record.key = legacy_key(key.substr(1));
    } else {
        record.key = legacy_key(key);
    }
    return record;
}

void numbers_memory::apply(const number_record& r) {
    switch (r.what) {
        case number_record::kind::numbered_topic:
            if (r.n) numbered_topics.insert(r.key.topic);
            else numbered_topics.erase(r.key.topic);
            break;
        case number_record::kind::before_join:
            if (r.n) before_join[r.key] = r.n;
            else before_join.erase(r.key);
            break;
        case number_record::kind::last_shown:
            if (r.n == 0) last_shown.erase(r.key);  // forgotten (a topic joined or left)
            else last_shown[r.key] = std::max(last_shown[r.key], r.n);
            break;
    }
}

std::vector<number_record> numbers_memory::records() const {
    std::vector<number_record> out;
    for (const auto& topic : numbered_topics) {
        number_record r{number_record::kind::numbered_topic, {}, 1};
        r.key.topic = topic;
        out.push_back(r);
    }
    for (const auto& [key, n] : before_join) out.push_back({number_record::kind::before_join, key, n});
    for (const auto& [key, n] : last_shown) out.push_back({number_record::kind::last_shown, key, n});
    return out;
}

}  // namespace papo
