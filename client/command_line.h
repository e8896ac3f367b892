#pragma once
// Command lines of papo and papo-admin: options, then the command words.
#include <boost/program_options.hpp>

#include <cmath>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
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

// The layers below the command line (docs/commands.md, "Configuration"). Each store() keeps
// what an earlier layer set, so the order of the calls is the order of precedence:
// command line, then the environment, then a stored login (papo login), then the
// config file, then the defaults.

// The environment variables in `names` (variable -> option) as option values.
inline void store_environment(const boost::program_options::options_description& options,
                              const std::map<std::string, std::string>& names, boost::program_options::variables_map& values) {
    namespace po = boost::program_options;
    po::store(po::parse_environment(options,
                                    [&](const std::string& variable) -> std::string {
                                        const auto found = names.find(variable);
                                        return found == names.end() ? "" : found->second;
                                    }),
              values);
}

// `key=value` lines (a stored login's broker, user, ca-file) as option values.
inline void store_key_values(const std::string& lines, const boost::program_options::options_description& options,
                             boost::program_options::variables_map& values) {
    namespace po = boost::program_options;
    std::istringstream in(lines);
    po::store(po::parse_config_file(in, options, true), values);
}

// The config file at `path` (`key = value` lines, `#` comments). A missing file is no
// error unless `required` (it was named with --config or PAPO_CONFIG). A key `options`
// does not have, or a value of the wrong type, throws std::runtime_error naming the file.
inline void store_config_file(const std::string& path, bool required, const boost::program_options::options_description& options,
                              boost::program_options::variables_map& values) {
    namespace po = boost::program_options;
    std::ifstream in(path);
    if (!in) {
        if (required) throw std::runtime_error("cannot read the config file " + path);
        return;
    }
    try {
        po::store(po::parse_config_file(in, options), values);
    } catch (const po::error& e) {
        throw std::runtime_error("config file " + path + ": " + e.what());
    }
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

}  // namespace papo::cli
