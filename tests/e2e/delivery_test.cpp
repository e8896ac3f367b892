// End-to-end delivery: the sender's outbox keeps every DM until its reader's receipt
// comes back, shows "delivered", and sends again what a crashed broker lost.
#include "chat_fixture.h"

namespace papo::e2e {
namespace {

class delivery : public chat_test {
protected:
    std::vector<nlohmann::json> lines_of_kind(const std::string& json_lines, const std::string& kind) {
        std::vector<nlohmann::json> out;
        std::istringstream in(json_lines);
        for (std::string line; std::getline(in, line);) {
            if (line.empty() || line[0] != '{') continue;
            auto j = nlohmann::json::parse(line);
            if (j.value("kind", "") == kind) out.push_back(std::move(j));
        }
        return out;
    }
    // papo outbox --json; with `resend_after`, papo first sends again what is that old.
    std::vector<nlohmann::json> outbox_of(const std::string& user, const std::string& resend_after = "") {
        std::vector<std::string> args{"--json", "outbox"};
        if (!resend_after.empty()) args.insert(args.begin(), {"--resend-after", resend_after});
        auto result = papo(user, args);
        EXPECT_EQ(result.exit_code, 0) << result.err;
        return lines_of_kind(result.out, "pending");
    }
};

TEST_F(delivery, TheSenderSeesSentThenDeliveredAndTheOutboxEmpties) {
    register_users({"alice", "bob"});
    auto sent = papo("alice", {"--json", "send", "bob", "did you get this?"});
    ASSERT_EQ(sent.exit_code, 0) << sent.err;
    EXPECT_EQ(nlohmann::json::parse(sent.out)["status"], "sent");
    const std::string id = nlohmann::json::parse(sent.out)["id"];
    auto waiting = outbox_of("alice");
    ASSERT_EQ(waiting.size(), 1u);
    EXPECT_EQ(waiting[0]["to"], "bob");
    EXPECT_EQ(waiting[0]["id"], id);

    ASSERT_EQ(messages_in(papo("bob", {"read", "--json"}).out).size(), 1u);  // bob reads: a receipt goes to alice
    auto alice_reads = papo("alice", {"read", "--json"});
    ASSERT_EQ(alice_reads.exit_code, 0) << alice_reads.err;
    auto delivered = lines_of_kind(alice_reads.out, "delivered");
    ASSERT_EQ(delivered.size(), 1u) << alice_reads.out;
    EXPECT_EQ(delivered[0]["to"], "bob");
    EXPECT_EQ(delivered[0]["id"], id);
    EXPECT_TRUE(outbox_of("alice").empty());
    EXPECT_NE(papo("alice", {"outbox"}).out.find("every message you sent has reached its reader"), std::string::npos);
}

TEST_F(delivery, MessagesTheBrokerLostInACrashAreSentAgainAndShownOnce) {
    register_users({"alice", "bob"});
    broker_->stop();  // a clean stop saves the accounts' sessions and the registry
    broker_->start();
    const int count = 30;
    for (int i = 0; i < count; ++i)
        ASSERT_EQ(papo("alice", {"send", "bob", "message " + std::to_string(i)}).exit_code, 0);
    // bob already took the first five: their copies must not show twice.
    auto early = papo("bob", {"read", "--json"});
    ASSERT_EQ(messages_in(early.out).size(), static_cast<std::size_t>(count));
    for (int i = 0; i < 5; ++i) ASSERT_EQ(papo("alice", {"send", "bob", "late " + std::to_string(i)}).exit_code, 0);
    broker_->kill();  // SIGKILL: everything since the last autosave (60 s) is gone
    broker_->start();
    EXPECT_EQ(outbox_of("alice").size(), 35u);  // bob's receipts were lost with the broker too
    // alice's next command (any) sends again what no receipt confirmed.
    ASSERT_EQ(papo("alice", {"--resend-after", "0", "outbox"}).exit_code, 0);
    auto later = papo("bob", {"read", "--json"});
    ASSERT_EQ(later.exit_code, 0) << later.err;
    auto got = messages_in(later.out);
    ASSERT_EQ(got.size(), 5u) << later.out;  // the five late ones, and none of the thirty again
    for (int i = 0; i < 5; ++i) EXPECT_EQ(got[static_cast<std::size_t>(i)]["text"], "late " + std::to_string(i));
    papo("alice", {"read"});  // takes bob's receipts
    EXPECT_TRUE(outbox_of("alice").empty());
}

TEST_F(delivery, PostsTheBrokerLostAreSentAgainUntilEveryMemberHasThem) {
    register_users({"alice", "bob", "carol"});
    ASSERT_EQ(admin({"topics", "add", "lobby"}).exit_code, 0);
    for (const char* member : {"alice", "bob", "carol"}) ASSERT_EQ(papo(member, {"join", "lobby"}).exit_code, 0);
    broker_->stop();  // saves the sessions and subscriptions
    broker_->start();
    for (int i = 0; i < 10; ++i) ASSERT_EQ(papo("alice", {"post", "lobby", "post " + std::to_string(i)}).exit_code, 0);
    ASSERT_EQ(messages_in(papo("bob", {"read", "--json"}).out).size(), 10u);  // bob got them before the crash
    broker_->kill();
    broker_->start();
    auto waiting = outbox_of("alice");
    ASSERT_EQ(waiting.size(), 10u);
    EXPECT_EQ(waiting[0]["topic"], "lobby");
    ASSERT_EQ(papo("alice", {"--resend-after", "0", "outbox"}).exit_code, 0);
    auto carol = messages_in(papo("carol", {"read", "--json"}).out);
    ASSERT_EQ(carol.size(), 10u);
    for (int i = 0; i < 10; ++i) EXPECT_EQ(carol[static_cast<std::size_t>(i)]["text"], "post " + std::to_string(i));
    EXPECT_TRUE(messages_in(papo("bob", {"read", "--json"}).out).empty());  // bob's repeats are dropped
    auto alice_reads = papo("alice", {"read", "--json"});
    EXPECT_EQ(lines_of_kind(alice_reads.out, "delivered").size(), 10u) << alice_reads.out;
    EXPECT_TRUE(messages_in(alice_reads.out).empty()) << alice_reads.out;  // her own posts do not come back
    EXPECT_TRUE(outbox_of("alice").empty());
}

TEST_F(delivery, APostIsNoLongerOwedToAMemberWhoLeftOrToARemovedTopic) {
    register_users({"alice", "bob", "carol"});
    ASSERT_EQ(admin({"topics", "add", "lobby"}).exit_code, 0);
    for (const char* member : {"alice", "bob", "carol"}) ASSERT_EQ(papo(member, {"join", "lobby"}).exit_code, 0);
    ASSERT_EQ(papo("alice", {"post", "lobby", "hello"}).exit_code, 0);
    ASSERT_EQ(messages_in(papo("bob", {"read", "--json"}).out).size(), 1u);  // bob confirms
    ASSERT_EQ(papo("carol", {"leave", "lobby"}).exit_code, 0);              // carol never will
    papo("alice", {"read"});  // takes bob's receipt
    auto waiting = outbox_of("alice");
    ASSERT_EQ(waiting.size(), 1u);
    EXPECT_EQ(waiting[0]["waiting"], nlohmann::json::array({"carol"}));
    // alice's next papo asks who is still a member before sending it again: nobody is owed it.
    EXPECT_TRUE(outbox_of("alice", "0").empty());

    ASSERT_EQ(papo("alice", {"post", "lobby", "into the void"}).exit_code, 0);  // waits for bob
    ASSERT_EQ(admin({"topics", "rm", "lobby"}).exit_code, 0);
    const auto box = papo("alice", {"--resend-after", "0", "outbox"});
    EXPECT_NE(box.err.find("is no longer sent again: no such topic"), std::string::npos) << box.err;
    EXPECT_TRUE(outbox_of("alice").empty());
}

// alice's "two" is lost on the broker (a purge stands in for a crash) after bob read
// "one": as DMs, or as posts in #lobby (each sender numbers its posts per topic).
class gaps : public delivery {
protected:
    void lose_the_second(bool as_posts = false) {
        register_users({"alice", "bob"});
        if (as_posts) {
            ASSERT_EQ(admin({"topics", "add", "lobby"}).exit_code, 0);
            for (const char* member : {"alice", "bob"}) ASSERT_EQ(papo(member, {"join", "lobby"}).exit_code, 0);
        }
        const auto send = [&](const char* text) {
            return papo("alice", as_posts ? std::vector<std::string>{"post", "lobby", text}
                                          : std::vector<std::string>{"send", "bob", text});
        };
        ASSERT_EQ(send("one").exit_code, 0);
        ASSERT_EQ(messages_in(papo("bob", {"read", "--json"}).out).size(), 1u);
        ASSERT_EQ(send("two").exit_code, 0);
        EXPECT_EQ(settled_depth("bob", 1), 1);
        ASSERT_EQ(admin({"queues", "purge", "bob"}).exit_code, 0);
        ASSERT_EQ(send("three").exit_code, 0);
    }

