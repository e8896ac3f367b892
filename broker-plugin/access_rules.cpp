#include "access_rules.h"

#include <array>
#include <cstddef>

namespace papo::access {
namespace {

constexpr std::size_t max_levels = 6;

// The first levels of a topic; `count` says how many there were (up to max_levels + 1).
struct levels {
    std::array<std::string_view, max_levels> at{};
    std::size_t count = 0;
};

levels split(std::string_view topic) {
    levels out;
    std::size_t start = 0;
    while (out.count < max_levels) {
        const auto slash = topic.find('/', start);
        out.at[out.count++] = topic.substr(start, slash == std::string_view::npos ? slash : slash - start);
        if (slash == std::string_view::npos) return out;
        start = slash + 1;
    }
    ++out.count;  // more levels than we look at
    return out;
}

verdict only(bool allowed) { return allowed ? verdict::defer : verdict::deny; }

// Reading or subscribing: a filter that could match someone else's private topic is denied.
verdict check_read(std::string_view me, const levels& l) {
    // A wildcard first level covers users/... and server/... of everyone.
    if (l.count >= 1 && (l.at[0] == "#" || l.at[0] == "+")) return verdict::deny;
    if (l.count >= 1 && l.at[0] == "users") {
        if (l.count == 1) return verdict::defer;  // "users" itself is no one's
        return only(l.at[1] == me);
    }
    if (l.count >= 3 && l.at[0] == "server" && l.at[1] == "v1" && l.at[2] == "response") {
        if (l.count == 3) return verdict::defer;
        return only(l.at[3] == me);
    }
    if (l.count >= 1 && l.at[0] == "server") {
        // server/# or server/+/... could cover other users' responses.
        for (std::size_t i = 1; i < l.count && i < max_levels; ++i)
            if (l.at[i] == "#" || l.at[i] == "+") return verdict::deny;
    }
    return verdict::defer;
}

verdict check_write(std::string_view me, const levels& l) {
    if (l.count >= 1 && l.at[0] == "users") {
        if (l.count == 4 && (l.at[2] == "inbox" || l.at[2] == "receipts")) return only(l.at[3] == me);
        return verdict::deny;  // nothing else under users/ is written by users
    }
    if (l.count >= 1 && l.at[0] == "topics") return only(l.count == 3 && l.at[2] == me);
    if (l.count >= 1 && l.at[0] == "presence") return only(l.count == 2 && l.at[1] == me);
    if (l.count >= 3 && l.at[0] == "server" && l.at[1] == "v1" && l.at[2] == "request")
        return only(l.count == 4 && l.at[3] == me);
    if (l.count >= 1 && l.at[0] == "server") return verdict::deny;  // responses and status are papo-server's
    if (l.count >= 1 && l.at[0] == "broker") return verdict::deny;  // the broker's own announcements
    return verdict::defer;
}

}  // namespace

// No papo name holds these; an account that did would turn its name into a wildcard.
static bool unsafe(std::string_view username) { return username.empty() || username.find_first_of("+#/") != std::string_view::npos; }

verdict check_client_id(std::string_view username, std::string_view client_id, std::string_view privileged) {
    if (unsafe(username)) return verdict::deny;
    if (username == privileged) return verdict::defer;
    if (client_id == username) return verdict::defer;
    return only(client_id.size() > username.size() + 1 && client_id.substr(0, username.size()) == username &&
                client_id[username.size()] == '~');
}

verdict check_session(std::string_view username, std::string_view client_id, bool clean_start,
                      std::string_view privileged) {
    if (username == privileged) return verdict::defer;
    return only(!(clean_start && client_id == username));
}

verdict check_topic(std::string_view username, action what, std::string_view topic, std::string_view privileged) {
    if (unsafe(username)) return verdict::deny;
    if (username == privileged) return verdict::defer;
    const levels l = split(topic);
    switch (what) {
        case action::read:
            // Our own post never comes back to us: No Local spares only the connection
            // that published it, and papo posts from helper connections (and devices
            // from any), so the broker refuses its delivery to every session of ours.
            if (l.count == 3 && l.at[0] == "topics" && l.at[2] == username) return verdict::deny;
            return check_read(username, l);
        case action::subscribe: return check_read(username, l);
        case action::write: return check_write(username, l);
        case action::unsubscribe: return verdict::defer;
    }
    return verdict::deny;
}

verdict check_request_delivery(std::string_view username, std::string_view client_id, std::string_view topic,
                               std::string_view privileged) {
    const levels l = split(topic);
    const bool request = l.count >= 3 && l.at[0] == "server" && l.at[1] == "v1" && l.at[2] == "request";
    if (!request) return verdict::defer;
    return username == privileged && client_id == privileged ? verdict::defer : verdict::deny;
}

}  // namespace papo::access
