// The sample devices of topics-schema/samples/ (Python with Debian's python3-paho-mqtt,
// Node.js with MQTT.js 5) against the real broker and papo-server: what each sample did
// is checked through papo, so the device guide (topics-schema/devices.md) cannot drift
// from a working device.
#include "chat_fixture.h"

#include "papo/credentials.h"

#include <sys/stat.h>

#include <algorithm>

namespace papo::e2e {
namespace {

using namespace std::chrono_literals;

std::string samples_dir() { return env_or("PAPO_SOURCE_DIR", PAPO_SOURCE_DIR_DEFAULT) + "/topics-schema/samples"; }

bool exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

// One sample program, in either language, with the device's login.
class device_test : public chat_test, public ::testing::WithParamInterface<std::string> {
protected:
    void SetUp() override {
        if (GetParam() == "node" && !exists(samples_dir() + "/node/node_modules/mqtt/package.json"))
            FAIL() << "MQTT.js is not installed for the Node.js sample: run `npm ci` in " << samples_dir()
                   << "/node (scripts/install-deps.sh does; ctest runs it as devices.NodeSampleDependencies)";
        chat_test::SetUp();
    }

    command_result sample(const std::string& program, const std::string& user, std::vector<std::string> rest,
                          int timeout_seconds = 40) {
        const bool python = GetParam() == "python";
        std::vector<std::string> argv{python ? "/usr/bin/python3" : "node",
                                      samples_dir() + "/" + GetParam() + "/" + program + (python ? ".py" : ".mjs"),
                                      "--port", std::to_string(broker_->port()), "--user", user,
                                      "--password-file", password_file(user)};
        argv.insert(argv.end(), rest.begin(), rest.end());
        return run_command(argv, timeout_seconds);
    }

    // The JSON lines a drain printed.
    static std::vector<nlohmann::json> lines_of(const std::string& out) {
        std::vector<nlohmann::json> lines;
        std::istringstream in(out);
        for (std::string line; std::getline(in, line);)
            if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
        return lines;
    }
};

TEST_P(device_test, ADeviceSendsADmThatAPapoUserReads) {
    register_users({"sensor1", "bob"});
    const auto sent = sample("send_dm", "sensor1", {"--to", "bob", "temperature 21.5 C"});
    ASSERT_EQ(sent.exit_code, 0) << sent.out << sent.err;
    const auto got = messages_in(papo("bob", {"read", "--json"}).out);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0]["from"], "sensor1");
    EXPECT_EQ(got[0]["text"], "temperature 21.5 C");
    // The id is the one the sample printed, and it is not a counter that a restart reuses.
    EXPECT_NE(sent.out.find(got[0]["id"].get<std::string>()), std::string::npos) << sent.out;
    EXPECT_EQ(settled_depth("bob", 0), 0) << "papo's receipt confirmed the device's DM";
}

TEST_P(device_test, ADeviceJoinsATopicPostsAndDrainsItsQueueWithReceipts) {
    register_users({"sensor1", "alice"});
    ASSERT_EQ(admin({"topics", "add", "lobby"}).exit_code, 0);
    ASSERT_EQ(papo("alice", {"join", "lobby"}).exit_code, 0);

    const auto joined = sample("join_and_post", "sensor1", {"--topic", "lobby", "sensor1 is here"});
    ASSERT_EQ(joined.exit_code, 0) << joined.out << joined.err;
    const auto post = messages_in(papo("alice", {"read", "--json"}).out);
    ASSERT_EQ(post.size(), 1u);
    EXPECT_EQ(post[0]["text"], "sensor1 is here");

    // papo sends the device a DM and a post while it is offline; the device drains both.
    ASSERT_EQ(papo("alice", {"send", "sensor1", "a DM for the device"}).exit_code, 0);
    ASSERT_EQ(papo("alice", {"post", "lobby", "a post for the members"}).exit_code, 0);
    ASSERT_EQ(settled_depth("sensor1", 2), 2);
    const auto drained = sample("drain", "sensor1", {"--count", "2", "--idle", "30"});
    ASSERT_EQ(drained.exit_code, 0) << drained.out << drained.err;
    const auto lines = lines_of(drained.out);
    ASSERT_EQ(lines.size(), 2u) << drained.out;
    const auto dm = std::find_if(lines.begin(), lines.end(), [](const auto& l) { return !l.contains("topic"); });
    const auto topic_post = std::find_if(lines.begin(), lines.end(), [](const auto& l) { return l.contains("topic"); });
    ASSERT_NE(dm, lines.end());
    ASSERT_NE(topic_post, lines.end());
    EXPECT_EQ((*dm)["from"], "alice");
    EXPECT_EQ((*dm)["text"], "a DM for the device");
    EXPECT_EQ((*topic_post)["topic"], "lobby");
    EXPECT_EQ((*topic_post)["text"], "a post for the members");
    // The receipts reached papo-server: the queue is empty, and alice's outbox knows.
    EXPECT_EQ(settled_depth("sensor1", 0), 0);
    EXPECT_TRUE(wait_until(
        [&] {
            papo("alice", {"read"});  // takes sensor1's receipts
            return papo("alice", {"outbox"}).out.find("a DM for the device") == std::string::npos;
        },
        20s, 100ms))
        << papo("alice", {"outbox"}).out;
}

