#include "papo/client/outbox.h"

#include "papo/clock.h"
#include "papo/error.h"
#include "papo/state_file.h"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace papo {
namespace {

using json = nlohmann::json;

// An exclusive flock on the outbox file for one read-modify-append.
class locked_file {
public:
    explicit locked_file(const std::string& path) {
        for (;;) {
            fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND, 0600);
            if (fd_ < 0) throw error("cannot open the outbox " + path + ": " + std::strerror(errno) + "; the message was not sent");
            ::flock(fd_, LOCK_EX);
            // Another process may have compacted (renamed a new file into place) while
            // we waited: then our descriptor is the old file, and we start again.
            struct stat held {}, named {};
            if (::fstat(fd_, &held) == 0 && ::stat(path.c_str(), &named) == 0 && held.st_ino == named.st_ino) return;
            ::flock(fd_, LOCK_UN);
            ::close(fd_);
        }
    }
    ~locked_file() {
        ::flock(fd_, LOCK_UN);
        ::close(fd_);
    }
    locked_file(const locked_file&) = delete;
    locked_file& operator=(const locked_file&) = delete;

    void append(const std::vector<json>& lines) {
        std::string text;
        for (const auto& line : lines) text += line.dump() + "\n";
        if (text.empty()) return;
        // A crash mid-write can leave a torn last line; start ours on a line of its own.
        struct stat info {};
        char last = '\n';
        if (::fstat(fd_, &info) == 0 && info.st_size > 0) ::pread(fd_, &last, 1, info.st_size - 1);
        if (last != '\n') text.insert(0, "\n");
        errno = 0;
        if (::write(fd_, text.data(), text.size()) != static_cast<ssize_t>(text.size()) || ::fdatasync(fd_) != 0) {
            const int why = errno;  // a short write leaves errno 0: it ran out of room
            throw error(std::string("cannot write the outbox: ") + std::strerror(why ? why : ENOSPC) +
                        "; the message was not sent");
        }
    }

    struct stat status() const {
        struct stat info {};
        ::fstat(fd_, &info);
        return info;
    }

private:
    int fd_ = -1;
};

// DMs are numbered per recipient, posts per topic ('#' cannot start a name).
std::string numbering_key(const outbox_entry& e) { return e.topic.empty() ? e.to : "#" + e.topic; }

struct replayed {
    std::vector<outbox_entry> pending;          // in order of sending
    std::map<std::string, std::time_t> tried;   // id -> last (re)send, seconds
    std::map<std::string, std::uint64_t> seq;   // recipient -> last sequence number used
    std::map<std::string, std::uint64_t> lowest_pending;  // recipient -> lowest number not confirmed
    std::size_t lines = 0;
};

