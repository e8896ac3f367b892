#pragma once
// Loopback ports for test servers.

namespace papo::test {

// A port that was free a moment ago: bind 127.0.0.1:0 and read back what the kernel chose.
int free_loopback_port();
// True when something on 127.0.0.1:port accepts a TCP connection.
bool port_accepts(int port);

}  // namespace papo::test
