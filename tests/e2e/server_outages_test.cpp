// papo-server never stops because of the broker: dropped at any moment (a broker
// restart while it loads the registry or republishes it, another connection taking its
// client id), it reconnects with backoff and serves again.
#include "chat_fixture.h"

namespace papo::e2e {
namespace {

class server_outages : public chat_test {};

TEST_F(server_outages, ABrokerRestartingOverAndOverNeverStopsPapoServer) {
    register_users({"alice", "bob"});
    // Each restart comes as soon as the broker's port is up again: papo-server is then
    // in the middle of reconnecting, loading or republishing.
    for (int round = 0; round < 6; ++round) {
        broker_->kill();
        broker_->start();
    }
    EXPECT_EQ(listed_users(), (std::vector<std::string>{"alice", "bob"}));
    EXPECT_TRUE(server_->running()) << server_->output();
    register_users({"carol"});  // and it still changes the registry
    EXPECT_EQ(listed_users(), (std::vector<std::string>{"alice", "bob", "carol"}));
}

TEST_F(server_outages, AConnectionThatTakesPapoServersClientIdDoesNotStopIt) {
    register_users({"alice"});
    for (int round = 0; round < 3; ++round) {
        session intruder(login_options("papo-server", "papo-server"));
        intruder.connect();  // the broker closes papo-server's connection (session taken over)
        intruder.disconnect();
    }
    EXPECT_EQ(listed_users(), std::vector<std::string>{"alice"});
    EXPECT_TRUE(server_->running()) << server_->output();
}

}  // namespace
}  // namespace papo::e2e
