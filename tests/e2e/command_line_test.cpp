// The command lines of papo and papo-admin (issue 14, items 3 and 4 and its small
// findings): every argument and option is checked before any password prompt or
// connection, exit status 0 / 1 / 2 (usage) everywhere, help for each command, text as
// people type it (the words after the name, or standard input with '-'), `who` shows you
// online, papo-admin --json as documented, new passwords asked again.
#include "chat_fixture.h"
#include "tmux_pane.h"

#include "papo/messages.h"
#include "ports.h"

#include <stdlib.h>

#include <algorithm>
#include <regex>

namespace papo::e2e {
namespace {

std::string papo_bin() { return env_or("PAPO_BIN", PAPO_BIN_DEFAULT); }
std::string admin_bin() { return env_or("PAPO_ADMIN_BIN", PAPO_ADMIN_BIN_DEFAULT); }

// The environment variables papo and papo-admin read, unset: only the command line counts.
const std::vector<std::string> clean_env{"env", "-u", "PAPO_USER", "-u", "PAPO_PASSWORD", "-u", "PAPO_PASSWORD_FILE",
                                         "-u", "PAPO_BROKER", "-u", "PAPO_ADMIN_PASSWORD", "-u", "PAPO_ADMIN_PASSWORD_FILE",
                                         "-u", "PAPO_NEW_PASSWORD"};

// No broker at all: a loopback port nothing listens on. Whatever these tests check is
// decided before papo would connect (an old papo got as far as "cannot reach the broker").
class arguments_first : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = make_temp_dir("papo-args");
        ::setenv("XDG_CONFIG_HOME", (dir_ + "/config").c_str(), 1);  // no config file or stored login of the real home
        nowhere_ = "tcp://127.0.0.1:" + std::to_string(test::free_loopback_port());
    }
    void TearDown() override { remove_tree(dir_); }

    // `program` with `args`, the broker nowhere (unless `args` name one) and papo's state
    // in this test's folder.
    std::vector<std::string> argv_of(const std::string& program, const std::vector<std::string>& args) {
        std::vector<std::string> argv = clean_env;
        argv.push_back(program);
        if (std::find(args.begin(), args.end(), "--broker") == args.end()) argv.insert(argv.end(), {"--broker", nowhere_});
        if (program == papo_bin()) argv.insert(argv.end(), {"--state-dir", dir_ + "/state"});
        argv.insert(argv.end(), args.begin(), args.end());
        return argv;
    }
    command_result papo(const std::vector<std::string>& args) { return run_command(argv_of(papo_bin(), args), 20); }
    command_result admin(const std::vector<std::string>& args) { return run_command(argv_of(admin_bin(), args), 20); }
    std::string line(const std::string& program, const std::vector<std::string>& args) {
        return shell_line(argv_of(program, args));
    }

    std::string dir_;
    std::string nowhere_;
};

class arguments_first_at_a_terminal : public arguments_first {
protected:
    void SetUp() override {
        if (!tmux_pane::available()) GTEST_SKIP() << "tmux is not installed (scripts/install-deps.sh installs it)";
        arguments_first::SetUp();
    }
};

TEST_F(arguments_first_at_a_terminal, AMistypedCommandIsRefusedBeforeThePasswordPrompt) {
    tmux_pane pane(dir_, line(papo_bin(), {"-u", "alice", "sned", "bob", "hi"}));
    const std::string shown = pane.wait_for_text("EXITED");
    EXPECT_NE(shown.find("unknown command 'sned'"), std::string::npos) << shown;
    EXPECT_NE(shown.find("EXITED 2"), std::string::npos) << shown;
    EXPECT_EQ(shown.find("password for alice"), std::string::npos) << shown;
}

TEST_F(arguments_first_at_a_terminal, PapoAdminRefusesAnInvalidNameBeforeAskingForItsPassword) {
    tmux_pane pane(dir_, line(admin_bin(), {"users", "add", "bad/name"}));
    const std::string shown = pane.wait_for_text("EXITED");
    EXPECT_NE(shown.find("invalid user name 'bad/name': contains '/'"), std::string::npos) << shown;
    EXPECT_NE(shown.find("EXITED 2"), std::string::npos) << shown;
    EXPECT_EQ(shown.find("password"), std::string::npos) << shown;
}

