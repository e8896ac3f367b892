// papo-admin: the manager's command line. Each command becomes one request to
// papo-server (like mosquitto_ctrl); tables for people, --json for scripts.
#include "../command_line.h"
#include "papo/error.h"
#include "papo/rpc.h"
#include "papo/table.h"

#include <boost/program_options.hpp>

#include <iostream>

namespace po = boost::program_options;

namespace {

const char* usage = R"(Usage: papo-admin [options] <group> <command> [NAME]

  users  add NAME      create a user and its queue (refuses a name that exists)
  users  rm NAME       remove a user, its queue and its waiting messages
  users  ls            list users with presence and joined topics
  topics add NAME      create a chat topic
  topics rm NAME       remove a topic (posting to it fails from then on)
  topics ls            list topics with their member counts
  queues add NAME      create a named queue that belongs to no user (devices, services)
  queues rm NAME       remove a named queue and its waiting messages
  queues ls            list every queue with the number of messages waiting in it
  queues purge NAME    drop the messages waiting in a queue (its owner must be offline)

)";

std::string text_of(const nlohmann::json& value) {
    if (value.is_string()) return value.get<std::string>();
    if (value.is_boolean()) return value.get<bool>() ? "yes" : "no";
    if (value.is_array()) {
        std::string joined;
        for (const auto& item : value) joined += (joined.empty() ? "" : ",") + text_of(item);
        return joined.empty() ? "-" : joined;
    }
    return value.dump();
}

void print_table(const nlohmann::json& rows, const std::vector<std::pair<std::string, std::string>>& columns) {
    std::vector<std::string> header;
    for (const auto& column : columns) header.push_back(column.second);
    std::vector<std::vector<std::string>> cells;
    for (const auto& row : rows) {
        std::vector<std::string> line;
        for (const auto& column : columns) line.push_back(text_of(row.value(column.first, nlohmann::json("-"))));
        cells.push_back(std::move(line));
    }
    if (cells.empty()) std::cout << "(none)\n";
    else std::cout << papo::format_table(header, cells);
}

void print_result(const std::string& command, const nlohmann::json& data) {
    if (command == "users.ls")
        return print_table(data, {{"name", "USER"}, {"online", "ONLINE"}, {"topics", "TOPICS"}, {"created_at", "CREATED"}});
    if (command == "topics.ls") return print_table(data, {{"name", "TOPIC"}, {"members", "MEMBERS"}, {"created_at", "CREATED"}});
    if (command == "queues.ls")
        return print_table(data, {{"name", "QUEUE"}, {"messages", "MESSAGES"}, {"kind", "KIND"}, {"online", "ONLINE"}});
    const std::string name = data.value("name", "");
    if (command == "users.add") std::cout << "created user " << name << " and its queue\n";
    else if (command == "users.rm") std::cout << "removed user " << name << " and its queue\n";
    else if (command == "topics.add") std::cout << "created topic " << name << "\n";
    else if (command == "topics.rm") std::cout << "removed topic " << name << "\n";
    else if (command == "queues.add") std::cout << "created queue " << name << "\n";
    else if (command == "queues.rm") std::cout << "removed queue " << name << "\n";
    else if (command == "queues.purge") std::cout << "purged " << data.value("purged", 0) << " messages from " << name << "\n";
}

}  // namespace

int main(int argc, char** argv) {
    papo::leave_clients_to_process_exit();
    papo::session_options broker;
    bool as_json = false;
    double timeout_seconds = 5;
    std::vector<std::string> words;
    po::options_description options("Options");
    options.add_options()
        ("help,h", "show this help")
        ("broker,b", po::value(&broker.broker)->default_value("tcp://127.0.0.1:1883"), "broker URL (tcp://host:port or ssl://host:port); or PAPO_BROKER")
        ("username", po::value(&broker.username), "user name for the broker")
        ("password", po::value(&broker.password), "password for the broker (prefer PAPO_ADMIN_PASSWORD)")
        ("ca-file", po::value(&broker.ca_file), "CA certificate for ssl:// brokers")
        ("json", po::bool_switch(&as_json), "print the server's answer as JSON")
        ("timeout", po::value(&timeout_seconds)->default_value(5), "seconds to wait for papo-server");
    try {
        const auto values = papo::cli::parse_command_line(argc, argv, options, words);
        if (values.count("help") || words.empty()) {
            std::cout << usage << options;
            return words.empty() && !values.count("help") ? 2 : 0;
        }
    } catch (const std::exception& e) {
        std::cerr << "papo-admin: " << e.what() << "\n";
        return 2;
    }
    if (const char* env = std::getenv("PAPO_BROKER"); env && broker.broker == "tcp://127.0.0.1:1883") broker.broker = env;
    if (const char* password = std::getenv("PAPO_ADMIN_PASSWORD"); password && broker.password.empty())
        broker.password = password;

    const std::string group = words[0];
    const std::string verb = words.size() > 1 ? words[1] : "";
    const bool known_group = group == "users" || group == "topics" || group == "queues";
    const bool needs_name = verb == "add" || verb == "rm" || verb == "purge";
    const bool known_verb = verb == "ls" || verb == "add" || verb == "rm" || (verb == "purge" && group == "queues");
    if (!known_group || !known_verb || (needs_name && words.size() != 3) || (!needs_name && words.size() != 2)) {
        std::cerr << "papo-admin: unknown or incomplete command '";
        for (std::size_t i = 0; i < words.size(); ++i) std::cerr << (i ? " " : "") << words[i];
        std::cerr << "'\n" << usage;
        return 2;
    }
    const std::string command = group + "." + verb;
    nlohmann::json args = nlohmann::json::object();
    if (needs_name) args["name"] = words[2];
    try {
        broker.timeout = std::chrono::milliseconds(static_cast<long>(timeout_seconds * 1000));
        papo::rpc_client server(broker, "papo-admin");
        const auto data = server.call(command, args, broker.timeout);
        if (as_json) std::cout << data.dump(2) << "\n";
        else print_result(command, data);
        return 0;
    } catch (const std::exception& e) {
        if (as_json) std::cout << nlohmann::json{{"ok", false}, {"error", e.what()}}.dump(2) << "\n";
        std::cerr << "papo-admin: " << e.what() << "\n";
        return 1;
    }
}
