// Bash completion (issue 14, item 6): client/completion/papo.bash completes the
// subcommands and options the programs' --help lists, and user and topic names that
// papo-server knows, with the login options already typed; it never prompts.
#include "chat_fixture.h"

#include <sstream>

namespace papo::e2e {
namespace {

std::string dir_of(const std::string& path) { return path.substr(0, path.rfind('/')); }

class completion : public chat_test {
protected:
    // What the completion offers for `words` (the last one is being typed), as bash
    // would call it: the programs found on PATH by their plain names.
    std::vector<std::string> complete(const std::vector<std::string>& words) {
        const std::string papo_dir = dir_of(env_or("PAPO_BIN", PAPO_BIN_DEFAULT));
        const std::string admin_dir = dir_of(env_or("PAPO_ADMIN_BIN", PAPO_ADMIN_BIN_DEFAULT));
        const std::string script = std::string(PAPO_SOURCE_DIR_DEFAULT) + "/client/completion/papo.bash";
        std::vector<std::string> argv{
            "env", "PATH=" + papo_dir + ":" + admin_dir + ":/usr/bin:/bin", "PAPO_ADMIN_PASSWORD_FILE=" + broker_->password_file("papo-admin"),
            "bash", "-c",
            "source \"$0\"; COMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1)); "
            "if [[ $1 == papo-admin ]]; then _papo_admin; else _papo; fi; printf '%s\\n' \"${COMPREPLY[@]}\"",
            script};
        argv.insert(argv.end(), words.begin(), words.end());
        const auto result = run_command(argv, 30);
        EXPECT_EQ(result.exit_code, 0) << result.err;
        std::vector<std::string> offered;
        std::istringstream lines(result.out);
        for (std::string line; std::getline(lines, line);)
            if (!line.empty()) offered.push_back(line);
        return offered;
    }
    std::vector<std::string> as_alice(std::vector<std::string> rest) {
        std::vector<std::string> words{"papo", "--broker", broker_->uri(), "--user", "alice", "--password-file",
                                       password_file("alice"), "--state-dir", state_dir_};
        words.insert(words.end(), rest.begin(), rest.end());
        return words;
    }
};

using strings = std::vector<std::string>;

TEST_F(completion, CommandsAndOptionsComeFromTheProgramsHelp) {
    EXPECT_EQ(complete({"papo", ""}), (strings{"help", "history", "join", "leave", "login", "logout", "outbox", "passwd", "post", "read",
                                               "send", "topics", "who"}));
    EXPECT_EQ(complete({"papo", "se"}), strings{"send"});
    EXPECT_EQ(complete({"papo", "--pass"}), strings{"--password-file"});
    EXPECT_EQ(complete({"papo", "help", "le"}), strings{"leave"});
    EXPECT_EQ(complete({"papo-admin", ""}), (strings{"login", "logout", "queues", "topics", "users"}));
    EXPECT_EQ(complete({"papo-admin", "users", ""}), (strings{"add", "passwd", "rm", "ls"}));
    EXPECT_EQ(complete({"papo-admin", "queues", "p"}), strings{"purge"});
    // Which options take a value comes from --help too: their values are not the command.
    EXPECT_EQ(complete({"papo", "--timeout", "5", "-u", "alice", "se"}), strings{"send"});
    EXPECT_EQ(complete({"papo", "--color", "n"}), strings{"never"});
    EXPECT_TRUE(complete({"papo", "--hold", ""}).empty()) << "a number: nothing to offer";
    EXPECT_EQ(complete({"papo-admin", "--timeout", "5", "us"}), strings{"users"});
}

TEST_F(completion, NamesComeFromPapoServerWithTheLoginTyped) {
    register_users({"alice", "bob", "bert"});
    ASSERT_EQ(admin({"topics", "add", "lobby"}).exit_code, 0);
    EXPECT_EQ(complete(as_alice({"send", "b"})), (strings{"bert", "bob"}));
    EXPECT_EQ(complete(as_alice({"join", ""})), strings{"lobby"});
    EXPECT_TRUE(complete(as_alice({"send", "bob", ""})).empty());  // the text is not a name
    EXPECT_EQ(complete(as_alice({"history", "b"})), (strings{"bert", "bob"}));  // USER or #TOPIC
    EXPECT_EQ(complete(as_alice({"history", "#"})), strings{"#lobby"});
    EXPECT_EQ(complete(as_alice({"history", "--since", "7d", "--search", "x", "#l"})), strings{"#lobby"});
    EXPECT_EQ(complete({"papo-admin", "--broker", broker_->uri(), "users", "rm", "be"}), strings{"bert"});
    EXPECT_EQ(complete({"papo-admin", "--broker", broker_->uri(), "topics", "rm", ""}), strings{"lobby"});
}

TEST_F(completion, WithoutAPasswordSourceThereAreNoNamesAndNoPrompt) {
    register_users({"alice", "bob"});
    // No --password-file and no terminal: papo cannot log in; the completion offers
    // nothing (run_command gives it no terminal, and it ends well within its limit).
    EXPECT_TRUE(complete({"papo", "--broker", broker_->uri(), "--user", "alice", "send", ""}).empty());
}

}  // namespace
}  // namespace papo::e2e
