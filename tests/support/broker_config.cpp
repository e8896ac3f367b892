#include "broker_config.h"

#include "ports.h"

#include <set>
#include <sstream>

namespace papo::test {
namespace {

// Options whose value is a file or folder that the project names relative to its root.
const std::set<std::string> path_options{"password_file", "acl_file", "cafile", "capath", "certfile", "keyfile",
                                          "crlfile", "dhparamfile", "psk_file", "include_dir", "plugin",
                                          "auth_plugin"};

std::string option_of(const std::string& line) {
    const auto start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') return "";
    return line.substr(start, line.find_first_of(" \t", start) - start);
}

std::string value_of(const std::string& line, const std::string& option) {
    const auto start = line.find_first_not_of(" \t", line.find(option) + option.size());
    return start == std::string::npos ? "" : line.substr(start);
}

}  // namespace

std::string derive_broker_config(const std::string& project_config, const broker_settings& settings) {
    // Mosquitto has no end-of-line comments, so every note goes on a line of its own.
    std::ostringstream out;
    out << "# A test broker's configuration, derived from the project's mosquitto.conf.\n";
    const auto replaced = [&](const std::string& original) -> std::ostream& {
        return out << "# test: replaced '" << original << "'\n";
    };
    bool listener_done = false, persistence_done = false, log_done = false;
    bool in_guard = false;  // between papo_guard's plugin line and the next plugin line
    const auto guard_overrides = [&] {
        if (!in_guard) return;
        for (const auto& option : settings.guard_options) out << "# test: guard option\nplugin_opt_" << option << "\n";
        in_guard = false;
    };
    std::istringstream in(project_config);
    for (std::string line; std::getline(in, line);) {
        const std::string option = option_of(line);
        const std::string value = value_of(line, option);
        if (option == "plugin" || option == "listener") guard_overrides();
        if (option == "plugin" && value.find("papo_guard") != std::string::npos && !settings.open) in_guard = true;
        if (option == "listener" || option == "port") {
            replaced(line) << "listener " << (listener_done ? free_loopback_port() : settings.port) << " 127.0.0.1\n";
            listener_done = true;
        } else if (option == "persistence_location") {
            replaced(line) << "persistence_location " << settings.dir << "/\n";
            persistence_done = true;
        } else if (option == "log_dest" && !log_done) {
            replaced(line) << "log_dest file " << settings.dir << "/mosquitto.log\n";
            log_done = true;
        } else if (option == "log_dest" || (option == "user" && settings.as_root)) {
            out << "# test: dropped '" << line << "'\n";
        } else if (settings.open && option.rfind("plugin", 0) == 0) {
            out << "# test (open): dropped '" << line << "'\n";
        } else if (settings.open && option == "allow_anonymous") {
            replaced(line) << "allow_anonymous true\n";
        } else if (option == "plugin" && value.find("papo_guard") != std::string::npos && !settings.guard_plugin.empty()) {
            replaced(line) << "plugin " << settings.guard_plugin << "\n";
        } else if (option == "plugin_opt_config_file") {
            replaced(line) << "plugin_opt_config_file " << settings.dir << "/dynamic-security.json\n";
        } else if (option == "pid_file") {
            replaced(line) << "pid_file " << settings.dir << "/mosquitto.pid\n";
        } else if (path_options.count(option) && !value.empty() && value.front() != '/') {
            replaced(line) << option << " " << settings.source_dir << "/" << value << "\n";
        } else {
            out << line << "\n";
        }
    }
    guard_overrides();
    out << "\n# test: added\n";
    if (!listener_done) out << "listener " << settings.port << " 127.0.0.1\n";
    if (!persistence_done) out << "persistence_location " << settings.dir << "/\n";
    if (!log_done) out << "log_dest file " << settings.dir << "/mosquitto.log\n";
    if (settings.as_root) out << "user root\n";  // root owns the temporary folder
    for (const auto& line : settings.extra_lines) out << line << "\n";
    return out.str();
}

}  // namespace papo::test