    // bob's read holds "three" back; once alice's papo sends "two" again, both come in order.
    void expect_held_then_both_in_order() {
        auto first = papo("bob", {"read", "--json"});
        EXPECT_TRUE(messages_in(first.out).empty()) << first.out;  // "three" waits for "two"
        EXPECT_EQ(lines_of_kind(first.out, "held").size(), 1u) << first.out;
        ASSERT_EQ(papo("alice", {"--resend-after", "0", "outbox"}).exit_code, 0);  // alice's papo sends "two" again
        auto got = messages_in(papo("bob", {"read", "--json"}).out);
        ASSERT_EQ(got.size(), 2u);
        EXPECT_EQ(got[0]["text"], "two");
        EXPECT_EQ(got[1]["text"], "three");
        EXPECT_FALSE(got[1].contains("missing_before"));
        EXPECT_FALSE(got[0].contains("late"));
    }
};

TEST_F(gaps, AMessageThatOvertookAnEarlierOneWaitsAndBothComeInOrder) {
    lose_the_second();
    expect_held_then_both_in_order();
}

TEST_F(gaps, APostThatOvertookAnEarlierOneWaitsAndBothComeInOrder) {
    lose_the_second(/*as_posts=*/true);
    expect_held_then_both_in_order();
}

TEST_F(gaps, WithoutHoldingTheGapIsShownAndTheLateMessageMarked) {
    lose_the_second();
    auto got = messages_in(papo("bob", {"--hold", "0", "read", "--json"}).out);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0]["text"], "three");
    EXPECT_EQ(got[0]["seq"], 3);
    EXPECT_EQ(got[0]["missing_before"], 1);
    ASSERT_EQ(papo("alice", {"--resend-after", "0", "outbox"}).exit_code, 0);
    auto late = papo("bob", {"--hold", "0", "read"});
    EXPECT_NE(late.out.find("alice -> you: two"), std::string::npos) << late.out;
    EXPECT_NE(late.out.find("(arrived late)"), std::string::npos) << late.out;
}

