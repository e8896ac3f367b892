// Limits: where papo cannot keep a message (a full disk), it refuses with a clear
// error and nothing is lost or half-sent. The disk is a real, tiny tmpfs, filled up,
// mounted in a mount namespace of the papo process alone (unshare), so the test
// needs the right to mount (CI runs as root) and skips, saying why, without it.
#include "chat_fixture.h"

#include <sys/stat.h>

namespace papo::e2e {
namespace {

class full_disk : public chat_test {
protected:
    void SetUp() override {
        chat_test::SetUp();
        const auto probe = run_command({"unshare", "--mount", "--propagation", "private", "sh", "-c",
                                        "mount -t tmpfs -o size=64k tmpfs \"$0\"", state_dir_},
                                       10);
        if (probe.exit_code != 0) GTEST_SKIP() << "cannot mount a tmpfs in a mount namespace here: " << probe.err;
    }

    // `papo` for `user` with its state folder on a 64 KiB tmpfs filled to the last byte.
    command_result papo_on_full_disk(const std::string& user, std::vector<std::string> args) {
        const std::string disk = state_dir_ + "/full-disk";
        ::mkdir(disk.c_str(), 0700);
        std::vector<std::string> argv{"unshare", "--mount", "--propagation", "private", "sh", "-c",
                                      "mount -t tmpfs -o size=64k,mode=0700 tmpfs \"$0\" || exit 99; "
                                      "dd if=/dev/zero of=\"$0/filler\" bs=4k >/dev/null 2>&1; exec \"$@\"",
                                      disk, env_or("PAPO_BIN", PAPO_BIN_DEFAULT), "--broker", broker_->uri(),
                                      "--state-dir", disk, "--user", user, "--password-file", password_file(user)};
        argv.insert(argv.end(), args.begin(), args.end());
        return run_command(argv, 60);
    }
};

TEST_F(full_disk, ASendThatCannotBeKeptIsRefusedAndNothingGoesOut) {
    register_users({"alice", "bob"});
    const auto sent = papo_on_full_disk("alice", {"send", "bob", "hello"});
    EXPECT_NE(sent.exit_code, 0);
    EXPECT_NE(sent.exit_code, 99) << "the tmpfs was not mounted";
    EXPECT_NE(sent.err.find("No space left on device"), std::string::npos) << sent.err;
    EXPECT_NE(sent.err.find("not sent"), std::string::npos) << sent.err;
    EXPECT_EQ(sent.out.find("sent to"), std::string::npos) << sent.out;
    EXPECT_EQ(settled_depth("bob", 0), 0);
    EXPECT_TRUE(messages_in(papo("bob", {"read", "--json"}).out).empty());  // refused means not half-sent
    ASSERT_EQ(papo("alice", {"send", "bob", "hello again"}).exit_code, 0);  // with room, it goes
    const auto got = messages_in(papo("bob", {"read", "--json"}).out);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0]["text"], "hello again");
}

TEST_F(full_disk, AReaderThatCannotRecordWhatItShowsStopsAndLosesNothing) {
    register_users({"alice", "bob"});
    ASSERT_EQ(papo("alice", {"send", "bob", "hello"}).exit_code, 0);
    const auto read = papo_on_full_disk("bob", {"read", "--json"});
    EXPECT_NE(read.exit_code, 0);
    EXPECT_NE(read.exit_code, 99) << "the tmpfs was not mounted";
    EXPECT_NE(read.err.find("No space left on device"), std::string::npos) << read.err;
    EXPECT_TRUE(messages_in(read.out).empty()) << "shown without a record, it would be shown again: " << read.out;
    // Unconfirmed, it is still alice's to deliver: her next papo sends it again.
    ASSERT_EQ(papo("alice", {"--resend-after", "0", "outbox"}).exit_code, 0);
    const auto got = messages_in(papo("bob", {"read", "--json"}).out);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0]["text"], "hello");
}

}  // namespace
}  // namespace papo::e2e
