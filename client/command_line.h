#pragma once
// Command lines of papo and papo-admin: options, then the command words.
#include <boost/program_options.hpp>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

namespace papo::cli {

// Parses `options` plus any number of positional words (the command and its arguments).
inline boost::program_options::variables_map parse_command_line(int argc, char** argv,
                                                                 const boost::program_options::options_description& options,
                                                                 std::vector<std::string>& words) {
    namespace po = boost::program_options;
    po::options_description hidden;
    hidden.add_options()("words", po::value(&words));
    po::options_description all;
    all.add(options).add(hidden);
    po::positional_options_description positional;
    positional.add("words", -1);
    po::variables_map values;
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), values);
    po::notify(values);
    return values;
}

// Why `url` cannot be a broker address; nullopt when it can. Paho would throw or abort
// later, after the password prompt: this is checked first.
inline std::optional<std::string> broker_url_problem(const std::string& url) {
    for (const char* scheme : {"tcp://", "ssl://", "mqtt://", "mqtts://"}) {
        const std::string prefix = scheme;
        if (url.rfind(prefix, 0) != 0) continue;
        const std::string rest = url.substr(prefix.size());
        if (rest.empty() || rest[0] == ':' || rest.find_first_of("/ ") != std::string::npos)
            return "--broker '" + url + "' has no host (tcp://HOST:PORT or ssl://HOST:PORT)";
        return std::nullopt;
    }
    return "--broker must be tcp://HOST:PORT or ssl://HOST:PORT, not '" + url + "'";
}

// Why `seconds`, the value of `option`, is not between `low` and `high`; nullopt when it is.
// NaN and infinities fail too, so that no option value reaches a conversion that is
// undefined behaviour.
inline std::optional<std::string> seconds_problem(const char* option, double seconds, double low, double high) {
    if (std::isfinite(seconds) && seconds >= low && seconds <= high) return std::nullopt;
    auto text = [](double v) {
        std::string s = std::to_string(v);
        s.erase(s.find_last_not_of('0') + 1);
        if (!s.empty() && s.back() == '.') s.pop_back();
        return s;
    };
    return std::string(option) + " must be between " + text(low) + " and " + text(high) + " seconds";
}

// A new account password: the length papo-server accepts (8 to 256 bytes of UTF-8,
// server_core's require_good_password), checked here too so that a prompt can ask again.
inline constexpr std::size_t min_new_password_bytes = 8;
inline constexpr std::size_t max_new_password_bytes = 256;

}  // namespace papo::cli
