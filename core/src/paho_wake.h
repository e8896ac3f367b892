#pragma once
// Paho C 1.3.12's receive thread ("MQTTAsync_rcv") waits in poll() on the sockets it
// knows (10 ms at first, then 1 s) and then, finding nothing ready, sleeps 100 ms in
// usleep() (MQTTAsync_cycle). A new connection's CONNECT goes out only after that
// poll returns, even when the socket is already writable: every process's first
// connect waited out the 10 ms poll, and one made while idle up to 1.1 s.
// paho_wake.cpp defines poll() and usleep() for the process: on the thread named
// MQTTAsync_rcv they also wait on an eventfd, so a wake ends the wait; on every other
// thread, and for a zero timeout, they are libc's.
namespace papo::detail {
// Ends the receive thread's current or next wait in poll() or usleep(), at once and
// without a signal: a wake that finds it busy is kept for its next wait.
void wake_paho_receiver();
}  // namespace papo::detail