// The outbox is a log of {"add":...}, {"done":id} and {"try":id,"at":s} lines.
replayed replay(const std::string& file) {
    replayed r;
    std::ifstream in(file);
    std::map<std::string, std::size_t> index;
    std::vector<bool> done;
    for (std::string line; std::getline(in, line);) {
        ++r.lines;
        const auto j = json::parse(line, nullptr, false);
        if (j.is_discarded() || !j.is_object()) continue;  // a torn last line after a crash
        if (j.contains("add") && j["add"].is_object()) {
            const auto& a = j["add"];
            outbox_entry e;
            e.to = a.value("to", "");
            e.topic = a.value("topic", "");
            if (a.contains("waiting") && a["waiting"].is_array())
                for (const auto& m : a["waiting"])
                    if (m.is_string()) e.waiting.push_back(m.get<std::string>());
            e.id = a.value("id", "");
            e.text = a.value("text", "");
            e.sent_at = a.value("sent_at", "");
            e.seq = a.value("seq", std::uint64_t{0});
            e.unchecked = a.value("unchecked", false);
            r.seq[numbering_key(e)] = std::max(r.seq[numbering_key(e)], e.seq);
            if (e.id.empty() || index.count(e.id)) continue;
            index[e.id] = r.pending.size();
            r.pending.push_back(std::move(e));
            done.push_back(false);
            r.tried[r.pending.back().id] = a.value("at", std::time_t{0});
        } else if (j.contains("done") && j["done"].is_string()) {
            const auto it = index.find(j["done"].get<std::string>());
            if (it != index.end()) done[it->second] = true;
        } else if (j.contains("got") && j["got"].is_string()) {  // one member confirmed a post
            const auto it = index.find(j["got"].get<std::string>());
            if (it != index.end()) {
                auto& waiting = r.pending[it->second].waiting;
                waiting.erase(std::remove(waiting.begin(), waiting.end(), j.value("reader", "")), waiting.end());
            }
        } else if (j.contains("checked") && j["checked"].is_string()) {
            const auto it = index.find(j["checked"].get<std::string>());
            if (it != index.end()) {
                auto& e = r.pending[it->second];
                e.to = j.value("to", e.to);
                e.topic = j.value("topic", e.topic);
                if (j.contains("waiting") && j["waiting"].is_array()) {
                    e.waiting.clear();
                    for (const auto& m : j["waiting"])
                        if (m.is_string()) e.waiting.push_back(m.get<std::string>());
                }
                e.unchecked = false;
            }
        } else if (j.contains("seq") && j["seq"].is_object()) {  // kept by compaction
            const std::string to = j["seq"].value("to", "");
            r.seq[to] = std::max(r.seq[to], j["seq"].value("n", std::uint64_t{0}));
        } else if (j.contains("try") && j["try"].is_string()) {
            r.tried[j["try"].get<std::string>()] = j.value("at", std::time_t{0});
        }
    }
    std::vector<outbox_entry> still;
    for (std::size_t i = 0; i < r.pending.size(); ++i)
        if (!done[i]) still.push_back(std::move(r.pending[i]));
    r.pending = std::move(still);
    for (const auto& e : r.pending) {
        if (!e.topic.empty() || !e.seq) continue;
        auto& lowest = r.lowest_pending[e.to];
        if (!lowest || e.seq < lowest) lowest = e.seq;
    }
    for (auto& e : r.pending)
        if (e.topic.empty() && e.seq) e.through = r.lowest_pending[e.to] - 1;
    return r;
}

json add_line(const outbox_entry& e, std::time_t at) {
    json add{{"to", e.to}, {"id", e.id}, {"text", e.text}, {"sent_at", e.sent_at}, {"seq", e.seq}, {"at", at}};
    if (!e.topic.empty()) {
        add["topic"] = e.topic;
        add["waiting"] = e.waiting;
    }
    if (e.unchecked) add["unchecked"] = true;
    return {{"add", add}};
}

// Rewrites the file with only what is pending, once it is mostly history.
void compact(const std::string& file, const replayed& r) {
    if (r.lines < 1000 || r.lines < 4 * r.pending.size()) return;
    std::string text;
    for (const auto& [to, n] : r.seq) text += json{{"seq", {{"to", to}, {"n", n}}}}.dump() + "\n";
    for (const auto& e : r.pending) {
        const auto it = r.tried.find(e.id);
        text += add_line(e, it == r.tried.end() ? 0 : it->second).dump() + "\n";
    }
    replace_file(file, text, /*durable=*/true);  // if it cannot, the long file stays: no entry is lost
}

}  // namespace

outbox::outbox(std::string state_dir) : file_(std::move(state_dir) + "/outbox.jsonl") {}

outbox_entry outbox::add(const outbox_entry& entry) {
    locked_file f(file_);
    const auto before = f.status();
    if (before.st_ino != numbering_.inode || before.st_size != numbering_.size) {  // changed since we last knew
        auto r = replay(file_);
        numbering_.last = std::move(r.seq);
        numbering_.lowest_pending = std::move(r.lowest_pending);
        numbering_.inode = before.st_ino;
    }
    outbox_entry numbered = entry;
    const std::string key = numbering_key(entry);
    numbered.seq = ++numbering_.last[key];
    // An unchecked one was never published: it is due at the first chance (at 0).
    f.append({add_line(numbered, entry.unchecked ? 0 : std::time(nullptr))});
    numbering_.size = f.status().st_size;
    if (entry.topic.empty()) {
        auto& lowest = numbering_.lowest_pending[key];
        if (!lowest) lowest = numbered.seq;
        numbered.through = lowest - 1;
    }
    return numbered;
}

