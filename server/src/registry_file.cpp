#include "papo/server/registry_file.h"

#include "papo/error.h"
#include "papo/names.h"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace papo {
namespace {

using json = nlohmann::json;

constexpr const char* version_field = "papo-server-registry";
constexpr int format_version = 1;

std::string reason() { return std::strerror(errno); }

void write_all(int fd, const std::string& text, const std::string& path) {
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw error(error_kind::storage, "cannot write " + path + ": " + reason());
        done += static_cast<std::size_t>(n);
    }
}

// mkdir -p; the folders it makes are private (0700): the copy names every user.
void make_dirs(const std::string& dir) {
    for (std::size_t slash = dir.find('/', 1);; slash = dir.find('/', slash + 1)) {
        const std::string part = dir.substr(0, slash);
        if (!part.empty() && ::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST)
            throw error(error_kind::storage, "cannot create the state folder " + part + ": " + reason());
        if (slash == std::string::npos) break;
    }
    struct stat info {};
    if (::stat(dir.c_str(), &info) != 0 || !S_ISDIR(info.st_mode))
        throw error(error_kind::storage, "the state folder " + dir + " is not a folder");
}

json change_line(const registry_change& change) {
    json line = json::object();
    if (!change.users.empty()) line["users"] = change.users;
    if (!change.topics.empty()) line["topics"] = change.topics;
    if (!change.removed_users.empty()) line["removed_users"] = change.removed_users;
    if (!change.removed_topics.empty()) line["removed_topics"] = change.removed_topics;
    return line;
}

registry_change parse_change(const json& line) {
    if (!line.is_object()) throw error(error_kind::storage, "not a JSON object");
    registry_change change;
    if (line.contains("users")) change.users = line["users"].get<std::vector<user_record>>();
    if (line.contains("topics")) change.topics = line["topics"].get<std::vector<topic_record>>();
    if (line.contains("removed_users")) change.removed_users = line["removed_users"].get<std::vector<std::string>>();
    if (line.contains("removed_topics")) change.removed_topics = line["removed_topics"].get<std::vector<std::string>>();
    return change;
}

}  // namespace

registry_file::registry_file(std::string state_dir) : dir_(std::move(state_dir)) {
    if (dir_.empty()) dir_ = ".";
    while (dir_.size() > 1 && dir_.back() == '/') dir_.pop_back();
    path_ = dir_ + "/registry.jsonl";
    make_dirs(dir_);
    lock_fd_ = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (lock_fd_ < 0) throw error(error_kind::storage, "cannot open the state folder " + dir_ + ": " + reason());
    if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
        ::close(lock_fd_);
        throw error(error_kind::storage, "another papo-server uses the state folder " + dir_);
    }
}

registry_file::~registry_file() {
    if (journal_fd_ >= 0) ::close(journal_fd_);
    if (lock_fd_ >= 0) ::close(lock_fd_);  // also releases the lock
}

std::optional<registry_copy> registry_file::load() {
    const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return std::nullopt;
        throw error(error_kind::storage, "cannot read " + path_ + ": " + reason());
    }
    std::string text;
    char buffer[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            ::close(fd);
            throw error(error_kind::storage, "cannot read " + path_ + ": " + reason());
        }
        if (n == 0) break;
        text.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);

    users_.clear();
    topics_.clear();
    lines_ = 0;
    bool torn = false;
    std::size_t start = 0;
    for (std::size_t number = 1; start < text.size(); ++number) {
        const std::size_t end = text.find('\n', start);
        if (end == std::string::npos) {  // no newline: the last append was cut short, never confirmed
            torn = true;
            break;
        }
        const std::string line = text.substr(start, end - start);
        start = end + 1;
        ++lines_;
        const auto where = [&] { return path_ + " line " + std::to_string(number); };
        const json parsed = json::parse(line, nullptr, false);
        if (number == 1) {
            if (parsed.is_discarded() || !parsed.is_object() || !parsed.contains(version_field) ||
                !parsed[version_field].is_number_integer())
                throw error(path_ + " is not papo-server's registry copy (no version line); move it away to start "
                                    "from the broker's retained registry");
            if (parsed[version_field].get<int>() != format_version)
                throw error(path_ + " has format version " + parsed[version_field].dump() +
                            "; this papo-server reads " + std::to_string(format_version));
            continue;
        }
        registry_change change;
        try {
            if (parsed.is_discarded()) throw error(error_kind::storage, "not JSON");
            change = parse_change(parsed);
        } catch (const std::exception& e) {  // papo::error or a JSON type error
            // Only the last append can have been cut off (by a power loss, even with its
            // newline in place): it was never confirmed. Damage before it is not guessed at.
            if (start >= text.size()) {
                torn = true;
                break;
            }
            throw error(where() + " is damaged (" + e.what() + "); fix it, or move the file away to start from "
                                  "the broker's retained registry");
        }
        apply(change);
    }
    // The file is made whole by a rename, so it always has its version line.
    if (lines_ == 0)
        throw error(path_ + " is empty or cut short; move it away to start from the broker's retained registry");
    if (torn) rewrite();  // appending after the torn bytes would damage the next line
    else {
        journal_fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
        if (journal_fd_ < 0) throw error(error_kind::storage, "cannot open " + path_ + " for writing: " + reason());
    }
    registry_copy copy;
    for (const auto& [key, user] : users_) copy.users.push_back(user);
    for (const auto& [key, topic] : topics_) copy.topics.push_back(topic);
    return copy;
}

