// core/src/paho_wake.cpp: poll() and usleep() on the thread named MQTTAsync_rcv end at a
// wake (or, for usleep, at data on the last poll's sockets); on any other thread they are
// libc's. Each wait below is 20 s long and the test waits at most 10 s for it to end, so
// a wake that does not work fails the test instead of passing slowly.
#include "paho_wake.h"

#include <gtest/gtest.h>

#include <poll.h>
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

namespace {

using namespace std::chrono_literals;

struct pipe_pair {
    int read_end = -1, write_end = -1;
    pipe_pair() {
        int fds[2];
        if (::pipe(fds) == 0) read_end = fds[0], write_end = fds[1];
    }
    ~pipe_pair() {
        ::close(read_end);
        ::close(write_end);
    }
};

// Runs `wait` on a thread named `name` and returns its result once it ends.
template <typename Wait>
std::future<int> on_thread(const char* name, Wait wait, std::atomic<bool>& started) {
    return std::async(std::launch::async, [=, &started] {
        ::pthread_setname_np(::pthread_self(), name);
        started = true;
        return wait();
    });
}

// Wakes until the wait has ended (a wake that comes before the wait starts is kept).
bool wake_until_done(std::future<int>& done) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
        papo::detail::wake_paho_receiver();
        if (done.wait_for(5ms) == std::future_status::ready) return true;
    }
    return false;
}

TEST(paho_wake, AWakeEndsThePollOfPahosReceiveThread) {
    pipe_pair never_readable;
    std::atomic<bool> started{false};
    auto done = on_thread("MQTTAsync_rcv", [fd = never_readable.read_end] {
        pollfd p{fd, POLLIN, 0};
        return ::poll(&p, 1, 20000);
    }, started);
    ASSERT_TRUE(wake_until_done(done)) << "poll did not end at a wake";
    EXPECT_EQ(done.get(), 0);  // a wake alone reads as a timeout
}

TEST(paho_wake, AWakeEndsTheSleepOfPahosReceiveThread) {
    std::atomic<bool> started{false};
    auto done = on_thread("MQTTAsync_rcv", [] { return ::usleep(20000000); }, started);
    ASSERT_TRUE(wake_until_done(done)) << "usleep did not end at a wake";
    EXPECT_EQ(done.get(), 0);
}

TEST(paho_wake, AfterAWokenPollDataOnItsSocketsEndsTheSleep) {
    pipe_pair line;
    std::atomic<bool> started{false};
    std::atomic<bool> polled{false};
    auto done = on_thread("MQTTAsync_rcv", [&, fd = line.read_end] {
        pollfd p{fd, POLLIN, 0};
        ::poll(&p, 1, 20000);  // ended by the wake below
        polled = true;
        return ::usleep(20000000);
    }, started);
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!polled && std::chrono::steady_clock::now() < deadline) {
        papo::detail::wake_paho_receiver();
        std::this_thread::sleep_for(1ms);
    }
    ASSERT_TRUE(polled);
    ASSERT_EQ(::write(line.write_end, "x", 1), 1);
    EXPECT_EQ(done.wait_for(10s), std::future_status::ready) << "usleep did not end when the socket became readable";
}

// Paho also sleeps when a socket is readable but not writable: a sleep after a poll that
// ended by itself must not end at that data, or the thread would spin.
TEST(paho_wake, AfterAPollThatEndedByItselfDataDoesNotEndTheSleep) {
    pipe_pair line;
    ASSERT_EQ(::write(line.write_end, "x", 1), 1);
    std::atomic<bool> started{false};
    auto done = on_thread("MQTTAsync_rcv", [fd = line.read_end] {
        pollfd p{fd, POLLIN, 0};
        ::poll(&p, 1, 1000);  // readable: returns at once, by itself
        const auto start = std::chrono::steady_clock::now();
        ::usleep(300000);
        return std::chrono::steady_clock::now() - start >= 300ms ? 1 : 0;
    }, started);
    ASSERT_EQ(done.wait_for(10s), std::future_status::ready);
    EXPECT_EQ(done.get(), 1) << "the sleep ended at data it must not watch";
}

TEST(paho_wake, OtherThreadsKeepLibcsPoll) {
    pipe_pair never_readable;
    std::atomic<bool> started{false};
    auto done = on_thread("papo-other", [fd = never_readable.read_end] {
        pollfd p{fd, POLLIN, 0};
        const auto start = std::chrono::steady_clock::now();
        const int ready = ::poll(&p, 1, 300);
        // A wake must not cut another thread's poll short.
        return ready == 0 && std::chrono::steady_clock::now() - start >= 300ms ? 1 : 0;
    }, started);
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (done.wait_for(1ms) != std::future_status::ready && std::chrono::steady_clock::now() < deadline)
        papo::detail::wake_paho_receiver();
    ASSERT_EQ(done.wait_for(0s), std::future_status::ready);
    EXPECT_EQ(done.get(), 1);
    // The wakes above are kept for the next receive-thread wait: end it now.
    auto drain = on_thread("MQTTAsync_rcv", [] { return ::usleep(20000000); }, started);
    ASSERT_TRUE(wake_until_done(drain));
}

}  // namespace
