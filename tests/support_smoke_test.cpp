// The test fixture itself (tests/support) against a real mosquitto: if these
// fail, every integration and e2e test would fail for the fixture's sake.
#include "broker.h"
#include "broker_config.h"
#include "files.h"
#include "process.h"

#include "papo/error.h"
#include "papo/session.h"

#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

namespace papo::test {
namespace {

using namespace std::chrono_literals;

session_options client(const broker& b, const std::string& id) {
    session_options options;
    options.broker = b.uri();
    options.client_id = id;
    options.timeout = 5000ms;
    return options;
}

// The next message on `topic` within a few seconds.
std::optional<inbound> next_on(session& s, const std::string& topic) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline)
        if (auto message = s.next(100ms); message && message->topic == topic) return message;
    return std::nullopt;
}

TEST(broker_fixture, DeliversAMessageAndKeepsRetainedOnesAcrossARestart) {
    broker mosquitto({}, broker::access::open);
    EXPECT_NE(mosquitto.port(), 1883);
    EXPECT_EQ(mosquitto.uri(), "tcp://127.0.0.1:" + std::to_string(mosquitto.port()));

    {
        session s(client(mosquitto, "smoke-1"));
        s.connect();
        s.subscribe({"smoke/#"}, 1);
        s.publish("smoke/hello", "hi");
        const auto message = next_on(s, "smoke/hello");
        ASSERT_TRUE(message) << "the broker did not deliver a message";
        EXPECT_EQ(message->payload, "hi");
        publish_options retained;
        retained.retained = true;
        s.publish("smoke/kept", "still here", retained);
        s.disconnect();
    }

    const int port = mosquitto.port();
    mosquitto.stop();
    EXPECT_FALSE(mosquitto.running());
    EXPECT_TRUE(std::filesystem::exists(mosquitto.database_path())) << "a clean stop saves the database";
    mosquitto.start();
    EXPECT_EQ(mosquitto.port(), port);

    session again(client(mosquitto, "smoke-2"));
    again.connect();
    again.subscribe({"smoke/kept"}, 1);
    const auto kept = next_on(again, "smoke/kept");
    ASSERT_TRUE(kept) << "the retained message did not survive the restart";
    EXPECT_EQ(kept->payload, "still here");
    EXPECT_TRUE(kept->retained);
    again.disconnect();
    EXPECT_NE(mosquitto.log_text().find("smoke-2"), std::string::npos) << "connections are logged to the log file";
}

TEST(broker_fixture, KillIsACrashThatStartCanRecoverFrom) {
    broker mosquitto({}, broker::access::open);
    mosquitto.kill();
    EXPECT_FALSE(mosquitto.running());
    EXPECT_THROW(session(client(mosquitto, "smoke-down")).connect(), papo::error);
    mosquitto.start();
    session s(client(mosquitto, "smoke-up"));
    EXPECT_NO_THROW(s.connect());
}

TEST(broker_fixture, ConfigurationKeepsTheProjectsSettingsAndOwnsItsFolders) {
    broker mosquitto({"autosave_interval 1"});
    const std::string config = read_file(mosquitto.config_path());
    EXPECT_NE(config.find("listener " + std::to_string(mosquitto.port()) + " 127.0.0.1\n"), std::string::npos);
    EXPECT_EQ(config.find("\nlistener 1883"), std::string::npos);
    EXPECT_NE(config.find("persistence_location " + mosquitto.data_dir() + "/\n"), std::string::npos);
    EXPECT_NE(config.find("log_dest file " + mosquitto.data_dir() + "/mosquitto.log\n"), std::string::npos);
    EXPECT_EQ(config.find("\nlog_dest stderr"), std::string::npos);
    EXPECT_NE(config.find("\npersistence true\n"), std::string::npos);  // the project's own settings
    EXPECT_NE(config.find("\nautosave_interval 1\n"), std::string::npos);
    if (::geteuid() == 0) {
        EXPECT_NE(config.find("\nuser root\n"), std::string::npos);
    }
}

