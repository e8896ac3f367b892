#pragma once
// Paho C 1.3.12's receive thread sleeps 100 ms (MQTTAsync_cycle) whenever it finds no
// ready socket, and a process's first connect starts that thread before the socket
// exists: half of the one-shot commands paid the 100 ms. A signal ends that sleep.
namespace papo::detail {
// Interrupts Paho's receive thread ("MQTTAsync_rcv") if, and only if, it is asleep in
// nanosleep: in any other call (poll, read) a signal could turn into an error. The
// handler does nothing and restarts what can be restarted.
void wake_paho_receiver();
}  // namespace papo::detail