TEST_P(device_test, ADeviceAsksPapoServerWithAResponseTopic) {
    register_users({"sensor1", "bob"});
    const auto answer = sample("ask", "sensor1", {R"({"command":"users.info","name":"BOB"})"});
    ASSERT_EQ(answer.exit_code, 0) << answer.out << answer.err;
    const auto j = nlohmann::json::parse(answer.out);
    EXPECT_EQ(j["ok"], true);
    EXPECT_EQ(j["data"]["name"], "bob") << "answers carry the registered spelling";
    const auto refused = sample("ask", "sensor1", {R"({"command":"users.info","name":"nobody"})"});
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_EQ(nlohmann::json::parse(refused.out)["code"], "no-such-user") << refused.out;
}

TEST_P(device_test, ADrainingDeviceIsOnlineWhileItReads) {
    register_users({"sensor1"});
    auto drain = std::make_unique<background_process>(std::vector<std::string>{
        GetParam() == "python" ? "/usr/bin/python3" : "node",
        samples_dir() + "/" + GetParam() + "/drain" + (GetParam() == "python" ? ".py" : ".mjs"), "--port",
        std::to_string(broker_->port()), "--user", "sensor1", "--password-file", password_file("sensor1"), "--idle",
        "60"});
    EXPECT_TRUE(wait_until_online("sensor1")) << drain->output();
}

INSTANTIATE_TEST_SUITE_P(samples, device_test, ::testing::Values("python", "node"),
                         [](const auto& param_info) { return param_info.param; });

// A queue that holds one waiting message: the broker refuses the next DM (PUBACK 0x87,
// then it drops the connection). Both samples must say "not sent", never "sent", even
// paho-mqtt 1.6.1, which hides the PUBACK's reason code.
class device_refusal_test : public device_test {
protected:
    device_refusal_test() { server_options_ = {"--max-waiting-messages", "1"}; }
};

TEST_P(device_refusal_test, ARefusedDmIsReportedAsNotSent) {
    register_users({"sensor1", "bob"});
    int sent = 0;
    command_result last;
    EXPECT_TRUE(wait_until(
        [&] {
            last = sample("send_dm", "sensor1", {"--to", "bob", "reading"});
            if (last.exit_code == 0) ++sent;
            return last.exit_code != 0;
        },
        30s, 50ms));
    EXPECT_NE(last.err.find("not sent"), std::string::npos) << last.out << last.err;
    EXPECT_NE(broker_->log_text().find("the recipient's queue is full"), std::string::npos);
    // Every DM the sample called sent is in bob's queue; the refused one is not.
    EXPECT_EQ(static_cast<int>(messages_in(papo("bob", {"read", "--json"}).out).size()), sent);
}

INSTANTIATE_TEST_SUITE_P(samples, device_refusal_test, ::testing::Values("python", "node"),
                         [](const auto& param_info) { return param_info.param; });