TEST_F(arguments_first_at_a_terminal, AShortNewPasswordIsRefusedAtOnceAndThreeFailuresEndTheCommand) {
    tmux_pane pane(dir_, line(admin_bin(), {"users", "add", "carol"}));
    const std::string prompt = "new password for carol:";
    for (int attempt = 1; attempt <= 3; ++attempt) {
        const std::string asked = pane.wait_for_text(prompt, attempt);
        ASSERT_EQ(tmux_pane::count(asked, prompt), attempt) << asked;
        pane.type_line("short");
        // Refused right after this first entry: no "again:" prompt for it.
        const std::string refused = pane.wait_for_text("8 to 256 bytes", attempt);
        ASSERT_EQ(tmux_pane::count(refused, "8 to 256 bytes"), attempt) << refused;
        EXPECT_EQ(refused.find("again:"), std::string::npos) << refused;
    }
    const std::string shown = pane.wait_for_text("EXITED");
    EXPECT_NE(shown.find("no new password for carol after 3 tries"), std::string::npos) << shown;
    EXPECT_NE(shown.find("EXITED 1"), std::string::npos) << shown;
}

TEST_F(arguments_first, UnknownCommandsAreUsageErrors) {
    for (const auto& command : {"sned", "register", "nonsense"}) {
        const auto result = papo({"-u", "alice", command, "bob", "hi"});
        EXPECT_EQ(result.exit_code, 2) << command << ": " << result.err;
        EXPECT_EQ(result.err.find("password"), std::string::npos) << result.err;
    }
    const auto admin_unknown = admin({"users", "frobnicate", "x"});
    EXPECT_EQ(admin_unknown.exit_code, 2) << admin_unknown.err;
}

TEST_F(arguments_first, MissingOrExtraArgumentsAreUsageErrors) {
    const std::vector<std::vector<std::string>> cases{
        {"send"},          {"send", "bob"},     {"post", "lobby"}, {"join"},          {"leave", "a", "b"},
        {"read", "extra"}, {"who", "everyone"}, {"topics", "all"}, {"outbox", "now"}, {"help", "send", "post"},
    };
    for (const auto& args : cases) {
        std::vector<std::string> argv{"-u", "alice"};
        argv.insert(argv.end(), args.begin(), args.end());
        const auto result = papo(argv);
        EXPECT_EQ(result.exit_code, 2) << args[0] << " (" << args.size() << " words): " << result.err;
        EXPECT_NE(result.err.find("usage: papo"), std::string::npos) << result.err;
    }
    for (const auto& args : std::vector<std::vector<std::string>>{{"users"}, {"users", "add"}, {"topics", "rm"}, {"queues", "ls", "x"}})
        EXPECT_EQ(admin(args).exit_code, 2) << args.size();
}

TEST_F(arguments_first, InvalidNamesAreUsageErrorsFoundBeforeConnecting) {
    const auto to = papo({"-u", "alice", "send", "bad/name", "hi"});
    EXPECT_EQ(to.exit_code, 2) << to.err;
    EXPECT_NE(to.err.find("invalid user name 'bad/name'"), std::string::npos) << to.err;
    const auto topic = papo({"-u", "alice", "join", "a+b"});
    EXPECT_EQ(topic.exit_code, 2) << topic.err;
    EXPECT_NE(topic.err.find("invalid topic name 'a+b'"), std::string::npos) << topic.err;
    const auto me = papo({"-u", "bad/me", "who"});
    EXPECT_EQ(me.exit_code, 2) << me.err;
    EXPECT_NE(me.err.find("invalid user name 'bad/me'"), std::string::npos) << me.err;
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"users", "add", "bad/name"}, {"users", "passwd", "a#b"}, {"topics", "add", "a b"}, {"queues", "add", "$sys"}}) {
        const auto refused = admin(args);
        EXPECT_EQ(refused.exit_code, 2) << args[2] << ": " << refused.err;
        EXPECT_NE(refused.err.find("invalid"), std::string::npos) << refused.err;
    }
}

TEST_F(arguments_first, WithoutAUserPapoAsksWhoYouAre) {
    for (const auto& args : std::vector<std::vector<std::string>>{{"who"}, {"send", "bob", "hi"}, {"read"}, {}}) {
        const auto result = papo(args);
        EXPECT_EQ(result.exit_code, 2) << result.err;
        EXPECT_NE(result.err.find("say who you are: --user NAME"), std::string::npos) << result.err;
        EXPECT_EQ(result.err.find("refused the login"), std::string::npos) << result.err;
    }
}