TEST_F(gaps, AGapThatNeverFillsIsShownAfterTheHold) {
    lose_the_second();
    auto got = messages_in(papo("bob", {"--hold", "1", "read", "--json", "--wait", "2"}).out);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0]["text"], "three");
    EXPECT_EQ(got[0]["missing_before"], 1);
}

TEST_F(gaps, PostsMadeWhileAMemberWasAwayFromTheTopicAreNoGap) {
    register_users({"alice", "bob"});
    ASSERT_EQ(admin({"topics", "add", "lobby"}).exit_code, 0);
    for (const char* member : {"alice", "bob"}) ASSERT_EQ(papo(member, {"join", "lobby"}).exit_code, 0);
    ASSERT_EQ(papo("alice", {"post", "lobby", "one"}).exit_code, 0);
    ASSERT_EQ(messages_in(papo("bob", {"read", "--json"}).out).size(), 1u);
    ASSERT_EQ(papo("bob", {"leave", "lobby"}).exit_code, 0);
    for (const char* text : {"two", "three"}) ASSERT_EQ(papo("alice", {"post", "lobby", text}).exit_code, 0);
    ASSERT_EQ(papo("bob", {"join", "lobby"}).exit_code, 0);
    ASSERT_EQ(papo("alice", {"post", "lobby", "four"}).exit_code, 0);
    auto got = messages_in(papo("bob", {"read", "--json"}).out);  // not held: "two" and "three" were never his
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0]["text"], "four");
    EXPECT_FALSE(got[0].contains("missing_before")) << got[0].dump();
}

TEST_F(gaps, TheVeryFirstMessageOfASenderIsWaitedForToo) {
    register_users({"alice", "bob"});
    ASSERT_EQ(papo("alice", {"send", "bob", "one"}).exit_code, 0);
    EXPECT_EQ(settled_depth("bob", 1), 1);
    ASSERT_EQ(admin({"queues", "purge", "bob"}).exit_code, 0);  // "one" lost before bob ever read alice
    ASSERT_EQ(papo("alice", {"send", "bob", "two"}).exit_code, 0);
    // "two" says bob confirmed nothing of alice's yet (through 0), so it waits for "one".
    EXPECT_TRUE(messages_in(papo("bob", {"read", "--json"}).out).empty());
    ASSERT_EQ(papo("alice", {"--resend-after", "0", "outbox"}).exit_code, 0);
    auto got = messages_in(papo("bob", {"read", "--json"}).out);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0]["text"], "one");
    EXPECT_EQ(got[1]["text"], "two");
}

