#pragma once
// Paho C 1.3.12 has no TCP_NODELAY option; without it a request/reply round trip
// costs 30-70 ms of Nagle + delayed ACK. We set it on the sockets Paho opened.
namespace papo::detail {
// Sets TCP_NODELAY on every TCP socket of this process connected to `port`.
void set_nodelay_on_sockets_to(int port);
// The port of an mqtt/tcp/ssl URI such as tcp://host:1883; 1883 when absent.
int port_of_uri(const char* uri);
}  // namespace papo::detail