// papo's times are UTC with a Z: the schema refuses "+01:00" (tests/schema/examples/
// message/bad-local-time.json) and papo, which delivers the message, shows no time for it.
class device_times : public chat_test {};

TEST_F(device_times, ATimeWithAnOffsetIsShownAsUnknownNeverAsATime) {
    register_users({"sensor1", "bob"});
    const auto pub = run_command(
        mqtt_tool("mosquitto_pub", "sensor1", "sensor1~pub",
                  {"-q", "1", "-t", "users/bob/inbox/sensor1", "-m",
                   R"({"id":"sensor1-offset","text":"local time","sent_at":"2026-11-24T11:00:00.000+01:00"})"}),
        20);
    ASSERT_EQ(pub.exit_code, 0) << pub.err;
    const auto read = papo("bob", {"read"});
    ASSERT_EQ(read.exit_code, 0) << read.err;
    EXPECT_NE(read.out.find("local time"), std::string::npos) << read.out;
    EXPECT_NE(read.out.find("[unknown time]"), std::string::npos) << read.out;
    EXPECT_EQ(read.out.find("11:00"), std::string::npos) << read.out;
    EXPECT_EQ(read.out.find("10:00"), std::string::npos) << read.out;
}

// The operator's recipe of topics-schema/devices.md: mosquitto_sub with its default-options
// file ($XDG_CONFIG_HOME/mosquitto_sub, 0600) holding papo-server's login, and no client id (the broker assigns one). It sees
// papo-server's answers, never a request, so never a new user's password.
class operator_inspection : public chat_test {};

TEST_F(operator_inspection, AnOperatorSeesTheAnswersButNeverANewUsersPassword) {
    const std::string options = state_dir_ + "/ops";
    ASSERT_EQ(run_command({"mkdir", "-m", "700", options}, 10).exit_code, 0);
    papo::write_secret_file(options + "/mosquitto_sub", "-V 5\n-u papo-server\n-P " + password_of("papo-server") + "\n");
    auto watch = std::make_unique<background_process>(std::vector<std::string>{
        "env", "XDG_CONFIG_HOME=" + options, "stdbuf", "-oL", "mosquitto_sub", "-p", std::to_string(broker_->port()), "-v", "-t",
        "server/v1/#", "-d"});
    ASSERT_TRUE(watch->wait_for_output("Subscribed (mid:")) << watch->output();
    register_users({"newbie"});
    ASSERT_TRUE(wait_until([&] { return watch->output().find("\"kind\":\"user\"") != std::string::npos; }))
        << watch->output();
    const std::string seen = watch->output();
    EXPECT_NE(seen.find("server/v1/response/papo-admin/"), std::string::npos) << seen;
    EXPECT_EQ(seen.find("server/v1/request/"), std::string::npos) << seen;
    EXPECT_EQ(seen.find(password_of("newbie")), std::string::npos) << seen;
    // No client id given: with MQTT 5 the broker assigns a fresh one (auto-<uuid>) each time.
    EXPECT_NE(seen.find("Client auto-"), std::string::npos) << seen;
}

// Every ```sh block of topics-schema/devices.md, in order, as printed (only the port 1883
// becomes the test broker's), from a folder laid out like the project's: topics-schema/,
// tests/, build/papo-admin (with the test broker's address) and data/secrets/.
class device_guide : public chat_test {};

