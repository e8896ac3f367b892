// Whether a broker's port accepts TCP at all: tells "the broker is away" (a send may
// wait in the outbox) from "the broker is there but refused us" (TLS, protocol).
#include "papo/session.h"
#include "tcp_nodelay.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace papo {

bool broker_port_answers(const std::string& uri, std::chrono::milliseconds timeout) {
    const auto scheme_end = uri.find("://");
    const std::string rest = scheme_end == std::string::npos ? uri : uri.substr(scheme_end + 3);
    const std::string host = rest.substr(0, rest.find(':'));
    const std::string port = std::to_string(detail::port_of_uri(uri.c_str()));
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0 || !found) return false;
    bool answered = false;
    for (addrinfo* a = found; a && !answered; a = a->ai_next) {
        const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK, a->ai_protocol);
        if (fd < 0) continue;
        if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
            answered = true;
        } else {
            pollfd p{fd, POLLOUT, 0};
            int error = 0;
            socklen_t size = sizeof error;
            answered = ::poll(&p, 1, static_cast<int>(timeout.count())) == 1 &&
                       ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) == 0 && error == 0;
        }
        ::close(fd);
    }
    ::freeaddrinfo(found);
    return answered;
}

}  // namespace papo