chat_message outbox::published(const outbox_entry& e) {
    chat_message m{e.id, e.text, e.sent_at, std::nullopt, std::nullopt, ""};
    if (!e.seq) return m;
    m.seq = e.seq;
    if (e.topic.empty()) m.through = e.through;
    m.series = series();
    return m;
}

std::string outbox::series() {
    if (!series_.empty()) return series_;
    const std::string path = file_.substr(0, file_.size() - std::string(".jsonl").size()) + ".series";
    const auto read = [&path] {
        std::string word;
        std::ifstream(path) >> word;
        return word;
    };
    series_ = read();
    if (!series_.empty()) return series_;
    // Made whole beside it, then linked into place: of two papo processes making it at
    // once, one wins and both read the winner's.
    const std::string temp = path + "." + random_hex(8);
    {
        std::ofstream out(temp, std::ios::trunc);
        out << random_hex(16) << "\n";
    }
    const int fd = ::open(temp.c_str(), O_RDONLY);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
    ::link(temp.c_str(), path.c_str());
    std::remove(temp.c_str());
    series_ = read();
    if (series_.empty()) throw error("cannot keep the outbox's series in " + path + ": " + std::strerror(errno));
    return series_;
}

void outbox::checked(const std::string& id, const std::string& registered_name) {
    locked_file f(file_);
    f.append({{{"checked", id}, {"to", registered_name}}});
}

void outbox::checked_post(const std::string& id, const std::string& topic, const std::vector<std::string>& waiting) {
    locked_file f(file_);
    f.append({{{"checked", id}, {"topic", topic}, {"waiting", waiting}}});
}

void outbox::drop(const std::string& id) {
    locked_file f(file_);
    f.append({{{"done", id}}});
}

std::vector<outbox_entry> outbox::confirm(const std::string& reader, const std::vector<std::string>& ids) {
    locked_file f(file_);
    const auto r = replay(file_);
    const std::set<std::string> named(ids.begin(), ids.end());
    std::vector<outbox_entry> confirmed;
    std::vector<json> lines;
    for (const auto& e : r.pending) {
        if (!named.count(e.id)) continue;
        if (e.topic.empty()) {
            if (e.to != reader) continue;  // only its recipient confirms a DM
            confirmed.push_back(e);
            lines.push_back({{"done", e.id}});
        } else if (std::find(e.waiting.begin(), e.waiting.end(), reader) != e.waiting.end()) {
            if (e.waiting.size() == 1) {  // the last member it waited for
                confirmed.push_back(e);
                lines.push_back({{"done", e.id}});
            } else {
                lines.push_back({{"got", e.id}, {"reader", reader}});
            }
        }
    }
    f.append(lines);
    return confirmed;
}

std::vector<outbox_entry> outbox::pending() const {
    locked_file f(file_);
    return replay(file_).pending;
}

std::vector<outbox_entry> outbox::due_for_resend(std::chrono::seconds quiet) {
    locked_file f(file_);
    auto r = replay(file_);
    const std::time_t now = std::time(nullptr);
    std::vector<outbox_entry> due;
    std::vector<json> lines;
    for (const auto& e : r.pending) {
        const auto it = r.tried.find(e.id);
        if (it != r.tried.end() && now - it->second < quiet.count()) continue;
        due.push_back(e);
        lines.push_back({{"try", e.id}, {"at", now}});
    }
    f.append(lines);
    // The file is now what was replayed plus these "try" lines: no need to read it again.
    for (const auto& e : due) r.tried[e.id] = now;
    r.lines += lines.size();
    compact(file_, r);
    return due;
}

}  // namespace papo
