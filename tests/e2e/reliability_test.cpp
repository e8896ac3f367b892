// Nothing lost, nothing doubled: a deep offline queue, many registrations at once,
// and papo-server killed in the middle of registrations.
#include "chat_fixture.h"

#include "papo/messages.h"
#include "papo/session.h"
#include "papo/topics.h"

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <future>
#include <set>
#include <thread>

namespace papo::e2e {
namespace {

// These tests load thousands of messages at once, past the per-account publish
// rate (limits are tested in guard_limits_test and limits_test).
class reliability : public chat_test {
protected:
    reliability() { bulk(); }
};

TEST_F(reliability, TwentyThousandWaitingMessagesAllArriveOnceInOrder) {
    register_users({"alice", "bob"});
    const int count = 20000;
    {
        session_options options = login_options("alice", "alice~bulk");
        options.timeout = std::chrono::seconds(30);
        session alice(options);
        alice.connect();
        for (int i = 0; i < count; ++i)
            alice.publish_async(topics::inbox("bob", "alice"), encode(make_message("deep " + std::to_string(i))));
        alice.flush();
    }
    auto read = papo("bob", {"read", "--json"}, 120);
    ASSERT_EQ(read.exit_code, 0) << read.err;
    auto got = messages_in(read.out);
    ASSERT_EQ(got.size(), static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) ASSERT_EQ(got[static_cast<std::size_t>(i)]["text"], "deep " + std::to_string(i));
    EXPECT_EQ(settled_depth("bob", 0), 0);
}

TEST_F(reliability, TwoHundredNamesRegisteredConcurrentlyAllSucceedConsistently) {
    const int threads = 8, per_thread = 25;
    std::vector<std::future<int>> workers;
    for (int t = 0; t < threads; ++t)
        workers.push_back(std::async(std::launch::async, [this, t] {
            int ok = 0;
            for (int i = 0; i < per_thread; ++i)
                ok += admin({"users", "add", "u" + std::to_string(t) + "x" + std::to_string(i)}, 60).exit_code == 0;
            return ok;
        }));
    int created = 0;
    for (auto& w : workers) created += w.get();
    EXPECT_EQ(created, threads * per_thread);
    auto users = nlohmann::json::parse(admin({"--json", "users", "ls"}).out);
    EXPECT_EQ(users.size(), static_cast<std::size_t>(threads * per_thread));
    auto queues = nlohmann::json::parse(admin({"--json", "queues", "ls"}).out);
    ASSERT_EQ(queues.size(), static_cast<std::size_t>(threads * per_thread));
    for (const auto& q : queues) EXPECT_EQ(q["messages"], 0);
    // Each one's queue and account work: a few of them, spread out.
    for (const char* name : {"u0x0", "u3x12", "u7x24"}) {
        ASSERT_EQ(papo("u1x1", {"send", name, std::string("hello ") + name}).exit_code, 0);
        auto got = messages_in(papo(name, {"read", "--json"}).out);
        ASSERT_EQ(got.size(), 1u) << name;
    }
}

TEST_F(reliability, ServerKilledDuringRegistrationsLosesNoneAndDoublesNone) {
    std::atomic<bool> stop{false};
    std::atomic<int> created{0}, running{3};
    std::vector<std::future<std::pair<std::set<std::string>, std::set<std::string>>>> workers;
    for (int t = 0; t < 3; ++t)
        workers.push_back(std::async(std::launch::async, [this, t, &stop, &created, &running] {
            std::set<std::string> ok, failed;
            for (int i = 0; i < 40 && !stop; ++i) {
                const std::string name = "k" + std::to_string(t) + "x" + std::to_string(i);
                const bool made = admin({"--timeout", "2", "users", "add", name}, 30).exit_code == 0;
                (made ? ok : failed).insert(name);
                created += made;
            }
            --running;
            return std::make_pair(ok, failed);
        }));
    // Registrations are under way when papo-server is killed, and go on with the new one.
    const auto made_more_than = [&](int count) { return wait_until([&] { return created > count || running == 0; }); };
    EXPECT_TRUE(made_more_than(5));
    server_->kill();  // SIGKILL, in the middle of registrations
    start_server();
    const int before_restart = created;
    EXPECT_TRUE(made_more_than(before_restart + 5));
    stop = true;
    std::set<std::string> succeeded, failed;
    for (auto& w : workers) {
        auto [ok, bad] = w.get();
        succeeded.insert(ok.begin(), ok.end());
        failed.insert(bad.begin(), bad.end());
    }
    ASSERT_FALSE(succeeded.empty());
    auto users = nlohmann::json::parse(admin({"--json", "users", "ls"}).out);
    std::multiset<std::string> listed;
    for (const auto& u : users) listed.insert(u["name"].get<std::string>());
    for (const auto& name : succeeded) EXPECT_EQ(listed.count(name), 1u) << name << " was created but is not listed once";
    // A registration the kill interrupted either exists now or can be made again, once.
    for (const auto& name : failed) {
        if (listed.count(name)) continue;
        EXPECT_EQ(admin({"users", "add", name}).exit_code, 0) << name;
    }
    // Every listed user has a working queue and account.
    const std::string probe = *succeeded.begin();
    ASSERT_EQ(papo(probe, {"send", probe, "to myself"}).exit_code, 0);
    EXPECT_EQ(messages_in(papo(probe, {"read", "--json"}).out).size(), 1u);
    auto queues = nlohmann::json::parse(admin({"--json", "queues", "ls"}).out);
    EXPECT_EQ(queues.size(), nlohmann::json::parse(admin({"--json", "users", "ls"}).out).size());
}

// The messages of `papo read --json` output, skipping a line a kill cut short.
std::vector<nlohmann::json> complete_messages(const std::string& output) {
    std::vector<nlohmann::json> out;
    std::istringstream lines(output);
    for (std::string line; std::getline(lines, line);) {
        const auto j = nlohmann::json::parse(line, nullptr, false);
        if (!j.is_discarded() && j.is_object() && j.value("kind", "") == "dm") out.push_back(j);
    }
    return out;
}

// alice sends `count` DMs while bob is away; bob's first read is stopped part way,
// by SIGKILL or SIGTERM; then alice's papo connects (sending again what bob never
// confirmed) and bob reads the rest. Returns what each of bob's reads showed.
struct interrupted_drain {
    std::vector<nlohmann::json> before, after;
    int first_exit = -1;
    int depth_after_first = -1;  // bob's queue as papo-server counts it, once settled
};

class interrupted_reader : public reliability {
protected:
    interrupted_drain drain_stopped_by(bool kill, int count) {
        register_users({"alice", "bob"});
        {  // alice sends them from one interactive papo while bob is away
            std::ofstream script(state_dir_ + "/script");
            for (int i = 0; i < count; ++i) script << "/msg bob m" << i << "\n";
            script << "/quit\n";
        }
        auto sent = run_command({"sh", "-c", "\"$0\" --broker \"$1\" --state-dir \"$2\" --user alice --password-file \"$3\" < \"$2/script\"",
                                 env_or("PAPO_BIN", PAPO_BIN_DEFAULT), broker_->uri(), state_dir_, password_file("alice")},
                                180);
        EXPECT_EQ(sent.exit_code, 0) << sent.err;
        interrupted_drain result;
        background_process first({env_or("PAPO_BIN", PAPO_BIN_DEFAULT), "--broker", broker_->uri(), "--state-dir", state_dir_,
                                  "--user", "bob", "--password-file", password_file("bob"), "read", "--json"});
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (complete_messages(first.output()).size() < 1000 && first.running() && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        result.first_exit = kill ? first.kill() : first.stop();
        result.before = complete_messages(first.output());
        if (!kill) result.depth_after_first = settled_depth("bob", count - static_cast<int>(result.before.size()));
        EXPECT_EQ(papo("alice", {"--resend-after", "0", "outbox"}, 120).exit_code, 0);
        auto second = papo("bob", {"read", "--json"}, 180);
        EXPECT_EQ(second.exit_code, 0) << second.err;
        result.after = complete_messages(second.out);
        return result;
    }

    // Every one of m0..m<count-1> shown exactly once over both reads, in order.
    static void expect_each_once_in_order(const std::vector<nlohmann::json>& all, int count, std::size_t first_run) {
        if (all.size() != static_cast<std::size_t>(count)) {
            std::multiset<std::string> got;
            for (const auto& m : all) got.insert(m["text"].get<std::string>());
            for (int i = 0; i < count; ++i) {
                const auto n = got.count("m" + std::to_string(i));
                if (n != 1) ADD_FAILURE() << "m" << i << " shown " << n << " times (first run showed " << first_run << ")";
            }
        }
        ASSERT_EQ(all.size(), static_cast<std::size_t>(count));
        for (int i = 0; i < count; ++i) ASSERT_EQ(all[static_cast<std::size_t>(i)]["text"], "m" + std::to_string(i)) << i;
    }
};

TEST_F(interrupted_reader, AReaderKilledMidDrainLosesNothingAndRepeatsOnlyTheMarkedOne) {
    const int count = 5000;
    auto run = drain_stopped_by(/*kill=*/true, count);
    ASSERT_GE(run.before.size(), 1000u);
    ASSERT_LT(run.before.size(), static_cast<std::size_t>(count)) << "the kill came too late to test anything";
    // The kill lands around one message: announced, perhaps written, not recorded. That
    // message comes first next time, marked "maybe_repeat" (a repeat if it reached the
    // output, else its first showing); no other message carries the mark.
    auto after = run.after;
    for (const auto& m : run.before) EXPECT_FALSE(m.value("maybe_repeat", false)) << m.dump();
    for (std::size_t i = 1; i < after.size(); ++i) EXPECT_FALSE(after[i].value("maybe_repeat", false)) << after[i].dump();
    if (!after.empty() && after.front()["id"] == run.before.back()["id"]) {
        EXPECT_EQ(after.front().value("maybe_repeat", false), true) << after.front().dump();
        after.erase(after.begin());
    }
    auto all = run.before;
    for (auto& m : after) all.push_back(std::move(m));
    expect_each_once_in_order(all, count, run.before.size());
}

TEST_F(interrupted_reader, AReaderStoppedByCtrlCOrKillMidDrainShowsEachMessageExactlyOnce) {
    const int count = 3000;
    auto run = drain_stopped_by(/*kill=*/false, count);
    EXPECT_EQ(run.first_exit, 128 + SIGTERM) << "read ends in order and says it was stopped";
    ASSERT_GE(run.before.size(), 1000u);
    // It confirmed everything it showed before stopping: the count is exact at once.
    EXPECT_EQ(run.depth_after_first, count - static_cast<int>(run.before.size()));
    ASSERT_LT(run.before.size(), static_cast<std::size_t>(count)) << "the signal came too late to test anything";
    auto all = run.before;
    for (auto& m : run.after) {
        EXPECT_FALSE(m.value("maybe_repeat", false)) << m.dump();
        all.push_back(std::move(m));
    }
    expect_each_once_in_order(all, count, run.before.size());
    // bob's record of alice's numbers got a line per batch of messages shown; the next
    // start folds it to a line per numbering once it passes 1,000 lines.
    const auto lines_of_numbers = [&] {
        std::size_t lines = 0;
        for (const auto& entry : std::filesystem::directory_iterator(state_dir_)) {
            if (entry.path().filename().string().rfind("bob@", 0) != 0) continue;
            std::ifstream numbers(entry.path() / "seq_from");
            for (std::string line; std::getline(numbers, line);) ++lines;
        }
        return lines;
    };
    const std::size_t before = lines_of_numbers();
    ASSERT_GT(before, 1u);
    ASSERT_EQ(papo("bob", {"read"}).exit_code, 0);
    if (before > 1000) EXPECT_LE(lines_of_numbers(), 3u) << before << " lines before";
    else EXPECT_LE(lines_of_numbers(), before + 1) << "grew without a message";
}

}  // namespace
}  // namespace papo::e2e