TEST_F(arguments_first, NoOptionValueEndsInACrashOrAConnection) {
    const std::vector<std::vector<std::string>> papo_cases{
        {"--wait", "nan", "read"},          {"--wait", "-1", "read"},         {"--wait", "1e300", "read"},
        {"--wait", "inf", "read"},          {"--hold", "nan", "read"},        {"--hold", "-5", "read"},
        {"--hold", "1e300", "read"},        {"--resend-after", "-1", "outbox"}, {"--resend-after", "99999999999", "outbox"},
        {"--timeout", "abc", "who"},        {"--timeout", "nan", "who"},      {"--timeout", "1e400", "who"},
        {"--broker", "nonsense", "who"},    {"--broker", "tcp://", "who"},    {"--broker", "", "who"},
        {"who", "--state-dir"},             {"--bogus-option", "who"},
    };
    for (const auto& args : papo_cases) {
        std::vector<std::string> argv{"-u", "alice"};
        argv.insert(argv.end(), args.begin(), args.end());
        const auto result = papo(argv);
        EXPECT_EQ(result.exit_code, 2) << args[0] << " " << (args.size() > 1 ? args[1] : "") << ": " << result.err;
        EXPECT_FALSE(result.err.empty());
    }
    const std::vector<std::vector<std::string>> admin_cases{
        {"--timeout", "nan", "users", "ls"}, {"--timeout", "-3", "users", "ls"}, {"--broker", "nonsense", "users", "ls"},
        {"--timeout", "x", "users", "ls"}};
    for (const auto& args : admin_cases) {
        const auto result = admin(args);
        EXPECT_EQ(result.exit_code, 2) << args[0] << " " << args[1] << ": " << result.err;
    }
}

TEST_F(arguments_first, EveryCommandHasItsHelp) {
    for (const std::string command : {"send", "post", "join", "leave", "read", "who", "topics", "outbox"}) {
        for (const auto& args : std::vector<std::vector<std::string>>{{"help", command}, {command, "--help"}}) {
            const auto result = papo(args);
            EXPECT_EQ(result.exit_code, 0) << args[0] << " " << args[1] << ": " << result.err;
            EXPECT_NE(result.out.find("Usage: papo [options] " + command), std::string::npos) << result.out;
            EXPECT_NE(result.out.find("--user"), std::string::npos) << result.out;
        }
    }
    for (const std::string command : {"send", "post"}) {
        const auto result = papo({"help", command});
        EXPECT_NE(result.out.find("16384 bytes (16 KiB)"), std::string::npos) << result.out;
        EXPECT_NE(result.out.find("standard input"), std::string::npos) << result.out;
    }
    const auto general = papo({"help"});
    EXPECT_EQ(general.exit_code, 0);
    EXPECT_NE(general.out.find("16384 bytes (16 KiB)"), std::string::npos) << general.out;
    EXPECT_NE(general.out.find("2 usage error"), std::string::npos) << general.out;
    const auto unknown = papo({"help", "sned"});
    EXPECT_EQ(unknown.exit_code, 2);
    EXPECT_NE(unknown.err.find("unknown command 'sned'"), std::string::npos) << unknown.err;
}

// The help lists the password sources in the order papo tries them: the variable with
// the password itself wins over the one naming a file (credentials.cpp).
TEST_F(arguments_first, HelpListsThePasswordSourcesInTheOrderTheyWin) {
    const std::regex value_first(R"(PAPO_PASSWORD\b[^_][\s\S]*PAPO_PASSWORD_FILE)");
    const auto papo_help = papo({"--help"});
    EXPECT_TRUE(std::regex_search(papo_help.out, value_first)) << papo_help.out;
    const std::regex admin_value_first(R"(PAPO_ADMIN_PASSWORD\b[^_][\s\S]*PAPO_ADMIN_PASSWORD_FILE)");
    const auto admin_help = admin({"--help"});
    EXPECT_TRUE(std::regex_search(admin_help.out, admin_value_first)) << admin_help.out;
}