void registry_file::save(const registry_copy& copy) {
    users_.clear();
    topics_.clear();
    for (const auto& user : copy.users) users_[name_key(user.name)] = user;
    for (const auto& topic : copy.topics) topics_[name_key(topic.name)] = topic;
    rewrite();
}

void registry_file::append(const registry_change& change) {
    if (journal_fd_ < 0 && !needs_rewrite_) throw error(error_kind::storage, "registry_file: load() or save() first");
    apply(change);
    if (change.empty() && !needs_rewrite_) return;
    const std::size_t live = users_.size() + topics_.size();
    if (needs_rewrite_ || lines_ + 1 > 2 * live + 64) {
        rewrite();
        return;
    }
    const std::string line = change_line(change).dump() + "\n";
    struct stat before {};
    ::fstat(journal_fd_, &before);
    try {
        write_all(journal_fd_, line, path_);
        if (::fdatasync(journal_fd_) != 0) throw error(error_kind::storage, "cannot sync " + path_ + ": " + reason());
    } catch (const error&) {
        // Cut the partial line off; if even that fails, the next change rewrites the file.
        if (::ftruncate(journal_fd_, before.st_size) != 0 || ::fdatasync(journal_fd_) != 0) needs_rewrite_ = true;
        throw;
    }
    ++lines_;
}

void registry_file::apply(const registry_change& change) {
    for (const auto& name : change.removed_users) users_.erase(name_key(name));
    for (const auto& name : change.removed_topics) topics_.erase(name_key(name));
    for (const auto& user : change.users) users_[name_key(user.name)] = user;
    for (const auto& topic : change.topics) topics_[name_key(topic.name)] = topic;
}

void registry_file::rewrite() {
    needs_rewrite_ = true;  // until the new file is in place
    std::string text = json{{version_field, format_version}}.dump() + "\n";
    std::size_t lines = 1;
    for (const auto& [key, topic] : topics_) {
        text += json{{"topics", json::array({topic})}}.dump() + "\n";
        ++lines;
    }
    for (const auto& [key, user] : users_) {
        text += json{{"users", json::array({user})}}.dump() + "\n";
        ++lines;
    }
    const std::string temp = path_ + ".tmp";
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw error(error_kind::storage, "cannot create " + temp + ": " + reason());
    try {
        write_all(fd, text, temp);
        if (::fsync(fd) != 0) throw error(error_kind::storage, "cannot sync " + temp + ": " + reason());
    } catch (const error&) {
        ::close(fd);
        ::unlink(temp.c_str());
        throw;
    }
    ::close(fd);
    if (::rename(temp.c_str(), path_.c_str()) != 0) throw error(error_kind::storage, "cannot replace " + path_ + ": " + reason());
    // The rename is durable only once the folder is.
    if (::fsync(lock_fd_) != 0) throw error(error_kind::storage, "cannot sync the state folder " + dir_ + ": " + reason());
    if (journal_fd_ >= 0) ::close(journal_fd_);
    journal_fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (journal_fd_ < 0) throw error(error_kind::storage, "cannot open " + path_ + " for writing: " + reason());
    lines_ = lines;
    needs_rewrite_ = false;
}

}  // namespace papo
