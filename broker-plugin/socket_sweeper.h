#pragma once
// Closes TCP sockets that never sent a CONNECT. Mosquitto 2.0.11 has no option
// for it: a client's keepalive only starts with its CONNECT, so 20,000 silent
// sockets held the broker's file descriptors and locked everyone out. Linux tells
// which accepted sockets the broker never wrote to (TCP_INFO bytes_acked == 0:
// not even a CONNACK); one still silent `timeout` after it was first seen is shut
// down, and the broker's own loop then closes it as a peer that went away.
// Runs inside the broker process (from the plugin's tick); scans /proc/self/fd.
#include <chrono>
#include <cstddef>
#include <map>

namespace papo::guard {

class socket_sweeper {
public:
    explicit socket_sweeper(std::chrono::seconds timeout) : timeout_(timeout) {}
    // Returns how many sockets it shut down this time.
    std::size_t sweep(std::chrono::steady_clock::time_point now);

private:
    struct seen {
        unsigned long inode = 0;
        std::chrono::steady_clock::time_point since;
    };
    std::chrono::seconds timeout_;
    std::map<int, seen> silent_;  // by file descriptor
};

}  // namespace papo::guard
