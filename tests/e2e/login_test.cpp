// Log in once (issue 14, items 1 and 2): `papo login` checks the password with the broker
// and keeps it in a 0600 file under $XDG_CONFIG_HOME/papo; later commands of that profile
// need no password, --broker or --user; `papo logout`, `--profile`, `papo passwd`,
// `papo-admin login`; the config file under the environment and the command line.
// HOME and XDG_CONFIG_HOME point into the test's temporary folder.
#include "chat_fixture.h"
#include "tmux_pane.h"

#include "papo/credentials.h"
#include "ports.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

namespace papo::e2e {
namespace {

std::string papo_bin() { return env_or("PAPO_BIN", PAPO_BIN_DEFAULT); }
std::string admin_bin() { return env_or("PAPO_ADMIN_BIN", PAPO_ADMIN_BIN_DEFAULT); }

mode_t mode_of(const std::string& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) return 0;
    return info.st_mode & 0777;
}

bool exists(const std::string& path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0;
}

class login_test : public chat_test {
protected:
    void SetUp() override {
        chat_test::SetUp();
        home_ = state_dir_ + "/home";
        config_ = home_ + "/.config";
        ::mkdir(home_.c_str(), 0700);
        // The programs inherit these: nothing of the real home is read or written.
        ::setenv("HOME", home_.c_str(), 1);
        ::setenv("XDG_CONFIG_HOME", config_.c_str(), 1);
        for (const char* variable : {"PAPO_USER", "PAPO_PASSWORD", "PAPO_PASSWORD_FILE", "PAPO_BROKER", "PAPO_PROFILE",
                                     "PAPO_CONFIG", "PAPO_CA_FILE", "PAPO_ADMIN_PASSWORD", "PAPO_ADMIN_PASSWORD_FILE",
                                     "PAPO_NEW_PASSWORD"})
            ::unsetenv(variable);
        register_users({"alice", "bob"});
    }