TEST_F(gaps, ANewMembersFirstPostFromASenderWaitsForAnEarlierOneMadeAfterItJoined) {
    register_users({"alice", "bob", "carol"});
    ASSERT_EQ(admin({"topics", "add", "lobby"}).exit_code, 0);
    for (const char* member : {"alice", "carol"}) ASSERT_EQ(papo(member, {"join", "lobby"}).exit_code, 0);
    ASSERT_EQ(papo("alice", {"post", "lobby", "before bob"}).exit_code, 0);  // alice's #1, for carol: not bob's
    ASSERT_EQ(papo("bob", {"join", "lobby"}).exit_code, 0);                  // papo-server says: alice is at 1
    ASSERT_EQ(papo("alice", {"post", "lobby", "two"}).exit_code, 0);
    EXPECT_EQ(settled_depth("bob", 1), 1);
    ASSERT_EQ(admin({"queues", "purge", "bob"}).exit_code, 0);  // "two" lost before bob saw any of alice's posts
    ASSERT_EQ(papo("alice", {"post", "lobby", "three"}).exit_code, 0);
    EXPECT_TRUE(messages_in(papo("bob", {"read", "--json"}).out).empty());  // "three" waits for "two"
    ASSERT_EQ(papo("alice", {"--resend-after", "0", "outbox"}).exit_code, 0);
    auto got = messages_in(papo("bob", {"read", "--json"}).out);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0]["text"], "two");
    EXPECT_EQ(got[1]["text"], "three");
    EXPECT_FALSE(got[1].contains("missing_before")) << got[1].dump();  // "before bob" was never his
}

TEST_F(gaps, SpooledMessagesKeepTheirNumbersSoLaterOnesAreNotHeld) {
    register_users({"alice", "bob"});
    ASSERT_EQ(admin({"topics", "add", "lobby"}).exit_code, 0);
    for (const char* text : {"one", "two"}) ASSERT_EQ(papo("alice", {"send", "bob", text}).exit_code, 0);
    ASSERT_EQ(messages_in(papo("bob", {"read", "--json"}).out).size(), 2u);
    for (const char* text : {"three", "four"}) ASSERT_EQ(papo("alice", {"send", "bob", text}).exit_code, 0);
    ASSERT_EQ(papo("bob", {"join", "lobby"}).exit_code, 0);  // opens bob's queue: "three", "four" go to the spool
    ASSERT_EQ(papo("alice", {"send", "bob", "five"}).exit_code, 0);
    auto got = messages_in(papo("bob", {"read", "--json"}).out);
    ASSERT_EQ(got.size(), 3u) << "five was held back behind numbers the spool forgot";
    EXPECT_EQ(got[0]["text"], "three");
    EXPECT_EQ(got[2]["text"], "five");
    EXPECT_FALSE(got[2].contains("missing_before")) << got[2].dump();
}

// papo of `user` with a state folder of its own: another machine of that user.
class other_machine : public gaps {
protected:
    command_result papo_elsewhere(const std::string& user, std::vector<std::string> args) {
        const std::string elsewhere = state_dir_ + "/elsewhere";
        std::vector<std::string> argv{env_or("PAPO_BIN", PAPO_BIN_DEFAULT), "--broker", broker_->uri(), "--state-dir",
                                      elsewhere, "--user", user, "--password-file", password_file(user)};
        argv.insert(argv.end(), args.begin(), args.end());
        return run_command(argv, 30);
    }
};

TEST_F(other_machine, AReaderOnANewMachineStartsWhereItsSenderSaysItIs) {
    register_users({"alice", "bob"});
    for (const char* text : {"one", "two"}) ASSERT_EQ(papo("alice", {"send", "bob", text}).exit_code, 0);
    ASSERT_EQ(messages_in(papo("bob", {"read", "--json"}).out).size(), 2u);
    papo("alice", {"read"});  // takes bob's receipts: alice knows he has both
    ASSERT_EQ(papo("alice", {"send", "bob", "three"}).exit_code, 0);
    auto got = messages_in(papo_elsewhere("bob", {"read", "--json"}).out);  // knows no numbers of alice
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0]["text"], "three");
    EXPECT_FALSE(got[0].contains("missing_before")) << got[0].dump();
}

TEST_F(other_machine, ASenderOnANewMachineNumbersApartWithoutLateMarks) {
    register_users({"alice", "bob"});
    for (const char* text : {"one", "two"}) ASSERT_EQ(papo("alice", {"send", "bob", text}).exit_code, 0);
    ASSERT_EQ(messages_in(papo("bob", {"read", "--json"}).out).size(), 2u);
    ASSERT_EQ(papo_elsewhere("alice", {"send", "bob", "from my laptop"}).exit_code, 0);  // its #1
    auto got = messages_in(papo("bob", {"read", "--json"}).out);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0]["text"], "from my laptop");
    EXPECT_EQ(got[0]["seq"], 1);
    EXPECT_FALSE(got[0].contains("late")) << got[0].dump();
    EXPECT_FALSE(got[0].contains("missing_before")) << got[0].dump();
}

}  // namespace
}  // namespace papo::e2e
