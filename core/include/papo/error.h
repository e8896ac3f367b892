#pragma once
// papo::error: the one exception type programs catch at their edges.
#include <stdexcept>
#include <string>

namespace papo {

class error : public std::runtime_error {
public:
    explicit error(const std::string& message, int reason_code = 0)
        : std::runtime_error(message), reason_code_(reason_code) {}
    // MQTT reason code or Paho return code where one applies, else 0.
    int reason_code() const noexcept { return reason_code_; }

private:
    int reason_code_;
};

}  // namespace papo
