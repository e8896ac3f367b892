#include "paho_wake.h"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace papo::detail {
namespace {

// Made before main (static initialisation), so no thread can race to create it.
const int wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

bool on_paho_receiver() {
    // Paho names the thread before its first poll, so one look per thread is enough.
    thread_local const bool receiver = [] {
        char name[16] = {};
        return ::pthread_getname_np(::pthread_self(), name, sizeof name) == 0 &&
               std::strcmp(name, "MQTTAsync_rcv") == 0;
    }();
    return receiver;
}

// The sockets of the receive thread's last waiting poll, and whether a wake ended that
// poll with nothing ready: then, and only then, the sleep after it watches them.
constexpr nfds_t most_fds = 64;
thread_local pollfd watched[most_fds];
thread_local nfds_t watched_count = 0;
thread_local bool sleep_watches = false;

void drain() {
    eventfd_t ignored;
    (void)::eventfd_read(wake_fd, &ignored);
}

timespec as_timespec(long long microseconds) {
    return {static_cast<time_t>(microseconds / 1000000), static_cast<long>(microseconds % 1000000) * 1000};
}

// libc's poll and usleep, by the calls they are made of (the names are ours now).
int libc_poll(pollfd* fds, nfds_t count, int timeout_ms) {
    if (timeout_ms < 0) return ::ppoll(fds, count, nullptr, nullptr);
    const timespec t = as_timespec(timeout_ms * 1000LL);
    return ::ppoll(fds, count, &t, nullptr);
}

int libc_usleep(useconds_t microseconds) {
    timespec t = as_timespec(microseconds);
    while (::nanosleep(&t, &t) != 0)
        if (errno != EINTR) return -1;
    return 0;
}

}  // namespace

void wake_paho_receiver() {
    if (wake_fd >= 0) (void)::eventfd_write(wake_fd, 1);
}

}  // namespace papo::detail

using papo::detail::drain;
using papo::detail::on_paho_receiver;
using papo::detail::wake_fd;

// Paho's receive thread: the same poll with the wake eventfd beside its sockets. A wake
// alone reads as a timeout (0), after which Paho looks at what its write poll found.
extern "C" int poll(pollfd* fds, nfds_t count, int timeout_ms) {
    using papo::detail::most_fds;
    if (timeout_ms == 0 || wake_fd < 0 || count >= most_fds || !on_paho_receiver())
        return papo::detail::libc_poll(fds, count, timeout_ms);
    std::memcpy(papo::detail::watched, fds, count * sizeof(pollfd));
    papo::detail::watched_count = count;
    pollfd all[most_fds + 1];
    std::memcpy(all, fds, count * sizeof(pollfd));
    all[count] = {wake_fd, POLLIN, 0};
    papo::detail::sleep_watches = false;
    int ready = papo::detail::libc_poll(all, count + 1, timeout_ms);
    if (ready > 0 && all[count].revents != 0) {
        drain();
        --ready;
        papo::detail::sleep_watches = ready == 0;
    }
    for (nfds_t i = 0; i < count; ++i) fds[i].revents = all[i].revents;
    return ready;
}

// Paho's 100 ms sleep after a poll that found nothing: ended early by a wake. After a
// poll a wake ended, also by data on its sockets: the sleep that follows would otherwise
// sit on a SUBACK or CONNACK that came meanwhile (reads took 60, 160 or 260 ms). Never
// after a poll that ended by itself: Paho also sleeps when a socket is readable but not
// writable (its flow control), and watching then would spin the thread.
extern "C" int usleep(useconds_t microseconds) {
    using namespace papo::detail;
    if (wake_fd < 0 || !on_paho_receiver()) return libc_usleep(microseconds);
    pollfd all[most_fds + 1];
    const nfds_t count = sleep_watches ? watched_count : 0;
    sleep_watches = false;
    std::memcpy(all, watched, count * sizeof(pollfd));
    for (nfds_t i = 0; i < count; ++i) all[i].events = POLLIN;
    all[count] = {wake_fd, POLLIN, 0};
    if (libc_poll(all, count + 1, static_cast<int>(microseconds / 1000)) > 0 && all[count].revents != 0) drain();
    return 0;
}