TEST_F(device_guide, TheGuidesExamplesRunAsPrinted) {
    const std::string source = env_or("PAPO_SOURCE_DIR", PAPO_SOURCE_DIR_DEFAULT);
    ASSERT_TRUE(exists(source + "/topics-schema/samples/node/node_modules/mqtt/package.json"))
        << "the guide runs the Node.js sample: run `npm ci` in topics-schema/samples/node";
    register_users({"bob"});
    ASSERT_EQ(admin({"topics", "add", "lobby"}).exit_code, 0);
    const std::string port = std::to_string(broker_->port());
    const std::string project = state_dir_ + "/project";
    const std::string setup = "set -e; mkdir -p '" + project + "/build' '" + project + "/data/secrets'; cd '" + project +
                              "'; ln -s '" + source + "/topics-schema' topics-schema; ln -s '" + source +
                              "/tests' tests; cp '" + broker_->password_file("papo-server") + "' '" +
                              broker_->password_file("papo-admin") + "' data/secrets/; chmod 600 data/secrets/*; " +
                              "printf '#!/bin/sh\\nexec %s --broker tcp://127.0.0.1:%s \"$@\"\\n' '" +
                              env_or("PAPO_ADMIN_BIN", PAPO_ADMIN_BIN_DEFAULT) + "' " + port +
                              " > build/papo-admin; chmod +x build/papo-admin";
    const auto made = run_command({"bash", "-c", setup}, 20);
    ASSERT_EQ(made.exit_code, 0) << made.err;

    std::istringstream guide(test::read_file(source + "/topics-schema/devices.md"));
    std::vector<std::string> blocks;
    bool in_block = false;
    for (std::string line; std::getline(guide, line);) {
        if (line == "```sh") {
            in_block = true;
            blocks.emplace_back();
        } else if (line == "```") {
            in_block = false;
        } else if (in_block) {
            for (std::size_t at; (at = line.find("1883")) != std::string::npos;) line.replace(at, 4, port);
            blocks.back() += line + "\n";
        }
    }
    ASSERT_GE(blocks.size(), 8u);
    std::string printed;
    for (const auto& block : blocks) {
        const auto ran = run_command({"bash", "-c", "set -euo pipefail; cd '" + project + "'\n" + block}, 60);
        EXPECT_EQ(ran.exit_code, 0) << block << ran.out << ran.err;
        printed += ran.out;
    }
    // Three DMs reached bob (Python, Node.js, mosquitto_pub); the answers were printed.
    const auto got = messages_in(papo("bob", {"read", "--json"}).out);
    EXPECT_EQ(got.size(), 3u) << printed;
    EXPECT_NE(printed.find(R"("ok": true)"), std::string::npos) << printed;
    EXPECT_NE(printed.find("joined lobby"), std::string::npos) << printed;
    EXPECT_NE(printed.find("refused"), std::string::npos) << "validate.py took a +01:00 time: " << printed;

    // topics.md "Examples with the Mosquitto clients", as printed, with the named queue
    // "sensors" it names. The Mosquitto clients get the test broker's port, and a
    // mosquitto_sub without -W or -C (a watch an operator leaves running) stops after 2 s.
    const std::string sensors_password = project + "/sensors.password";
    papo::write_secret_file(sensors_password, "password-of-sensors");
    ASSERT_EQ(admin({"queues", "add", "sensors", "--new-password-file", sensors_password}).exit_code, 0);
    const std::string topics_md = test::read_file(source + "/topics-schema/topics.md");
    const auto section = topics_md.find("## Examples with the Mosquitto clients");
    ASSERT_NE(section, std::string::npos);
    const auto begin = topics_md.find("```sh\n", section);
    const auto end = topics_md.find("\n```", begin + 6);
    ASSERT_NE(end, std::string::npos);
    const std::string wrappers =
        "mosquitto_pub() { command mosquitto_pub -p " + port + " \"$@\"; }\n" +
        "mosquitto_sub() { case \" $* \" in *\" -W \"*|*\" -C \"*) command mosquitto_sub -p " + port +
        " \"$@\";; *) command mosquitto_sub -p " + port + " -W 2 \"$@\" || [ $? -eq 27 ];; esac; }\n";
    const auto ran = run_command(
        {"bash", "-c", "set -euo pipefail; cd '" + project + "'\n" + wrappers + topics_md.substr(begin + 6, end - begin - 6)},
        60);
    EXPECT_EQ(ran.exit_code, 0) << ran.out << ran.err;
    EXPECT_NE(ran.out.find("registry/users/bob {"), std::string::npos) << ran.out;  // the retained registry
    EXPECT_NE(ran.out.find(R"({"command":"topics.ls","data":[{)"), std::string::npos) << ran.out;
    EXPECT_EQ(ran.out.find("server/v1/request/"), std::string::npos) << ran.out;
}

}  // namespace
}  // namespace papo::e2e
