// papo, unchanged, on a 2-node ejabberd cluster (issue 16): alice on node 1, bob on node 2,
// papo-server on node 1 managing accounts through ejabberd's HTTP API. One cluster for
// the suite (scripts/ejabberd-cluster.sh start), each test with its own user names.
#include "files.h"
#include "papo_output.h"
#include "papo/credentials.h"
#include "process.h"
#include "wait.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <fstream>
#include <map>
#include <memory>
#include <sstream>

namespace papo::cluster_test {
namespace {

using namespace std::chrono_literals;
using test::command_result;
using test::env_or;
using test::run_command;

struct cluster {
    std::string dir, script;
    std::map<std::string, std::string> env;  // cluster.env
    std::unique_ptr<test::process> server;
    std::string mqtt(int node) const { return "tcp://127.0.0.1:" + env.at(node == 1 ? "MQTT1_PORT" : "MQTT2_PORT"); }
};
cluster* the_cluster = nullptr;

command_result script(const std::string& command, const std::string& extra = "") {
    std::vector<std::string> argv{"bash", the_cluster->script, command, the_cluster->dir};
    if (!extra.empty()) argv.push_back(extra);
    return run_command(argv, 90s);
}

class on_cluster : public ::testing::Test {
protected:
    static int round;
    std::string tag_, state_, password_file_;
    void SetUp() override {
        tag_ = std::to_string(++round);
        state_ = the_cluster->dir + "/state-" + tag_;
        password_file_ = the_cluster->dir + "/user.password";
        ASSERT_TRUE(the_cluster->server->running()) << the_cluster->server->output();
    }
    std::string name(const std::string& who) const { return who + tag_; }
    command_result admin(std::vector<std::string> args) {
        std::vector<std::string> argv{env_or("PAPO_ADMIN_BIN", PAPO_ADMIN_BIN_DEFAULT), "--broker", the_cluster->mqtt(1),
                                      "--password-file", the_cluster->env.at("PAPO_ADMIN_PASSWORD_FILE"),
                                      "--new-password-file", password_file_};
        argv.insert(argv.end(), args.begin(), args.end());
        return run_command(argv, 60s);
    }
    command_result papo(int node, const std::string& user, std::vector<std::string> args) {
        std::vector<std::string> argv{env_or("PAPO_BIN", PAPO_BIN_DEFAULT), "--broker", the_cluster->mqtt(node), "--user", user,
                                      "--password-file", password_file_, "--state-dir", state_};
        argv.insert(argv.end(), args.begin(), args.end());
        return run_command(argv, 60s);
    }
    // Once papo-server lists `user` online (its reader published its presence) or offline.
    bool wait_until_online(const std::string& user, bool online = true) {
        return test::wait_until(
            [&] {
                const auto ls = nlohmann::json::parse(admin({"--json", "users", "ls"}).out, nullptr, false);
                if (ls.is_array())
                    for (const auto& u : ls)
                        if (u.value("name", "") == user) return u.value("online", false) == online;
                return false;
            },
            60s, 100ms);
    }
    // The retained presence/<user> as any user sees it (mosquitto_sub, on `node`).
    std::string retained_presence(int node, const std::string& user, const std::string& as) {
        const std::string stored = test::read_file(password_file_);
        const auto r = run_command({"mosquitto_sub", "-V", "5", "-h", "127.0.0.1", "-p",
                                    the_cluster->env.at(node == 1 ? "MQTT1_PORT" : "MQTT2_PORT"), "-u", as, "-P",
                                    stored.substr(0, stored.find('\n')), "-i", as + "~look", "-t", "presence/" + user,
                                    "-C", "1", "-W", "5", "--retained-only"},
                                   10s);
        return r.out;
    }
    std::vector<std::string> texts_read(int node, const std::string& user) {
        std::vector<std::string> texts;
        const auto r = papo(node, user, {"read", "--json"});
        EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
        for (const auto& m : test::messages_in(r.out)) texts.push_back(m.value("text", ""));
        return texts;
    }
};
int on_cluster::round = 0;

// The walkthrough of "Scaling out": bob, offline, has his queue on node 2; alice sends
// from node 1; node 2 is SIGKILLed (its sessions die with it: ejabberd keeps them in RAM)
// and restarted; bob reads every message once, in order, from papo-server's store.
TEST_F(on_cluster, ANodeSigkillLosesNothingOfAnOfflineUsersQueue) {
    const std::string alice = name("alice"), bob = name("bob");
    ASSERT_EQ(admin({"users", "add", alice}).exit_code, 0);
    ASSERT_EQ(admin({"users", "add", bob}).exit_code, 0);
    ASSERT_EQ(papo(1, alice, {"send", bob, "first, to a queue made by papo-server"}).exit_code, 0);
    EXPECT_EQ(texts_read(2, bob), std::vector<std::string>{"first, to a queue made by papo-server"});
    for (int i = 1; i <= 3; ++i) ASSERT_EQ(papo(1, alice, {"send", bob, "before the kill " + std::to_string(i)}).exit_code, 0);
    ASSERT_EQ(script("kill", "2").exit_code, 0);
    ASSERT_EQ(papo(1, alice, {"send", bob, "while node 2 is down"}).exit_code, 0);
    const auto back = script("restart-node", "2");
    ASSERT_EQ(back.exit_code, 0) << back.err;
    EXPECT_EQ(texts_read(2, bob), (std::vector<std::string>{"before the kill 1", "before the kill 2", "before the kill 3",
                                                            "while node 2 is down"}));
    EXPECT_TRUE(texts_read(2, bob).empty());  // shown once
}

// The seed capabilities across the nodes: users (a duplicate refused), a queue per user
// and its count, topics, joining, posting to every member, leaving, an online DM.
TEST_F(on_cluster, TheSeedCapabilitiesWorkAcrossTheNodes) {
    const std::string alice = name("alice"), bob = name("bob"), topic = name("lobby");
    ASSERT_EQ(admin({"users", "add", alice}).exit_code, 0);
    ASSERT_EQ(admin({"users", "add", bob}).exit_code, 0);
    const auto again = admin({"users", "add", bob});
    EXPECT_EQ(again.exit_code, 1);
    EXPECT_NE(again.err.find("exists"), std::string::npos) << again.err;
    ASSERT_EQ(admin({"topics", "add", topic}).exit_code, 0);
    ASSERT_EQ(papo(1, alice, {"join", topic}).exit_code, 0);
    ASSERT_EQ(papo(2, bob, {"join", topic}).exit_code, 0);
    ASSERT_EQ(papo(1, alice, {"post", topic, "to everyone in it"}).exit_code, 0);
    ASSERT_EQ(papo(1, alice, {"send", bob, "a DM while bob is away"}).exit_code, 0);
    const auto queues = admin({"--json", "queues", "ls"});
    EXPECT_NE(queues.out.find("\"" + bob + "\""), std::string::npos) << queues.out;
    const auto listed = nlohmann::json::parse(queues.out, nullptr, false);
    int waiting = -1;
    if (listed.is_array())
        for (const auto& q : listed)
            if (q.value("name", "") == bob) waiting = q.value("messages", -1);
    EXPECT_EQ(waiting, 2) << queues.out;
    EXPECT_EQ(texts_read(2, bob), (std::vector<std::string>{"to everyone in it", "a DM while bob is away"}));
    // Online: bob reads on node 2 while alice sends from node 1.
    test::process reader({env_or("PAPO_BIN", PAPO_BIN_DEFAULT), "--broker", the_cluster->mqtt(2), "--user", bob, "--password-file",
                          password_file_, "--state-dir", state_, "read", "--json", "--wait", "60"});
    ASSERT_TRUE(wait_until_online(bob)) << reader.output();
    ASSERT_EQ(papo(1, alice, {"send", bob, "are you there?"}).exit_code, 0);
    EXPECT_TRUE(reader.wait_for_output("are you there?", 30s)) << reader.output();
    ASSERT_EQ(papo(2, bob, {"leave", topic}).exit_code, 0);  // (takes over bob's queue from the reader)
    ASSERT_EQ(papo(1, alice, {"post", topic, "after bob left"}).exit_code, 0);
    reader.stop();
    for (const auto& text : texts_read(2, bob)) EXPECT_NE(text, "after bob left");
}

// The same guarantees as papo_guard where they matter: nobody sends under another's
// name, reads another's inbox or sees the requests (they carry passwords).
TEST_F(on_cluster, NobodyForgesOrReadsWhatIsNotTheirs) {
    const std::string alice = name("alice"), bob = name("bob"), mallory = name("mallory");
    for (const auto& who : {alice, bob, mallory}) ASSERT_EQ(admin({"users", "add", who}).exit_code, 0);
    ASSERT_EQ(papo(2, bob, {"read"}).exit_code, 0);
    const std::string stored = test::read_file(password_file_);
    const std::string password = stored.substr(0, stored.find('\n'));
    auto as_mallory = [&](const char* program, std::vector<std::string> rest) {
        std::vector<std::string> argv{program, "-V", "5", "-h", "127.0.0.1", "-p", the_cluster->env.at("MQTT1_PORT"), "-q", "1",
                                      "-u", mallory, "-P", password, "-i", mallory + "~attack"};
        argv.insert(argv.end(), rest.begin(), rest.end());
        return run_command(argv, 10s);
    };
    const std::string forged = R"({"id":"forged-1","text":"I am alice","sent_at":"2026-12-03T10:00:00.000Z"})";
    const auto publish = as_mallory("mosquitto_pub", {"-t", "users/" + bob + "/inbox/" + alice, "-m", forged});
    EXPECT_NE(publish.err.find("forbidden"), std::string::npos) << publish.out << publish.err;
    for (const std::string& filter : std::vector<std::string>{"users/" + bob + "/inbox/+", "server/v1/request/+", "#"}) {
        const auto sub = as_mallory("mosquitto_sub", {"-E", "-t", filter});
        EXPECT_NE(sub.err.find("denied"), std::string::npos) << filter << ": " << sub.out << sub.err;
    }
    EXPECT_TRUE(texts_read(2, bob).empty());
}

// A node that dies takes its sessions' wills along: papo-server marks those who were
// connected there offline (mod_papo's mqtt_without_session), for its own list and for
// everyone (the retained presence); their reader comes back online with the node.
TEST_F(on_cluster, WhoWasOnlineOnADeadNodeIsShownOfflineAndComesBack) {
    const std::string dave = name("dave"), erin = name("erin");
    ASSERT_EQ(admin({"users", "add", dave}).exit_code, 0);
    ASSERT_EQ(admin({"users", "add", erin}).exit_code, 0);
    test::process reader({env_or("PAPO_BIN", PAPO_BIN_DEFAULT), "--broker", the_cluster->mqtt(2), "--user", dave,
                          "--password-file", password_file_, "--state-dir", state_, "read", "--wait", "180"});
    ASSERT_TRUE(wait_until_online(dave)) << reader.output();
    EXPECT_NE(retained_presence(1, dave, erin).find("\"status\":\"online\""), std::string::npos);
    ASSERT_EQ(script("kill", "2").exit_code, 0);
    EXPECT_TRUE(wait_until_online(dave, false)) << the_cluster->server->output();
    EXPECT_NE(retained_presence(1, dave, erin).find("\"status\":\"offline\""), std::string::npos);
    const auto back = script("restart-node", "2");
    ASSERT_EQ(back.exit_code, 0) << back.err;
    EXPECT_TRUE(wait_until_online(dave)) << reader.output();
    EXPECT_TRUE(reader.running()) << reader.output();
    reader.stop();
    EXPECT_TRUE(wait_until_online(dave, false));  // its own will, or the reader's last word
}

// ejabberd leaves a removed account's connections up; papo-server ends them (mod_papo's
// mqtt_remove_sessions on unregister), so a removed user stops receiving at once.
TEST_F(on_cluster, ARemovedUsersLiveReadIsEndedAndItsLoginRefused) {
    const std::string carol = name("carol");
    ASSERT_EQ(admin({"users", "add", carol}).exit_code, 0);
    test::process reader({env_or("PAPO_BIN", PAPO_BIN_DEFAULT), "--broker", the_cluster->mqtt(2), "--user", carol,
                          "--password-file", password_file_, "--state-dir", state_, "read", "--wait", "120"});
    ASSERT_TRUE(wait_until_online(carol)) << reader.output();
    const auto removed = admin({"users", "rm", carol});
    ASSERT_EQ(removed.exit_code, 0) << removed.out << removed.err;
    EXPECT_TRUE(reader.wait_for(30s).has_value()) << "the removed user's read went on: " << reader.output();
    EXPECT_NE(papo(2, carol, {"read"}).exit_code, 0);
}

}  // namespace
}  // namespace papo::cluster_test

