#pragma once
// papo-server's ceiling (bench/ceiling.cpp): the highest total DM rate it counts and
// stores, many senders to many offline queues, beside the broker alone at that load.
#include "scenarios.h"

namespace papo::bench {

// `messages` DMs from `senders` device connections (papo's JSON, plain MQTT) spread
// over `queues` offline queues: the rate the broker accepted them, the rate at which
// papo-server had counted them all (papo side), and CPU per message of both.
measurements server_ceiling(const target& t, bool papo_side, int messages, int senders, int queues);

}  // namespace papo::bench
