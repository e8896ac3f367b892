// What papo::session puts on the wire when it opens a queue, read by a plain TCP
// listener standing in for the broker: a persistent session must carry a Session
// Expiry Interval that really means "months or more" (Paho C 1.3.12 turns
// 0xFFFFFFFF into 255 s, which once made every user's queue vanish 4 minutes
// after they logged off).
#include "papo/error.h"
#include "papo/session.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <future>
#include <vector>

namespace papo {
namespace {

// Accepts one connection and returns the bytes of the first packet (CONNECT).
std::vector<unsigned char> first_packet(int listener) {
    const int peer = accept(listener, nullptr, nullptr);
    std::vector<unsigned char> bytes(4096);
    const ssize_t count = recv(peer, bytes.data(), bytes.size(), 0);
    close(peer);
    bytes.resize(count > 0 ? static_cast<std::size_t>(count) : 0);
    return bytes;
}

// The Session Expiry Interval (property 0x11) of an MQTT 5 CONNECT; -1 when absent.
long long session_expiry(const std::vector<unsigned char>& p) {
    std::size_t i = 1;
    while (p.at(i) & 0x80) ++i;  // remaining length
    ++i;
    i += 2 + 4 + 1 + 1 + 2;      // protocol name "MQTT", level, flags, keep alive
    std::size_t length = 0, shift = 0;
    do {
        length |= static_cast<std::size_t>(p.at(i) & 0x7F) << shift;
        shift += 7;
    } while (p.at(i++) & 0x80);
    for (const std::size_t end = i + length; i < end;) {
        const unsigned char id = p.at(i++);
        if (id == 0x11)
            return (static_cast<long long>(p.at(i)) << 24) | (p.at(i + 1) << 16) | (p.at(i + 2) << 8) | p.at(i + 3);
        if (id == 0x21 || id == 0x22) i += 2;       // two-byte integers
        else if (id == 0x27) i += 4;                 // four-byte integer
        else if (id == 0x17 || id == 0x19) i += 1;   // bytes
        else return -2;                              // not expected in papo's CONNECT
    }
    return -1;
}

TEST(connect_packet, PersistentSessionAsksForAnExpiryOfDecades) {
    const int listener = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    socklen_t size = sizeof address;
    getsockname(listener, reinterpret_cast<sockaddr*>(&address), &size);
    listen(listener, 1);
    auto packet = std::async(std::launch::async, [listener] { return first_packet(listener); });

    session_options options;
    options.broker = "tcp://127.0.0.1:" + std::to_string(ntohs(address.sin_port));
    options.client_id = "bob";
    options.persistent = true;
    options.clean_start = false;
    options.timeout = std::chrono::milliseconds(1000);
    session queue(options);
    EXPECT_THROW(queue.connect(), error);  // nobody answers the CONNECT
    const auto bytes = packet.get();
    close(listener);
    ASSERT_GT(bytes.size(), 12u);
    EXPECT_EQ(bytes[0], 0x10);  // CONNECT
    const long long expiry = session_expiry(bytes);
    EXPECT_GE(expiry, 10LL * 365 * 24 * 3600) << "session expiry on the wire: " << expiry << " s";
}

}  // namespace
}  // namespace papo
