// The connection supervisor (supervisor.h) driven by step() with a fake connect and a
// passed clock: backoff, a refused login, a takeover, the reported states.
#include "papo/supervisor.h"

#include "papo/error.h"

#include <gtest/gtest.h>

#include <vector>

namespace papo {
namespace {

using namespace std::chrono_literals;

struct fake_broker {
    int failures_left = 0;
    error_kind failure = error_kind::unreachable;
    int tries = 0;
    void connect() {
        ++tries;
        if (failures_left-- > 0) throw error(failure, "cannot connect to the broker: away");
    }
};

TEST(supervisor, ReconnectsWithBackoffDoublingFromAQuarterSecondToEight) {
    fake_broker broker;
    broker.failures_left = 7;
    std::vector<connection_state> states;
    supervisor_options options;
    options.on_state = [&states](const connection_state& s) { states.push_back(s); };
    supervisor s([&broker] { broker.connect(); }, [] { return false; }, options);
    auto now = supervisor::clock::time_point{} + 1h;
    s.lost(now);
    std::vector<std::chrono::milliseconds> waits;
    std::optional<recovery> outcome;
    while (!(outcome = s.step(now))) {
        ASSERT_EQ(states.back().what, connection_state::kind::reconnecting);
        waits.push_back(states.back().retry_in);
        EXPECT_FALSE(s.step(now + states.back().retry_in - 1ms));  // not before it is due
        now += states.back().retry_in;
    }
    EXPECT_EQ(*outcome, recovery::reconnected);
    EXPECT_EQ(waits, (std::vector<std::chrono::milliseconds>{250ms, 500ms, 1000ms, 2000ms, 4000ms, 8000ms, 8000ms}));
    EXPECT_EQ(states.front().what, connection_state::kind::offline);
    EXPECT_EQ(states.back().what, connection_state::kind::online);
    EXPECT_EQ(broker.tries, 8);
    EXPECT_FALSE(s.recovering());
}

TEST(supervisor, StopsAtARefusedLoginWithItsReason) {
    fake_broker broker;
    broker.failures_left = 100;
    broker.failure = error_kind::login_refused;
    supervisor s([&broker] { broker.connect(); }, [] { return false; }, {});
    s.lost(supervisor::clock::now());
    EXPECT_EQ(s.step(supervisor::clock::now()), recovery::login_refused);
    EXPECT_EQ(broker.tries, 1);
    EXPECT_NE(s.refusal().find("cannot connect"), std::string::npos);
    EXPECT_FALSE(s.step(supervisor::clock::now() + 1h));  // no more tries
}

TEST(supervisor, NeverReconnectsOverAnotherLogin) {
    fake_broker broker;
    bool kicked = false, probe = false;
    supervisor_options options;
    options.another_login = [&probe] { return probe; };
    supervisor s([&broker] { broker.connect(); }, [&kicked] { return kicked; }, options);
    kicked = true;  // the broker said 0x8E
    s.lost(supervisor::clock::now());
    EXPECT_EQ(s.step(supervisor::clock::now()), recovery::taken_over);
    kicked = false;
    probe = true;  // the presence probe saw a newer login
    s.lost(supervisor::clock::now());
    EXPECT_EQ(s.step(supervisor::clock::now()), recovery::taken_over);
    EXPECT_EQ(broker.tries, 0);
}

TEST(supervisor, RecoverEndsWhenTheStopCallbackSaysSo) {
    fake_broker broker;
    broker.failures_left = 1000;
    int polls = 0;
    supervisor_options options;
    options.first_backoff = 1ms;
    options.max_backoff = 2ms;
    options.stop = [&polls] { return ++polls > 5; };
    supervisor s([&broker] { broker.connect(); }, [] { return false; }, options);
    EXPECT_EQ(s.recover(), recovery::stopped);
    EXPECT_GE(broker.tries, 1);
}

}  // namespace
}  // namespace papo