    // papo with only `args` (and its state folder): no --broker, --user or password.
    command_result plain(const std::vector<std::string>& args, const std::vector<std::string>& env = {}) {
        std::vector<std::string> argv{"env"};
        argv.insert(argv.end(), env.begin(), env.end());
        argv.insert(argv.end(), {papo_bin(), "--state-dir", state_dir_});
        argv.insert(argv.end(), args.begin(), args.end());
        return run_command(argv, 30);
    }
    command_result plain_admin(const std::vector<std::string>& args) {
        std::vector<std::string> argv{admin_bin()};
        argv.insert(argv.end(), args.begin(), args.end());
        return run_command(argv, 30);
    }
    // papo login as `user` on the test broker, the password from its file.
    command_result log_in(const std::string& user, const std::vector<std::string>& more = {}) {
        std::vector<std::string> args{"--broker", broker_->uri(), "--user", user, "--password-file", password_file(user)};
        args.insert(args.end(), more.begin(), more.end());
        args.push_back("login");
        return plain(args);
    }
    std::string login_file(const std::string& profile = "default") { return config_ + "/papo/logins/" + profile; }
    std::string write_config(const std::string& text) {
        const std::string path = config_ + "/papo/config";
        ::mkdir(config_.c_str(), 0700);
        ::mkdir((config_ + "/papo").c_str(), 0700);
        std::ofstream(path) << text;
        return path;
    }
    std::string home_;
    std::string config_;
};

TEST_F(login_test, AfterLoginCommandsNeedNoPasswordBrokerOrUser) {
    const auto login = log_in("alice");
    ASSERT_EQ(login.exit_code, 0) << login.err;
    EXPECT_NE(login.out.find("logged in as alice"), std::string::npos) << login.out;
    EXPECT_EQ(mode_of(login_file()), 0600u);
    EXPECT_EQ(mode_of(config_ + "/papo/logins"), 0700u);
    EXPECT_EQ(mode_of(config_ + "/papo"), 0700u);

    const auto who = plain({"who"});
    ASSERT_EQ(who.exit_code, 0) << who.err;
    EXPECT_NE(who.out.find("online (you)"), std::string::npos) << who.out;
    EXPECT_NE(who.out.find("alice"), std::string::npos) << who.out;
    const auto sent = plain({"send", "bob", "hello", "bob"});
    EXPECT_EQ(sent.exit_code, 0) << sent.err;
    EXPECT_EQ(settled_depth("bob", 1), 1);
}

TEST_F(login_test, AWrongPasswordIsRefusedByTheBrokerAndNothingIsKept) {
    const auto login = plain({"--broker", broker_->uri(), "--user", "alice", "login"}, {"PAPO_PASSWORD=not-alices-password"});
    EXPECT_EQ(login.exit_code, 1) << login.err;
    EXPECT_NE(login.err.find("refused the login"), std::string::npos) << login.err;
    EXPECT_FALSE(exists(login_file()));
}

TEST_F(login_test, LogoutForgetsTheLogin) {
    ASSERT_EQ(log_in("alice").exit_code, 0);
    const auto logout = plain({"logout"});
    EXPECT_EQ(logout.exit_code, 0) << logout.err;
    EXPECT_NE(logout.out.find("logged out"), std::string::npos) << logout.out;
    EXPECT_FALSE(exists(login_file()));
    const auto who = plain({"who"});
    EXPECT_EQ(who.exit_code, 2) << who.err;
    EXPECT_NE(who.err.find("say who you are"), std::string::npos) << who.err;
    const auto again = plain({"logout"});
    EXPECT_EQ(again.exit_code, 0) << again.err;
    EXPECT_NE(again.out.find("no stored login"), std::string::npos) << again.out;
}

TEST_F(login_test, ProfilesKeepSeveralAccountsSideBySide) {
    ASSERT_EQ(log_in("alice").exit_code, 0);
    ASSERT_EQ(log_in("bob", {"--profile", "bob"}).exit_code, 0);
    const auto as_bob = plain({"--profile", "bob", "who"});
    ASSERT_EQ(as_bob.exit_code, 0) << as_bob.err;
    EXPECT_NE(as_bob.out.find("bob    online (you)"), std::string::npos) << as_bob.out;
    const auto from_env = plain({"who"}, {"PAPO_PROFILE=bob"});
    EXPECT_NE(from_env.out.find("bob    online (you)"), std::string::npos) << from_env.out;
    const auto as_alice = plain({"who"});
    EXPECT_NE(as_alice.out.find("alice  online (you)"), std::string::npos) << as_alice.out;
    // --profile on the command line wins over PAPO_PROFILE.
    const auto both = plain({"--profile", "default", "who"}, {"PAPO_PROFILE=bob"});
    EXPECT_NE(both.out.find("alice  online (you)"), std::string::npos) << both.out;
    // Another user than the profile's: its stored password is not used (and no terminal to ask at).
    const auto other = plain({"--user", "bob", "who"});
    EXPECT_EQ(other.exit_code, 1) << other.err;
    EXPECT_NE(other.err.find("no password"), std::string::npos) << other.err;
    const auto bad = plain({"--profile", "../x", "who"});
    EXPECT_EQ(bad.exit_code, 2) << bad.err;
}

TEST_F(login_test, AStoredLoginOthersCanReadIsRefused) {
    ASSERT_EQ(log_in("alice").exit_code, 0);
    ASSERT_EQ(::chmod(login_file().c_str(), 0644), 0);
    const auto who = plain({"who"});
    EXPECT_EQ(who.exit_code, 1) << who.err;
    EXPECT_NE(who.err.find("can be read by others"), std::string::npos) << who.err;
}

// The README's `papo --user bob read --wait 60 &` stopped at its password prompt: with
// a stored login a reader in the background (no terminal) just reads.
TEST_F(login_test, AReaderInTheBackgroundNeedsNoPrompt) {
    ASSERT_EQ(log_in("bob", {"--profile", "bob"}).exit_code, 0);
    ASSERT_EQ(log_in("alice").exit_code, 0);
    background_process reader({papo_bin(), "--state-dir", state_dir_, "--profile", "bob", "read", "--wait", "60"});
    ASSERT_TRUE(wait_until_online("bob")) << reader.output();
    ASSERT_EQ(plain({"send", "bob", "quick", "question"}).exit_code, 0);
    EXPECT_TRUE(reader.wait_for_output("alice -> you: quick question")) << reader.output();
}

TEST_F(login_test, PasswdChangesTheUsersOwnPasswordAndTheStoredLogin) {
    ASSERT_EQ(log_in("alice").exit_code, 0);
    const std::string fresh = state_dir_ + "/alice-new.password";
    papo::write_secret_file(fresh, "alices-new-password");
    const auto changed = plain({"passwd", "--new-password-file", fresh});
    ASSERT_EQ(changed.exit_code, 0) << changed.err;
    EXPECT_NE(changed.out.find("changed the password of alice"), std::string::npos) << changed.out;
    // The stored login follows; the old password is refused, the new one works.
    EXPECT_EQ(plain({"who"}).exit_code, 0);
    const auto old_one = plain({"--broker", broker_->uri(), "--user", "alice", "--password-file", password_file("alice"), "who"});
    EXPECT_EQ(old_one.exit_code, 1) << old_one.err;
    EXPECT_NE(old_one.err.find("refused the login"), std::string::npos) << old_one.err;
    const auto new_one = plain({"--broker", broker_->uri(), "--user", "alice", "who"}, {"PAPO_PASSWORD=alices-new-password"});
    EXPECT_EQ(new_one.exit_code, 0) << new_one.err;
    // bob's password is not alice's to change: only the asker's own account changes.
    EXPECT_EQ(papo("bob", {"who"}).exit_code, 0);
    // A new password that is too short is refused before anything is asked or sent.
    const std::string too_short = state_dir_ + "/short.password";
    papo::write_secret_file(too_short, "short");
    const auto refused = plain({"passwd", "--new-password-file", too_short});
    EXPECT_EQ(refused.exit_code, 1) << refused.err;
    EXPECT_NE(refused.err.find("8 to 256 bytes"), std::string::npos) << refused.err;
}

TEST_F(login_test, AStalePasswordInTheStoredLoginSaysToLogInAgain) {
    ASSERT_EQ(log_in("alice").exit_code, 0);
    ASSERT_EQ(admin({"users", "passwd", "alice", "--new-password-file", password_file("bob")}).exit_code, 0);
    const auto who = plain({"who"});
    EXPECT_EQ(who.exit_code, 1) << who.err;
    EXPECT_NE(who.err.find("run papo login again"), std::string::npos) << who.err;
}

TEST_F(login_test, PapoAdminLogsInOnce) {
    const auto login = plain_admin({"--broker", broker_->uri(), "--password-file", broker_->password_file("papo-admin"), "login"});
    ASSERT_EQ(login.exit_code, 0) << login.err;
    EXPECT_EQ(mode_of(config_ + "/papo/admin-logins/default"), 0600u);
    const auto listed = plain_admin({"users", "ls"});
    EXPECT_EQ(listed.exit_code, 0) << listed.err;
    EXPECT_NE(listed.out.find("alice"), std::string::npos) << listed.out;
    const auto wrong = plain_admin({"--broker", broker_->uri(), "--profile", "wrong", "login"});
    EXPECT_EQ(wrong.exit_code, 1) << "no password and no terminal: " << wrong.err;
    EXPECT_FALSE(exists(config_ + "/papo/admin-logins/wrong"));
    EXPECT_EQ(plain_admin({"logout"}).exit_code, 0);
    EXPECT_FALSE(exists(config_ + "/papo/admin-logins/default"));
    EXPECT_NE(plain_admin({"--timeout", "1", "users", "ls"}).exit_code, 0);
}

// The config file: command line over environment over the file.
TEST_F(login_test, TheConfigFileIsUnderTheEnvironmentAndTheCommandLine) {
    const std::string nowhere = "tcp://127.0.0.1:" + std::to_string(test::free_loopback_port());
    write_config("# papo's defaults\nbroker = " + broker_->uri() + "\nuser = alice\ntimeout = 4\n");
    const auto from_file = plain({"who"}, {"PAPO_PASSWORD=password-of-alice"});
    ASSERT_EQ(from_file.exit_code, 0) << from_file.err;
    EXPECT_NE(from_file.out.find("alice  online (you)"), std::string::npos) << from_file.out;
    const auto env_wins = plain({"who"}, {"PAPO_USER=bob", "PAPO_PASSWORD=password-of-bob"});
    EXPECT_NE(env_wins.out.find("bob    online (you)"), std::string::npos) << env_wins.out;
    const auto line_wins = plain({"--user", "alice", "who"}, {"PAPO_USER=bob", "PAPO_PASSWORD=password-of-alice"});
    EXPECT_NE(line_wins.out.find("alice  online (you)"), std::string::npos) << line_wins.out;
    const auto broker_from_env = plain({"--timeout", "1", "who"}, {"PAPO_BROKER=" + nowhere, "PAPO_PASSWORD=password-of-alice"});
    EXPECT_EQ(broker_from_env.exit_code, 1) << broker_from_env.err;
    EXPECT_NE(broker_from_env.err.find("cannot connect to the broker at " + nowhere), std::string::npos) << broker_from_env.err;

    // A value out of range, an unknown key, or a --config that does not exist: usage errors.
    write_config("timeout = 0\n");
    const auto zero = plain({"--user", "alice", "who"});
    EXPECT_EQ(zero.exit_code, 2) << zero.err;
    EXPECT_NE(zero.err.find("--timeout"), std::string::npos) << zero.err;
    write_config("brokr = tcp://x:1\n");
    const auto typo = plain({"--user", "alice", "who"});
    EXPECT_EQ(typo.exit_code, 2) << typo.err;
    EXPECT_NE(typo.err.find("config file"), std::string::npos) << typo.err;
    EXPECT_NE(typo.err.find("brokr"), std::string::npos) << typo.err;
    const auto missing = plain({"--config", home_ + "/none", "--user", "alice", "who"});
    EXPECT_EQ(missing.exit_code, 2) << missing.err;
    // --config names another file; papo-admin reads the same file (its broker key).
    std::ofstream(home_ + "/other.conf") << "broker = " << broker_->uri() << "\nuser = bob\n";
    const auto named = plain({"--config", home_ + "/other.conf", "who"}, {"PAPO_PASSWORD=password-of-bob"});
    EXPECT_NE(named.out.find("bob    online (you)"), std::string::npos) << named.out;
    const auto admin_named = plain_admin({"--config", home_ + "/other.conf", "--password-file", broker_->password_file("papo-admin"),
                                          "users", "ls"});
    EXPECT_EQ(admin_named.exit_code, 0) << admin_named.err;
}

// A stored login's broker and user are above the config file's.
TEST_F(login_test, AStoredLoginWinsOverTheConfigFile) {
    ASSERT_EQ(log_in("alice").exit_code, 0);
    const std::string nowhere = "tcp://127.0.0.1:" + std::to_string(test::free_loopback_port());
    write_config("broker = " + nowhere + "\nuser = bob\n");
    const auto who = plain({"who"});
    EXPECT_EQ(who.exit_code, 0) << who.err;
    EXPECT_NE(who.out.find("alice  online (you)"), std::string::npos) << who.out;
}

class login_at_a_terminal : public login_test {
protected:
    void SetUp() override {
        if (!tmux_pane::available()) GTEST_SKIP() << "tmux is not installed (scripts/install-deps.sh installs it)";
        login_test::SetUp();
    }
    std::string line(const std::vector<std::string>& args) {
        std::vector<std::string> argv{"env", "HOME=" + home_, "XDG_CONFIG_HOME=" + config_, papo_bin(), "--state-dir", state_dir_};
        argv.insert(argv.end(), args.begin(), args.end());
        return shell_line(argv);
    }
};

// The walkthrough's promise: the password is typed once, at login, and never again.
TEST_F(login_at_a_terminal, LoginAsksThePasswordOnceAndLaterCommandsNever) {
    {
        tmux_pane pane(state_dir_, line({"--broker", broker_->uri(), "--user", "alice", "login"}));
        pane.wait_for_text("password for alice:");
        pane.type_line("password-of-alice");
        const std::string shown = pane.wait_for_text("EXITED");
        EXPECT_EQ(tmux_pane::count(shown, "password for alice:"), 1) << shown;
        EXPECT_NE(shown.find("logged in as alice"), std::string::npos) << shown;
        EXPECT_NE(shown.find("EXITED 0"), std::string::npos) << shown;
    }
    tmux_pane pane(state_dir_, line({"send", "bob", "no", "prompt"}));
    const std::string shown = pane.wait_for_text("EXITED");
    EXPECT_EQ(shown.find("password"), std::string::npos) << shown;
    EXPECT_NE(shown.find("EXITED 0"), std::string::npos) << shown;
}

TEST_F(login_at_a_terminal, PasswdAsksOnlyTheNewPasswordTwiceWhenLoggedIn) {
    ASSERT_EQ(log_in("alice").exit_code, 0);
    tmux_pane pane(state_dir_, line({"passwd"}));
    pane.wait_for_text("new password for alice:");
    pane.type_line("alices-typed-password");
    pane.wait_for_text("again:");
    pane.type_line("alices-typed-password");
    const std::string shown = pane.wait_for_text("EXITED");
    EXPECT_EQ(shown.find("password for alice: "), shown.find("new password for alice: ") + 4) << "the current one was asked:\n" << shown;
    EXPECT_NE(shown.find("EXITED 0"), std::string::npos) << shown;
    EXPECT_EQ(plain({"who"}).exit_code, 0);
    const auto new_one = plain({"--broker", broker_->uri(), "--user", "alice", "who"}, {"PAPO_PASSWORD=alices-typed-password"});
    EXPECT_EQ(new_one.exit_code, 0) << new_one.err;
}

}  // namespace
}  // namespace papo::e2e
