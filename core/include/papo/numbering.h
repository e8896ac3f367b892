#pragma once
// Whose numbers a message carries. A sender numbers its messages 1, 2, 3... per
// recipient (a DM) or per topic (a post), within one numbering series (its outbox;
// a new outbox starts a new series). Readers keep the highest number seen per key
// and papo-server tells a joining member where each sender's post numbers stand.
#include <string>
#include <string_view>
#include <tuple>

namespace papo {

struct numbering_key {
    std::string sender;
    std::string topic;   // a post's topic; empty for a DM
    std::string series;  // empty when the sender keeps no series (a plain device)

    bool operator<(const numbering_key& o) const {
        return std::tie(sender, topic, series) < std::tie(o.sender, o.topic, o.series);
    }
    bool operator==(const numbering_key& o) const {
        return sender == o.sender && topic == o.topic && series == o.series;
    }

    // The sender's part as topics.join's `numbers` spell it: "<sender>[/<series>]"
    // (names and series cannot hold '/'). The topic is the request's.
    std::string sender_text() const { return series.empty() ? sender : sender + "/" + series; }
    static numbering_key from_sender_text(std::string_view text, std::string topic) {
        const auto slash = text.find('/');
        numbering_key key;
        key.sender = std::string(text.substr(0, slash));
        key.topic = std::move(topic);
        if (slash != std::string_view::npos) key.series = std::string(text.substr(slash + 1));
        return key;
    }
};

}  // namespace papo
