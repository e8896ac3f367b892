#pragma once
// The configuration of a test broker, derived from the project's mosquitto.conf.
#include <string>
#include <vector>

namespace papo::test {

struct broker_settings {
    int port = 0;             // the first listener's port (127.0.0.1)
    std::string dir;          // persistence, log and pid file go here
    std::string source_dir;   // relative file paths in the project's file are relative to it
    bool as_root = false;     // append "user root": mosquitto drops to user mosquitto otherwise
    std::vector<std::string> extra_lines;
    // Open: no accounts at all (anonymous allowed, no plugins), for tests and
    // benchmarks of the library alone. Otherwise the project's access control, with
    // papo_guard taken from `guard_plugin` and dynsec's file kept in `dir`.
    bool open = false;
    std::string guard_plugin;
    // "key value": written as plugin_opt_<key> at the end of papo_guard's options,
    // so they win over the project's (Mosquitto passes both; the plugin keeps the last).
    std::vector<std::string> guard_options;
};

// `project_config` with the listener, persistence_location, log_dest and pid_file
// lines replaced and relative file paths made absolute; every other line, comments
// included, is kept as it is. A second listener gets another free loopback port.
std::string derive_broker_config(const std::string& project_config, const broker_settings& settings);

}  // namespace papo::test
