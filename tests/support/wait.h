#pragma once
// Tests wait for a condition, never for a fixed time: a fixed sleep is either too
// short on a loaded machine (a flaky test) or longer than needed (a slow one).
#include <chrono>
#include <thread>

namespace papo::test {

// Checks `condition` every `poll` until it holds (true) or `timeout` has passed (false,
// after one last check).
template <typename Condition>
bool wait_until(Condition&& condition, std::chrono::milliseconds timeout = std::chrono::seconds(30),
                std::chrono::milliseconds poll = std::chrono::milliseconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const bool last = std::chrono::steady_clock::now() >= deadline;
        if (condition()) return true;
        if (last) return false;
        std::this_thread::sleep_for(poll);
    }
}

}  // namespace papo::test
