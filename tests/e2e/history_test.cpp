// The local history (issue 15, items 2 and 4, line mode): every message papo shows or
// sends kept once in history.sqlite (0600) in the user's state folder; `papo history`
// with its filters, local only; the chat's history, /search, /me, //text, /help CMD,
// Tab completion and the bell, driven in tmux.
#include "tmux_pane.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <regex>

namespace papo::e2e {
namespace {

class local_history : public chat_test {
protected:
    // The JSON lines of `papo history` for `user` with `args`.
    std::vector<nlohmann::json> history_of(const std::string& user, std::vector<std::string> args = {}) {
        args.insert(args.begin(), "--json");
        args.insert(args.begin() + 1, "history");
        const auto r = papo(user, args);
        EXPECT_EQ(r.exit_code, 0) << r.err;
        std::vector<nlohmann::json> lines;
        std::istringstream in(r.out);
        for (std::string line; std::getline(in, line);)
            if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
        return lines;
    }
    static std::vector<std::string> texts(const std::vector<nlohmann::json>& lines) {
        std::vector<std::string> out;
        for (const auto& l : lines) out.push_back(l.at("text"));
        return out;
    }
    // <state>/<user>@<host_port>/history.sqlite, "" before papo made it.
    std::string history_file(const std::string& user) {
        for (const auto& entry : std::filesystem::directory_iterator(state_dir_))
            if (entry.path().filename().string().rfind(user + "@", 0) == 0) {
                const auto file = entry.path() / "history.sqlite";
                if (std::filesystem::exists(file)) return file.string();
            }
        return "";
    }
    std::vector<std::string> papo_argv(const std::string& user, std::vector<std::string> rest) {
        std::vector<std::string> argv{env_or("PAPO_BIN", PAPO_BIN_DEFAULT), "--broker", broker_->uri(), "--state-dir", state_dir_,
                                      "--user", user, "--password-file", password_file(user)};
        argv.insert(argv.end(), rest.begin(), rest.end());
        return argv;
    }
};

using strings = std::vector<std::string>;

TEST_F(local_history, WhatWasShownAndSentIsKeptOnceAcrossRunsAndReadStillShowsOnlyNewOnes) {
    register_users({"alice", "bob"});
    ASSERT_EQ(papo("bob", {"send", "alice", "first from bob"}).exit_code, 0);
    ASSERT_EQ(papo("bob", {"send", "alice", "second from bob"}).exit_code, 0);
    EXPECT_TRUE(history_of("alice").empty());  // nothing shown yet
    ASSERT_EQ(messages_in(papo("alice", {"--json", "read"}).out).size(), 2u);
    ASSERT_EQ(papo("alice", {"send", "bob", "reply from alice"}).exit_code, 0);

    auto kept = history_of("alice");
    ASSERT_EQ(texts(kept), (strings{"first from bob", "second from bob", "reply from alice"}));
    EXPECT_EQ(kept[0]["conversation"], "bob");
    EXPECT_EQ(kept[0]["kind"], "dm");
    EXPECT_EQ(kept[0]["outgoing"], false);
    EXPECT_EQ(kept[2]["outgoing"], true);
    EXPECT_EQ(kept[2]["to"], "bob");

    // A new read shows nothing again, and the history gains nothing.
    const auto again = papo("alice", {"--json", "read"});
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_TRUE(messages_in(again.out).empty()) << again.out;
    EXPECT_EQ(history_of("alice").size(), 3u);
    ASSERT_EQ(papo("bob", {"send", "alice", "third from bob"}).exit_code, 0);
    ASSERT_EQ(messages_in(papo("alice", {"--json", "read"}).out).size(), 1u);
    EXPECT_EQ(texts(history_of("alice")), (strings{"first from bob", "second from bob", "reply from alice", "third from bob"}));
    // bob's own history has what he sent and, once he read it, alice's reply.
    ASSERT_EQ(messages_in(papo("bob", {"--json", "read"}).out).size(), 1u);
    EXPECT_EQ(texts(history_of("bob", {"alice"})), (strings{"first from bob", "second from bob", "third from bob", "reply from alice"}));

    // Local only: with the broker gone it works, asks nothing, and shows the day.
    broker_->stop();
    const auto people = papo("alice", {"history", "bob"}, 10);
    ASSERT_EQ(people.exit_code, 0) << people.err;
    EXPECT_TRUE(std::regex_search(people.out, std::regex(R"(\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] bob -> you: first from bob)"))) << people.out;
    EXPECT_TRUE(std::regex_search(people.out, std::regex(R"(\] you -> bob: reply from alice)"))) << people.out;
    broker_->start();
}

TEST_F(local_history, SearchSinceLimitAndOneConversation) {
    register_users({"alice", "bob", "carol"});
    ASSERT_EQ(admin({"topics", "add", "lobby"}).exit_code, 0);
    ASSERT_EQ(papo("alice", {"join", "lobby"}).exit_code, 0);
    ASSERT_EQ(papo("carol", {"join", "lobby"}).exit_code, 0);
    ASSERT_EQ(papo("carol", {"post", "lobby", "the build is green"}).exit_code, 0);
    ASSERT_EQ(papo("carol", {"post", "lobby", "lunch at noon"}).exit_code, 0);
    ASSERT_EQ(papo("bob", {"send", "alice", "where are the build logs?"}).exit_code, 0);
    ASSERT_EQ(messages_in(papo("alice", {"--json", "read"}).out).size(), 3u);
    ASSERT_EQ(papo("alice", {"post", "lobby", "building it again"}).exit_code, 0);

    EXPECT_EQ(texts(history_of("alice", {"--search", "buil"})),
              (strings{"the build is green", "where are the build logs?", "building it again"}));
    EXPECT_EQ(texts(history_of("alice", {"--search", "build logs"})), (strings{"where are the build logs?"}));
    EXPECT_EQ(texts(history_of("alice", {"#lobby"})), (strings{"the build is green", "lunch at noon", "building it again"}));
    EXPECT_EQ(texts(history_of("alice", {"#lobby", "--search", "build"})), (strings{"the build is green", "building it again"}));
    EXPECT_EQ(texts(history_of("alice", {"bob"})), (strings{"where are the build logs?"}));
    EXPECT_EQ(texts(history_of("alice", {"--limit", "2"})), (strings{"where are the build logs?", "building it again"}));
    EXPECT_EQ(history_of("alice", {"--since", "1h"}).size(), 4u);
    EXPECT_TRUE(history_of("alice", {"--since", "2999-01-01"}).empty());
    EXPECT_EQ(history_of("alice", {"--since", "2000-01-01 10:00"}).size(), 4u);
    EXPECT_EQ(history_of("alice", {"#lobby"})[0]["topic"], "lobby");
    EXPECT_EQ(history_of("alice", {"#lobby"})[0]["kind"], "post");

    const auto none = papo("alice", {"history", "--search", "nothing-of-the-kind"});
    EXPECT_EQ(none.exit_code, 0);
    EXPECT_NE(none.out.find("(nothing in the history matches)"), std::string::npos) << none.out;
    const auto bad = papo("alice", {"history", "--since", "last tuesday"});
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_NE(bad.err.find("--since must be a date"), std::string::npos) << bad.err;
    EXPECT_EQ(papo("alice", {"history", "bob", "carol"}).exit_code, 2);
    EXPECT_EQ(papo("alice", {"history", "#no/such"}).exit_code, 2);
}

TEST_F(local_history, TheHistoryFileIsTheUsersOnly) {
    register_users({"alice", "bob"});
    ASSERT_EQ(papo("alice", {"send", "bob", "hello"}).exit_code, 0);
    const std::string file = history_file("alice");
    ASSERT_FALSE(file.empty());
    struct stat info {};
    ASSERT_EQ(::stat(file.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u);
    ASSERT_EQ(::stat(std::filesystem::path(file).parent_path().c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0700u);
    for (const char* side : {"-wal", "-shm"}) {  // SQLite removes them when the last papo closes it
        if (::stat((file + side).c_str(), &info) == 0) {
            EXPECT_EQ(info.st_mode & 0777, 0600u) << side;
        }
    }
}

TEST_F(local_history, RetentionZeroKeepsNothingAndEmptiesWhatWasKept) {
    register_users({"alice", "bob"});
    ASSERT_EQ(papo("alice", {"send", "bob", "kept a while"}).exit_code, 0);
    ASSERT_EQ(history_of("alice").size(), 1u);
    ASSERT_EQ(papo("alice", {"--history-days", "0", "send", "bob", "never kept"}).exit_code, 0);
    EXPECT_TRUE(history_of("alice", {"--history-days", "0"}).empty());
    EXPECT_TRUE(history_of("alice").empty());  // pruned for good
    EXPECT_EQ(papo("alice", {"--history-days", "-1", "history"}).exit_code, 2);
    // A config file's history-days is the same setting.
    const std::string config = state_dir_ + "/papo.conf";
    std::ofstream(config) << "history-days = 0\n";
    ASSERT_EQ(papo("bob", {"--config", config, "--json", "read"}).exit_code, 0);
    EXPECT_TRUE(history_of("bob").empty());
    ASSERT_EQ(papo("alice", {"send", "bob", "kept now"}).exit_code, 0);
    ASSERT_EQ(messages_in(papo("bob", {"--json", "read"}).out).size(), 1u);
    EXPECT_EQ(texts(history_of("bob")), (strings{"kept now"}));
}

TEST_F(local_history, HostileTextIsShownSafely) {
    register_users({"alice", "bob"});
    const std::string hostile = "hi\x1b]0;owned\x07\x1b[2J\n[10:00:00] carol -> you: forged \u202eevil";
    ASSERT_EQ(papo("bob", {"send", "alice", hostile}).exit_code, 0);
    const auto read = papo("alice", {"read"});
    ASSERT_EQ(read.exit_code, 0);
    const auto shown = papo("alice", {"history"});
    ASSERT_EQ(shown.exit_code, 0) << shown.err;
    EXPECT_EQ(shown.out.find('\x1b'), std::string::npos) << shown.out;
    EXPECT_EQ(shown.out.find('\x07'), std::string::npos) << shown.out;
    EXPECT_EQ(shown.out.find("\u202e"), std::string::npos) << shown.out;
    EXPECT_NE(shown.out.find("bob -> you: hi\\x1b]0;owned\\x07\\x1b[2J"), std::string::npos) << shown.out;
    EXPECT_NE(shown.out.find("\n  | [10:00:00] carol -> you: forged \\u{202E}evil"), std::string::npos) << shown.out;
    // The exact text in --json.
    EXPECT_EQ(texts(history_of("alice")), (strings{hostile}));
}

TEST_F(local_history, TheChatShowsHistorySearchesSendsActionsAndSlashLinesAndCompletes) {
    if (!tmux_pane::available()) GTEST_SKIP() << "tmux is not installed (scripts/install-deps.sh installs it)";
    register_users({"alice", "bob"});
    ASSERT_EQ(admin({"topics", "add", "lobby"}).exit_code, 0);
    ASSERT_EQ(papo("alice", {"join", "lobby"}).exit_code, 0);
    ASSERT_EQ(papo("bob", {"join", "lobby"}).exit_code, 0);
    ASSERT_EQ(papo("bob", {"post", "lobby", "yesterday's build news"}).exit_code, 0);
    ASSERT_EQ(messages_in(papo("alice", {"--json", "read"}).out).size(), 1u);

    tmux_pane pane(state_dir_, shell_line(papo_argv("alice", {"--plain"})));  // the line chat (the screen: screen_test.cpp)
    // Opening the current topic shows its recent history, marked.
    std::string screen = pane.wait_for_text("#lobby bob: yesterday's build news  (history)");
    ASSERT_NE(screen.find("current topic: #lobby"), std::string::npos) << screen;
    EXPECT_EQ(pane.format("#{window_bell_flag}"), "0");

    pane.type_line("/me waves");
    screen = pane.wait_for_text("#lobby * alice waves");
    pane.type_line("//etc/motd is a path, not a command");
    screen = pane.wait_for_text("#lobby you: /etc/motd is a path");
    pane.type_line("/search build");
    screen = pane.wait_for_text("(search build: 1 found)");
    EXPECT_EQ(pane.count(screen, "#lobby bob: yesterday's build news  (history)"), 2) << screen;
    pane.type_line("/help me");
    screen = pane.wait_for_text("Sent as the text \"/me ACTION\"");

    // Tab completes commands, topics and user names (never file names).
    pane.type_line("/he\t");
    screen = pane.wait_for_text("/quit");  // the whole list
    EXPECT_NE(screen.find("/search WORDS"), std::string::npos) << screen;
    pane.type_line("/topic lob\t");
    screen = pane.wait_for_text("current topic: #lobby", 2);
    pane.type_line("/msg b\thello by tab");
    screen = pane.wait_for_text("you -> bob: hello by tab");

    const auto bob = papo("bob", {"--json", "read"});
    ASSERT_EQ(bob.exit_code, 0) << bob.err;
    std::vector<std::string> bob_got;
    for (const auto& m : messages_in(bob.out)) bob_got.push_back(m.at("text"));
    EXPECT_EQ(bob_got, (strings{"/me waves", "/etc/motd is a path, not a command", "hello by tab"}));
    ASSERT_EQ(papo("alice", {"send", "bob", "/me nods"}).exit_code, 0);
    const auto people = papo("bob", {"read"});
    EXPECT_NE(people.out.find("(to you) * alice nods"), std::string::npos) << people.out;

    // The bell: not for a post in the current topic, yes for a DM.
    ASSERT_EQ(papo("bob", {"post", "lobby", "plain post"}).exit_code, 0);
    pane.wait_for_text("#lobby bob: plain post");
    EXPECT_EQ(pane.format("#{window_bell_flag}"), "0");
    ASSERT_EQ(papo("bob", {"send", "alice", "ring ring"}).exit_code, 0);
    pane.wait_for_text("bob -> you: ring ring");
    EXPECT_TRUE(wait_until([&] { return pane.format("#{window_bell_flag}") == "1"; }, std::chrono::seconds(5)));

    pane.type_line("/quit");
    pane.wait_for_text("EXITED 0");
    // What the chat showed and sent is in the history, each once.
    const auto kept = texts(history_of("alice", {"#lobby"}));
    EXPECT_EQ(kept, (strings{"yesterday's build news", "/me waves", "/etc/motd is a path, not a command", "plain post"}));
    EXPECT_EQ(texts(history_of("alice", {"bob"})), (strings{"hello by tab", "/me nods", "ring ring"}));
}

TEST_F(local_history, TheBellRingsForAMentionInATopicThatIsNotTheCurrentOne) {
    if (!tmux_pane::available()) GTEST_SKIP() << "tmux is not installed (scripts/install-deps.sh installs it)";
    register_users({"alice", "bob"});
    for (const char* topic : {"lobby", "dev"}) {
        ASSERT_EQ(admin({"topics", "add", topic}).exit_code, 0);
        ASSERT_EQ(papo("alice", {"join", topic}).exit_code, 0);
        ASSERT_EQ(papo("bob", {"join", topic}).exit_code, 0);
    }
    tmux_pane pane(state_dir_, shell_line(papo_argv("alice", {"--plain"})));  // the line chat (the screen: screen_test.cpp)
    pane.wait_for_text("connected as alice");
    pane.type_line("/topic lobby");
    pane.wait_for_text("current topic: #lobby");
    ASSERT_EQ(papo("bob", {"post", "dev", "no names here"}).exit_code, 0);
    pane.wait_for_text("#dev bob: no names here");
    ASSERT_EQ(papo("bob", {"post", "lobby", "alice: in the current topic"}).exit_code, 0);
    pane.wait_for_text("#lobby bob: alice: in the current topic");
    EXPECT_EQ(pane.format("#{window_bell_flag}"), "0");
    ASSERT_EQ(papo("bob", {"post", "dev", "have a look, Alice"}).exit_code, 0);
    pane.wait_for_text("#dev bob: have a look, Alice");
    EXPECT_TRUE(wait_until([&] { return pane.format("#{window_bell_flag}") == "1"; }, std::chrono::seconds(5)));
    pane.type_line("/quit");
    pane.wait_for_text("EXITED 0");
}

}  // namespace
}  // namespace papo::e2e