int main(int argc, char** argv) {
    using namespace papo;
    using namespace std::chrono_literals;
    ::testing::InitGoogleTest(&argc, argv);
    if (::geteuid() != 0 || test::find_program("ejabberdctl").empty() || test::find_program("curl").empty()) {
        std::cout << "cluster tests skipped: they need root, ejabberd and curl (scripts/test-cluster.sh installs them)\n";
        return 77;
    }
    cluster_test::cluster c;
    cluster_test::the_cluster = &c;
    c.dir = test::make_temp_dir("papo-cluster");
    c.script = test::env_or("PAPO_SOURCE_DIR", PAPO_SOURCE_DIR_DEFAULT) + "/scripts/ejabberd-cluster.sh";
    int status = 1;
    const auto started = cluster_test::script("start");
    if (started.exit_code != 0) {
        std::cerr << "cannot start the cluster:\n" << started.err << "\n";
    } else {
        std::istringstream lines(started.out);
        for (std::string line; std::getline(lines, line);)
            if (const auto eq = line.find('='); eq != std::string::npos) c.env[line.substr(0, eq)] = line.substr(eq + 1);
        write_secret_file(c.dir + "/user.password", "password-of-everyone\n");
        c.server = std::make_unique<test::process>(std::vector<std::string>{
            test::env_or("PAPO_SERVER_BIN", PAPO_SERVER_BIN_DEFAULT), "--broker", c.mqtt(1), "--other-broker", c.mqtt(2),
            "--password-file", c.env.at("PAPO_SERVER_PASSWORD_FILE"), "--state-dir", c.dir + "/papo-server", "--ejabberd-api",
            c.env.at("API1_URL"), "--ejabberd-api", c.env.at("API2_URL"), "--ejabberd-api-password-file",
            c.env.at("API_PASSWORD_FILE")});
        if (!c.server->wait_for_output("serving on", 60s)) std::cerr << "papo-server did not serve:\n" << c.server->output();
        else status = RUN_ALL_TESTS();
        c.server->stop();
        if (status != 0) std::cerr << "---- papo-server output ----\n" << c.server->output() << "\n";
    }
    cluster_test::script("stop");
    test::remove_tree(c.dir);
    return status;
}