TEST_F(arguments_first, ATextOverTheLimitIsRefusedSayingTheLimit) {
    const std::string too_long(max_text_bytes + 1, 'x');
    const auto given = papo({"-u", "alice", "send", "bob", too_long});
    EXPECT_EQ(given.exit_code, 2) << given.err;
    EXPECT_NE(given.err.find("16385 bytes; a message has at most 16384 bytes (16 KiB)"), std::string::npos) << given.err;

    background_process piped(argv_of(papo_bin(), {"-u", "alice", "post", "lobby", "-"}), dir_ + "/piped.out", background_process::input::pipe);
    ASSERT_TRUE(piped.write_input(too_long + "\n"));
    piped.close_input();
    const auto status = piped.wait_for(std::chrono::seconds(20));
    ASSERT_TRUE(status.has_value()) << piped.output();
    EXPECT_EQ(*status, 2) << piped.output();
    EXPECT_NE(piped.output().find("at most 16384 bytes (16 KiB)"), std::string::npos) << piped.output();

    const auto empty = papo({"-u", "alice", "send", "bob", ""});
    EXPECT_EQ(empty.exit_code, 2) << empty.err;
    EXPECT_NE(empty.err.find("the text is empty"), std::string::npos) << empty.err;
}

// --- Against a real broker and papo-server ------------------------------------------

class text_as_people_type_it : public chat_test {
protected:
    // papo as `user` with `args`, its standard input `input` (then end of file).
    std::pair<int, std::string> papo_with_input(const std::string& user, const std::vector<std::string>& args,
                                                const std::string& input) {
        std::vector<std::string> argv{papo_bin(), "--broker", broker_->uri(), "--state-dir", state_dir_,
                                      "--user", user, "--password-file", password_file(user)};
        argv.insert(argv.end(), args.begin(), args.end());
        background_process program(argv, {}, background_process::input::pipe);
        program.write_input(input);
        program.close_input();
        const auto status = program.wait_for(std::chrono::seconds(30));
        return {status.value_or(-1), program.output()};
    }
    std::vector<std::string> texts_read_by(const std::string& user) {
        std::vector<std::string> texts;
        for (const auto& m : messages_in(papo(user, {"--hold", "0", "read", "--json"}).out)) texts.push_back(m.at("text"));
        std::sort(texts.begin(), texts.end());
        return texts;
    }
};

TEST_F(text_as_people_type_it, TheWordsAfterTheNameAreTheText) {
    register_users({"alice", "bob"});
    ASSERT_EQ(admin({"topics", "add", "lobby"}).exit_code, 0);
    ASSERT_EQ(papo("bob", {"join", "lobby"}).exit_code, 0);
    const auto sent = papo("alice", {"send", "bob", "hi", "there"});
    ASSERT_EQ(sent.exit_code, 0) << sent.err;
    const auto posted = papo("alice", {"post", "lobby", "hello", "every", "one"});
    ASSERT_EQ(posted.exit_code, 0) << posted.err;
    ASSERT_EQ(papo("alice", {"send", "bob", "quoted  text  keeps  its  spaces"}).exit_code, 0);
    ASSERT_EQ(papo("alice", {"send", "bob", "--", "-5", "degrees"}).exit_code, 0);
    const std::vector<std::string> expected{"-5 degrees", "hello every one", "hi there", "quoted  text  keeps  its  spaces"};
    EXPECT_EQ(texts_read_by("bob"), expected);
}

TEST_F(text_as_people_type_it, ADashReadsTheTextFromStandardInput) {
    register_users({"alice", "bob"});
    ASSERT_EQ(admin({"topics", "add", "lobby"}).exit_code, 0);
    ASSERT_EQ(papo("bob", {"join", "lobby"}).exit_code, 0);
    const auto [sent, sent_output] = papo_with_input("alice", {"send", "bob", "-"}, "first line\nsecond line\n");
    ASSERT_EQ(sent, 0) << sent_output;
    const auto [posted, posted_output] = papo_with_input("alice", {"post", "lobby", "-"}, "a post from a pipe\n");
    ASSERT_EQ(posted, 0) << posted_output;
    const std::vector<std::string> expected{"a post from a pipe", "first line\nsecond line"};
    EXPECT_EQ(texts_read_by("bob"), expected);
}

class who_am_i : public chat_test {};

TEST_F(who_am_i, WhoShowsYouOnlineWhileYouAsk) {
    register_users({"alice", "bob"});
    const auto listed = papo("alice", {"who"});
    ASSERT_EQ(listed.exit_code, 0) << listed.err;
    EXPECT_TRUE(std::regex_search(listed.out, std::regex(R"((^|\n)alice +online \(you\)\n)"))) << listed.out;
    EXPECT_TRUE(std::regex_search(listed.out, std::regex(R"((^|\n)bob +offline\n)"))) << listed.out;
    const auto as_json = papo("alice", {"--json", "who"});
    ASSERT_EQ(as_json.exit_code, 0) << as_json.err;
    for (const auto& row : nlohmann::json::parse(as_json.out)) {
        const bool me = row.at("name") == "alice";
        EXPECT_EQ(row.at("online").get<bool>(), me) << row.dump();
        EXPECT_EQ(row.value("you", false), me) << row.dump();
    }
}