TEST(broker_fixture, DerivedConfigurationReplacesOnlyWhatATestMustOwn) {
    broker_settings settings;
    settings.port = 4242;
    settings.dir = "/tmp/t";
    settings.source_dir = "/src";
    settings.as_root = true;
    const std::string derived = derive_broker_config(
        "# a comment with listener 1883\nlistener 1883 127.0.0.1\nuser mosquitto\npersistence_location data/\n"
        "log_dest stderr\nlog_dest syslog\npassword_file config/passwd\nacl_file /etc/acl\nallow_anonymous false\n",
        settings);
    EXPECT_NE(derived.find("# a comment with listener 1883\n"), std::string::npos);
    EXPECT_NE(derived.find("\nlistener 4242 127.0.0.1\n"), std::string::npos);
    EXPECT_NE(derived.find("\npersistence_location /tmp/t/\n"), std::string::npos);
    EXPECT_NE(derived.find("\nlog_dest file /tmp/t/mosquitto.log\n"), std::string::npos);
    EXPECT_EQ(derived.find("\nlog_dest syslog"), std::string::npos);
    EXPECT_EQ(derived.find("\nuser mosquitto"), std::string::npos);
    EXPECT_NE(derived.find("\nuser root\n"), std::string::npos);
    EXPECT_NE(derived.find("\npassword_file /src/config/passwd\n"), std::string::npos);
    EXPECT_NE(derived.find("\nacl_file /etc/acl\n"), std::string::npos);
    EXPECT_NE(derived.find("\nallow_anonymous false\n"), std::string::npos);
}

TEST(process_helpers, RunCommandCapturesOutputsAndExitCode) {
    const auto result = run_command({"sh", "-c", "echo out; echo err >&2; exit 3"}, 5s);
    EXPECT_EQ(result.exit_code, 3);
    EXPECT_FALSE(result.timed_out);
    EXPECT_EQ(result.out, "out\n");
    EXPECT_EQ(result.err, "err\n");
}

TEST(process_helpers, RunCommandKillsAProgramThatOverstaysItsTimeout) {
    const auto started = std::chrono::steady_clock::now();
    const auto result = run_command({"sleep", "30"}, 200ms);
    EXPECT_TRUE(result.timed_out);
    EXPECT_EQ(result.exit_code, -1);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST(process_helpers, MissingProgramIsAClearError) {
    EXPECT_THROW(run_command({"papo-no-such-program"}, 1s), std::runtime_error);
    EXPECT_THROW(process({"/nonexistent/program"}), std::runtime_error);
}

TEST(process_helpers, BackgroundProcessCanBeWaitedStoppedAndKilled) {
    process quick({"sh", "-c", "echo hello; exit 7"});
    EXPECT_EQ(quick.wait(), 7);
    EXPECT_EQ(quick.output(), "hello\n");
    EXPECT_FALSE(quick.running());

    process polite({"sleep", "30"});
    EXPECT_TRUE(polite.running());
    EXPECT_EQ(polite.wait_for(50ms), std::nullopt);
    EXPECT_EQ(polite.stop(), 128 + SIGTERM);

    process stubborn({"sh", "-c", "trap '' TERM; echo ready; while :; do sleep 0.05; done"});
    ASSERT_TRUE(stubborn.wait_for_output("ready", 5s));
    EXPECT_EQ(stubborn.stop(200ms), 128 + SIGKILL);  // ignored SIGTERM, so killed after the grace period
}

TEST(process_helpers, StdinPipeIsTypedIntoAndClosedByTheTest) {
    process echo({"sh", "-c", "while read -r line; do echo \"got $line\"; done; echo eof"}, {}, process::input::pipe);
    ASSERT_TRUE(echo.write_input("one\n"));
    ASSERT_TRUE(echo.wait_for_output("got one", 5s)) << echo.output();
    EXPECT_TRUE(echo.running());  // the pipe is open: no end of file yet
    ASSERT_TRUE(echo.write_input("two\n"));
    echo.close_input();
    EXPECT_EQ(echo.wait_for(5s), 0);
    EXPECT_EQ(echo.output(), "got one\ngot two\neof\n");
    EXPECT_FALSE(echo.write_input("too late\n"));
    // A program that has exited: no wait for output it will never print.
    const auto started = std::chrono::steady_clock::now();
    EXPECT_FALSE(echo.wait_for_output("never", 5s));
    EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
    // Typing into one that exited without reading is a false, not a SIGPIPE for the test.
    process gone({"true"}, {}, process::input::pipe);
    EXPECT_EQ(gone.wait(), 0);
    EXPECT_FALSE(gone.write_input("anyone?\n"));
}

}  // namespace
}  // namespace papo::test
