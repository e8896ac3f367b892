// The chat rides out an outage of the broker (issue 12, item 5): it stays open, says
// it is offline, when it tries again and what waits in the outbox; /msg meanwhile
// goes to the outbox; once the broker is back it reconnects and sends it.
#include "chat_fixture.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>

namespace papo::e2e {
namespace {

class chat_outage : public chat_test {
protected:
    // The chat's standard input: a fifo the test writes lines into and closes at the end.
    struct typed_input {
        int fd = -1;
        void type(const std::string& line) const { ASSERT_EQ(::write(fd, (line + "\n").data(), line.size() + 1), static_cast<ssize_t>(line.size() + 1)); }
        ~typed_input() {
            if (fd >= 0) ::close(fd);
        }
    };
};

TEST_F(chat_outage, TheChatStaysOpenThroughABrokerOutageSaysSoAndSendsWhatWaited) {
    register_users({"alice", "bob"});
    const std::string fifo = state_dir_ + "/alice-input";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    background_process alice({"sh", "-c", "exec \"$0\" --broker \"$1\" --state-dir \"$2\" --user alice --password-file \"$3\" --timeout 1 < \"$4\"",
                              env_or("PAPO_BIN", PAPO_BIN_DEFAULT), broker_->uri(), state_dir_, password_file("alice"), fifo});
    typed_input input;
    input.fd = ::open(fifo.c_str(), O_WRONLY);  // until the chat's shell opens the other end
    ASSERT_GE(input.fd, 0);
    ASSERT_TRUE(alice.wait_for_output("connected as alice")) << alice.output();
    broker_->stop();
    ASSERT_TRUE(alice.wait_for_output("(lost the broker; reconnecting...)")) << alice.output();
    // Several tries while it is away, each saying when the next one is.
    ASSERT_TRUE(alice.wait_for_output("; reconnecting in ")) << alice.output();
    input.type("/msg bob written while the broker was away");
    ASSERT_TRUE(alice.wait_for_output("queued for bob")) << alice.output();
    ASSERT_TRUE(alice.wait_for_output("1 message in the outbox")) << alice.output();
    EXPECT_TRUE(alice.running()) << alice.output();
    broker_->start();
    ASSERT_TRUE(alice.wait_for_output("(reconnected)", std::chrono::seconds(60))) << alice.output();
    // What waited goes out by itself once the chat and papo-server are back (the chat
    // looks at its outbox every 10 s; a try made while papo-server was still away
    // waits --resend-after, 30 s by default).
    std::vector<nlohmann::json> got;
    wait_until(
        [&] {
            got = messages_in(papo("bob", {"read", "--json"}).out);
            return !got.empty();
        },
        std::chrono::seconds(90), std::chrono::milliseconds(200));
    ASSERT_EQ(got.size(), 1u) << alice.output();
    EXPECT_EQ(got[0]["text"], "written while the broker was away");
    input.type("/quit");
    EXPECT_EQ(alice.wait(), 0) << alice.output();
}

}  // namespace
}  // namespace papo::e2e