class admin_command_line : public chat_test {};

// --json prints the data of papo-server's answer (what README says), a failure as
// {"ok": false, "code", "error"}; a usage error has code "usage" or the name's code.
TEST_F(admin_command_line, JsonPrintsTheAnswersDataAndFailuresWithTheirCode) {
    const auto added = admin({"--json", "users", "add", "dave"});
    ASSERT_EQ(added.exit_code, 0) << added.err;
    const auto data = nlohmann::json::parse(added.out);
    EXPECT_EQ(data.at("name"), "dave") << added.out;
    EXPECT_EQ(data.value("kind", ""), "user") << added.out;
    EXPECT_FALSE(data.contains("ok")) << added.out;
    const auto listed = nlohmann::json::parse(admin({"--json", "users", "ls"}).out);
    ASSERT_TRUE(listed.is_array()) << listed.dump();
    EXPECT_EQ(listed.size(), 1u);

    const auto taken = admin({"--json", "users", "add", "dave"});
    ASSERT_EQ(taken.exit_code, 1) << taken.err;
    const auto refusal = nlohmann::json::parse(taken.out);
    EXPECT_EQ(refusal.at("ok"), false) << taken.out;
    EXPECT_EQ(refusal.at("code"), "name-taken") << taken.out;
    const auto invalid = admin({"--json", "users", "add", "bad/name"});
    ASSERT_EQ(invalid.exit_code, 2) << invalid.err;
    EXPECT_EQ(nlohmann::json::parse(invalid.out).at("code"), "invalid-name") << invalid.out;
    const auto incomplete = admin({"--json", "users", "add"});
    ASSERT_EQ(incomplete.exit_code, 2);
    EXPECT_EQ(nlohmann::json::parse(incomplete.out).at("code"), "usage") << incomplete.out;

    const auto help = admin({"--help"});
    EXPECT_NE(help.out.find("answer's data"), std::string::npos) << help.out;
}

class new_password_at_a_terminal : public chat_test {
protected:
    void SetUp() override {
        if (!tmux_pane::available()) GTEST_SKIP() << "tmux is not installed (scripts/install-deps.sh installs it)";
        chat_test::SetUp();
    }
};

// A short one is refused right after it is typed, two that differ ask again, and the
// account then works with the password typed last.
TEST_F(new_password_at_a_terminal, AShortOrMistypedNewPasswordIsAskedAgain) {
    std::vector<std::string> argv = clean_env;
    argv.insert(argv.end(), {admin_bin(), "--broker", broker_->uri(), "--password-file", broker_->password_file("papo-admin"),
                             "users", "add", "carol"});
    tmux_pane pane(state_dir_, shell_line(argv));
    const std::string prompt = "new password for carol:";
    pane.wait_for_text(prompt);
    pane.type_line("short");
    std::string shown = pane.wait_for_text(prompt, 2);
    ASSERT_EQ(tmux_pane::count(shown, prompt), 2) << shown;
    EXPECT_NE(shown.find("8 to 256 bytes"), std::string::npos) << shown;
    EXPECT_EQ(shown.find("again:"), std::string::npos) << "the short one was refused only after a second entry:\n" << shown;

    pane.type_line("password-one");
    pane.wait_for_text("again:");
    pane.type_line("password-two");
    shown = pane.wait_for_text(prompt, 3);
    ASSERT_EQ(tmux_pane::count(shown, prompt), 3) << shown;
    EXPECT_NE(shown.find("the two passwords differ; try again"), std::string::npos) << shown;

    pane.type_line("password-one");
    pane.wait_for_text("again:", 2);
    pane.type_line("password-one");
    shown = pane.wait_for_text("EXITED");
    EXPECT_NE(shown.find("created user carol"), std::string::npos) << shown;
    EXPECT_NE(shown.find("EXITED 0"), std::string::npos) << shown;

    const auto login = run_command({"env", "PAPO_PASSWORD=password-one", papo_bin(), "--broker", broker_->uri(), "--state-dir",
                                    state_dir_, "--user", "carol", "who"},
                                   30);
    EXPECT_EQ(login.exit_code, 0) << login.err;
}

}  // namespace
}  // namespace papo::e2e
