#pragma once
// Benchmark scenarios. Each runs one side (papo or the raw Paho baseline) once on a
// broker and papo-server that the caller started, and returns its measurements.
// Every run is bounded in count and time, and checks its delivery count exactly.
#include "papo/server/ejabberd_backend.h"

#include <map>
#include <string>

namespace papo::bench {

struct target {
    std::string broker;  // tcp://127.0.0.1:PORT
    int server_pid = 0;
    int broker_pid = 0;
    std::string papo_bin;  // the papo client, for its memory
    // The project's access control (dynsec accounts, papo_guard): every connection,
    // papo's and the raw side's alike, logs in as a real account (accounts.h).
    bool accounts = false;
    std::string admin_password, server_password;
    // The 2-node ejabberd cluster: receivers log in on node 2 (receiver_broker), senders,
    // papo-server and the manager on node 1; its second node's pid for the broker's CPU
    // and memory. Accounts are ejabberd's (its HTTP API), and a user's queue is made by
    // the user's first login, papo's and raw's alike (server/.../ejabberd_backend.h).
    std::string receiver_broker;  // "": broker
    int second_broker_pid = 0;
    bool on_ejabberd = false;
    ejabberd_api ejabberd;
};

using measurements = std::map<std::string, double>;

// Closes the connections the scenarios keep open to `t` (the manager's): before its broker stops.
void close_connections(const target& t);

measurements dm_throughput(const target& t, bool papo_side, int messages);
measurements dm_latency(const target& t, bool papo_side, int per_second, int seconds);
measurements offline_drain(const target& t, bool papo_side, int messages);
measurements topic_fanout(const target& t, bool papo_side, int members, int posts);
measurements create_users(const target& t, bool papo_side, int users);
// papo send / read (empty queue) / join / leave as processes, start to exit, median of
// `runs`; raw: mosquitto_pub and mosquitto_sub -E (bench/commands.cpp).
measurements one_shot_commands(const target& t, bool papo_side, int runs);
// papo only: queues ls with the users that exist now, and papo-server's memory.
measurements server_costs(const target& t);
// Creates users until `users` exist; the broker's memory per idle user (session, no traffic).
measurements scale_to(const target& t, int users);
// The resident memory of a papo client process reading its queue.
measurements client_memory(const target& t);
// A process's resident set (VmRSS), in KB; 0 if unknown.
double rss_kb(int pid);
// A process's CPU time so far (user + system, all threads), in ms; pid 0: this process.
double cpu_ms(int pid);
// The broker's CPU time and resident set: both nodes' on the cluster.
double broker_cpu_ms(const target& t);
double broker_rss_kb(const target& t);

}  // namespace papo::bench
