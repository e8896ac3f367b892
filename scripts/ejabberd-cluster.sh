#!/usr/bin/env bash
# A private 2-node ejabberd 23.01 cluster on loopback, papo's second broker (MQTT 5 via
# mod_mqtt, accounts via the HTTP API). Everything lives in DIR, so several clusters, a
# Mosquitto and a system ejabberd can run side by side.
#
#   ejabberd-cluster.sh start DIR          start node 1 and 2, join 2 to 1, print KEY=VALUE
#                                          lines (also in DIR/cluster.env)
#   ejabberd-cluster.sh stop DIR           stop both nodes and DIR's epmd
#   ejabberd-cluster.sh kill DIR N         SIGKILL node N's beam.smp
#   ejabberd-cluster.sh restart-node DIR N start node N again on its old spool, wait until
#                                          it serves and is back in the cluster
#   ejabberd-cluster.sh status DIR
#
# Ports are picked free on 127.0.0.1 at the first start, unless given: MQTT1_PORT,
# MQTT2_PORT, API1_PORT, API2_PORT, EPMD_PORT, DIST1_PORT, DIST2_PORT. START_TIMEOUT
# (seconds, default 60) bounds start and restart-node. Run as root or as user ejabberd.
# PAPO_CLUSTER_BENCH=1 at the first start of DIR (kept in DIR for later starts): the
# users may also publish and subscribe under bench/#, where papo-bench's raw baseline
# runs (bench/run.sh --config cluster). Without it the access rules are papo's alone.
set -euo pipefail

readonly EJ_USER=ejabberd
readonly API_USER_NAME=papo-api
readonly XMPP_HOST=papo.localhost
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/ejabberd"
readonly HERE TEMPLATE=$HERE/ejabberd.yml.in
START_TIMEOUT=${START_TIMEOUT:-60}
BENCH_TOPICS=0  # from DIR/state.env once started (PAPO_CLUSTER_BENCH)

say() { echo "ejabberd-cluster: $*" >&2; }
die() { say "$*"; exit 1; }
usage() { sed -n '6,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }

[ $# -ge 2 ] || usage
CMD=$1
case $2 in /*) DIR=$2 ;; *) DIR=$PWD/$2 ;; esac
DIR=${DIR%/}
# ejabberdctl splits its options on whitespace and hands the spool to Erlang inside
# quotes: a path with blanks or quotes would break it.
[[ $DIR =~ ^[A-Za-z0-9._/+-]+$ ]] || die "DIR must be a plain path (letters, digits, . _ / + -): $DIR"
readonly STATE=$DIR/state.env

command -v ejabberdctl >/dev/null || die "ejabberd is not installed (apt-get install ejabberd)"
command -v curl >/dev/null || die "curl is not installed"

# --- running things as user ejabberd -------------------------------------------------
# Debian's ejabberdctl, started by root, re-runs itself through `su ejabberd`, which
# sets HOME=/var/lib/ejabberd: the system node's cookie. Switching user ourselves with
# a clean environment gives every DIR its own HOME, hence its own cookie, and keeps the
# caller's ERL_* variables out.
as_ej() {
    local env=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME="$DIR/home" ERL_EPMD_PORT="$EPMD_PORT" "$@")
    if [ "$(id -u)" = 0 ]; then
        setpriv --reuid="$EJ_USER" --regid="$EJ_USER" --init-groups -- "${env[@]}"
    elif [ "$(id -un)" = "$EJ_USER" ]; then
        "${env[@]}"
    else
        die "run as root or as user $EJ_USER (ejabberdctl refuses others)"
    fi
}

node_name() { echo "papo$1-$UNIQ@localhost"; }

# Evaluate Erlang on node $1 from a hidden helper node; the expression sees the target as
# Node. A secret goes in on stdin (io:get_line), never in argv, which every local user can
# read. Prints the result; fails unless it is ok or {ok,_} (with ANY=1: never fails).
erl_on() {
    local n=$1 expr=$2
    as_ej PAPO_NODE="$(node_name "$n")" timeout 45 erl -sname "papoctl-$$-$RANDOM@localhost" -hidden -noshell \
        -start_epmd false -kernel inet_dist_use_interface '{127,0,0,1}' -eval "
        Node = list_to_atom(os:getenv(\"PAPO_NODE\")),
        R = case net_adm:ping(Node) of pong -> ($expr); pang -> nodedown end,
        io:format(\"~p~n\", [R]),
        halt(case R of ok -> 0; {ok, _} -> 0; _ when \"${ANY:-}\" =:= \"1\" -> 0; _ -> 1 end)."
}

# --- ports ---------------------------------------------------------------------------
used_ports=""
pick_port() { # VAR: keep VAR if set, else a port nobody uses on this machine
    local var=$1 p
    if [ -n "${!var:-}" ]; then used_ports+=" ${!var} "; return; fi
    [ -n "$used_ports" ] || used_ports=" $(ss -Htuan | awk '{n = split($5, a, ":"); printf "%s ", a[n]}') "
    # Below Linux's ephemeral range (32768-60999), where outgoing connections take theirs.
    while p=$((20000 + RANDOM % 12000)); [[ $used_ports == *" $p "* ]]; do :; done
    used_ports+=" $p "
    printf -v "$var" %s "$p"
}

# --- process bookkeeping -------------------------------------------------------------
# beam.smp of node N, by its node name (ejabberdctl's helper nodes are called
# XXX-ctl-<name>, so the name must follow "-sname ").
node_pid() {
    pgrep -u "$EJ_USER" -f -- "beam.smp .*-sname $(node_name "$1") " | head -n 1 || true
}
epmd_pid() { # ours only: started with our port in its argv
    pgrep -u "$EJ_USER" -f -x -- "[^ ]*epmd -daemon -port $EPMD_PORT -address 127.0.0.1" | head -n 1 || true
}
wait_gone() { # PID SECONDS
    local i
    for ((i = 0; i < $2 * 10; i++)); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
    return 1
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
api_url() { local p="API${1}_PORT"; echo "http://127.0.0.1:${!p}/api"; }
api() { # N COMMAND [JSON]: an authenticated call; the password goes to curl on stdin
    local body=${3:-'{}'}
    printf 'user = "%s@%s:%s"\n' "$API_USER_NAME" "$XMPP_HOST" "$(cat "$DIR/api.password")" |
        curl -sS --max-time 10 --config - -H 'Content-Type: application/json' -d "$body" "$(api_url "$1")/$2"
}

# papo-server's and papo-admin's accounts, with fresh passwords in DIR/secrets (0700,
# files 0600, one line, as --password-file reads them). The request body carries the
# password, so it goes to curl as a 0600 file, not on the command line.
register_service() {
    local name=$1 secrets=$DIR/secrets
    install -d -m 0700 "$secrets"
    [ -s "$secrets/$name.password" ] && return 0
    (umask 077
     od -An -N18 -tx1 /dev/urandom | tr -d ' \n' >"$secrets/$name.password"; echo >>"$secrets/$name.password"
     printf '{"user":"%s","host":"%s","password":"%s"}' "$name" "$XMPP_HOST" "$(head -n1 "$secrets/$name.password")" >"$secrets/.body")
    api 1 register @"$secrets/.body" >/dev/null || { rm -f "$secrets/.body" "$secrets/$name.password"; die_started "cannot register $name"; }
    rm -f "$secrets/.body"
}

logs_hint() {
    say "logs: $DIR/node1/logs/ and $DIR/node2/logs/ (ejabberd.log, error.log, crash.log)"
    local n f
    for n in 1 2; do
        for f in "$DIR/node$n/logs/error.log" "$DIR/node$n/logs/crash.log"; do
            [ -s "$f" ] && { say "--- last lines of $f"; tail -n 8 "$f" >&2; }
        done
    done
    return 0
}

deadline=0
time_left() { [ "$SECONDS" -lt "$deadline" ]; }

# Until node N accepts MQTT and its HTTP API answers (with AUTH=1: answers papo-api's
# authenticated `status`, i.e. the account is there too) and, with CLUSTER=1, its
# list_cluster names both nodes.
wait_serving() {
    local n=$1 mq="MQTT${1}_PORT" ap="API${1}_PORT" started=$SECONDS out
    while time_left; do
        if [ -z "$(node_pid "$n")" ] && [ $((SECONDS - started)) -ge 5 ]; then
            die_started "node $n ($(node_name "$n")) is not running"
        fi
        if port_open "${!mq}" && port_open "${!ap}"; then
            if [ "${AUTH:-0}" = 1 ]; then
                out=$(api "$n" status 2>/dev/null || true)
                if [[ $out == *"is started"* ]]; then
                    if [ "${CLUSTER:-0}" != 1 ]; then return 0; fi
                    out=$(api "$n" list_cluster 2>/dev/null || true)
                    [[ $out == *"$(node_name 1)"* && $out == *"$(node_name 2)"* ]] && return 0
                fi
            elif curl -s -o /dev/null --max-time 2 "$(api_url "$n")/status"; then
                return 0
            fi
        fi
        sleep 0.5
    done
    die_started "node $n ($(node_name "$n")) did not serve MQTT and the HTTP API within ${START_TIMEOUT}s"
}

# A failed start leaves nothing of it running (the logs stay in DIR): the whole cluster
# for start, the node for restart-node (FAILED_NODE).
die_started() {
    say "$*"
    logs_hint
    if [ -n "${FAILED_NODE:-}" ]; then
        stop_node "$FAILED_NODE" >/dev/null 2>&1 || true
    else
        stop_all >/dev/null 2>&1 || true
    fi
    exit 1
}

# --- the nodes -----------------------------------------------------------------------
write_node_config() { # N
    local n=$1 d=$DIR/node$1 mq="MQTT${1}_PORT" ap="API${1}_PORT" dp="DIST${1}_PORT"
    install -d -o "$EJ_USER" -g "$EJ_USER" -m 0750 "$d" "$d/conf" "$d/spool" "$d/logs"
    local bench=()
    # papo-bench's raw baseline (PAPO_CLUSTER_BENCH): bench/# for the users, in both lists.
    [ "${BENCH_TOPICS:-0}" != 1 ] ||
        bench=(-e '/^    access_publish:$/a\      "bench/#": papo_user' -e '/^    access_subscribe:$/a\      "bench/#": papo_user')
    sed -e "s/@XMPP_HOST@/$XMPP_HOST/g" -e "s/@MQTT_PORT@/${!mq}/g" -e "s/@API_PORT@/${!ap}/g" \
        -e "s/@API_USER@/$API_USER_NAME/g" "${bench[@]}" "$TEMPLATE" >"$d/conf/ejabberd.yml"
    # Read by ejabberdctl (a shell fragment). The node listens for the other node on one
    # port of its own (FIREWALL_WINDOW), on loopback; epmd is ours (ERL_EPMD_PORT comes
    # from as_ej), so the nodes must not start another one.
    cat >"$d/conf/ejabberdctl.cfg" <<EOF
ERLANG_NODE=$(node_name "$n")
FIREWALL_WINDOW=${!dp}-${!dp}
INET_DIST_INTERFACE=127.0.0.1
ERL_EPMD_ADDRESS=127.0.0.1
ERL_OPTIONS="-env ERL_CRASH_DUMP_BYTES 0 -start_epmd false -pa $DIR/ebin"
EJABBERD_PID_PATH=$d/ejabberd.pid
EJABBERD_BYPASS_WARNINGS=true
EOF
    chown "$EJ_USER:$EJ_USER" "$d/conf/ejabberd.yml" "$d/conf/ejabberdctl.cfg"
}

# mod_papo (see its header) from source at every start, against the installed ejabberd.
compile_mod_papo() {
    local beam lib
    for beam in /usr/lib/*/ejabberd-*/ebin/mod_mqtt.beam; do break; done
    lib=${beam%/ebin/mod_mqtt.beam}
    [ -f "$lib/include/mqtt.hrl" ] || die "ejabberd's headers are not in $lib/include"
    mkdir -p "$DIR/ebin"
    erlc -I "$lib/include" -pa "$lib/ebin" -o "$DIR/ebin" "$HERE/mod_papo.erl" ||
        die "cannot compile $HERE/mod_papo.erl"
    chmod -R a+rX "$DIR/ebin"
}

start_node() { # N: detached; wait_serving tells when it is up
    local n=$1 d=$DIR/node$1
    [ -z "$(node_pid "$n")" ] || die "node $n ($(node_name "$n")) is already running"
    as_ej ejabberdctl --config-dir "$d/conf" --ctl-config "$d/conf/ejabberdctl.cfg" \
        --spool "$d/spool" --logs "$d/logs" start ||
        die_started "ejabberdctl start of node $n failed"
}

start_epmd() {
    [ -n "$(epmd_pid)" ] && return 0
    as_ej epmd -daemon -port "$EPMD_PORT" -address 127.0.0.1
    local i
    for ((i = 0; i < 50; i++)); do
        [ -n "$(epmd_pid)" ] && port_open "$EPMD_PORT" && return 0
        sleep 0.1
    done
    die "epmd did not start on 127.0.0.1:$EPMD_PORT"
}

stop_node() { # N: cleanly, else SIGKILL after 30 s
    local n=$1 pid
    pid=$(node_pid "$n")
    [ -n "$pid" ] || return 0
    ANY=1 erl_on "$n" "rpc:call(Node, init, stop, [], 10000)" >/dev/null 2>&1 || true
    if ! wait_gone "$pid" 30; then
        say "node $n did not stop within 30 s: SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        wait_gone "$pid" 5 || true
    fi
}

stop_all() {
    local pid
    # Both at once (each takes seconds); a later start starts both at once as well.
    stop_node 2 &
    stop_node 1
    wait
    pid=$(epmd_pid)
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait_gone "$pid" 5 || kill -KILL "$pid" 2>/dev/null || true; fi
    # Whatever else still carries our names (a helper node stuck in rpc, say).
    pkill_ours
}

pkill_ours() {
    local pids
    pids=$(pgrep -u "$EJ_USER" -f -- "papo[12]-$UNIQ@localhost|epmd -daemon -port $EPMD_PORT " || true)
    # shellcheck disable=SC2086 # one word per pid
    [ -z "$pids" ] || { say "killing leftovers: $pids"; kill -KILL $pids 2>/dev/null || true; }
}

write_env() {
    local lines
    lines=$(
        cat <<EOF
MQTT1_PORT=$MQTT1_PORT
MQTT2_PORT=$MQTT2_PORT
API1_URL=$(api_url 1)
API2_URL=$(api_url 2)
API_USER=$API_USER_NAME@$XMPP_HOST
API_PASSWORD_FILE=$DIR/api.password
XMPP_HOST=$XMPP_HOST
PAPO_SERVER_PASSWORD_FILE=$DIR/secrets/papo-server.password
PAPO_ADMIN_PASSWORD_FILE=$DIR/secrets/papo-admin.password
NODE1=$(node_name 1)
NODE2=$(node_name 2)
LOGS1=$DIR/node1/logs
LOGS2=$DIR/node2/logs
EOF
    )
    printf '%s\n' "$lines" >"$DIR/cluster.env"
    printf '%s\n' "$lines"
}

load_state() {
    [ -f "$STATE" ] || die "no cluster in $DIR (run: $0 start $DIR)"
    # shellcheck source=/dev/null
    . "$STATE"
}

# --- commands ------------------------------------------------------------------------
cmd_start() {
    deadline=$((SECONDS + START_TIMEOUT))
    local t0=$SECONDS fresh=1
    mkdir -p "$DIR"
    if [ -f "$STATE" ] && grep -qx CLUSTERED=1 "$STATE"; then
        # Started before: same names, ports and spools (the Mnesia schema names the nodes).
        # shellcheck source=/dev/null
        . "$STATE"
        { [ -z "$(node_pid 1)" ] && [ -z "$(node_pid 2)" ]; } || die "the cluster in $DIR is running (stop it first)"
        fresh=0
    else
        # New, or a first start that did not finish: begin again from nothing (and with
        # other ports, unless given).
        # shellcheck source=/dev/null
        [ ! -f "$STATE" ] || (. "$STATE"; stop_all)
        rm -rf "$DIR/node1" "$DIR/node2" "$STATE"
        UNIQ=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
        for v in MQTT1_PORT MQTT2_PORT API1_PORT API2_PORT EPMD_PORT DIST1_PORT DIST2_PORT; do pick_port "$v"; done
        BENCH_TOPICS=${PAPO_CLUSTER_BENCH:-0}
        [[ $BENCH_TOPICS =~ ^[01]$ ]] || die "PAPO_CLUSTER_BENCH is 0 or 1"
        for v in UNIQ MQTT1_PORT MQTT2_PORT API1_PORT API2_PORT EPMD_PORT DIST1_PORT DIST2_PORT BENCH_TOPICS; do
            echo "$v=${!v}"
        done >"$STATE"
    fi
    # DIR must be traversable by ejabberd; its secrets stay in ejabberd's own 0700 folders
    # or with the caller (api.password).
    chmod o+x "$DIR"
    install -d -o "$EJ_USER" -g "$EJ_USER" -m 0700 "$DIR/home"
    if [ ! -s "$DIR/home/.erlang.cookie" ]; then
        (umask 077; od -An -N16 -tx1 /dev/urandom | tr -d ' \n' | tr a-f A-F >"$DIR/home/.erlang.cookie")
        chown "$EJ_USER:$EJ_USER" "$DIR/home/.erlang.cookie"
        chmod 0400 "$DIR/home/.erlang.cookie"
    fi
    if [ ! -s "$DIR/api.password" ]; then
        # One line, as papo's own password files (credentials.cpp reads the first line).
        (umask 077; { od -An -N18 -tx1 /dev/urandom | tr -d ' \n'; echo; } >"$DIR/api.password")
    fi
    compile_mod_papo
    write_node_config 1
    write_node_config 2
    as_ej test -w "$DIR/node1/spool" || die "user $EJ_USER cannot reach $DIR (a parent folder closed to others?)"

    start_epmd
    if [ "$fresh" = 1 ]; then
        start_node 1
        wait_serving 1
        # papo-api, through Erlang rather than ejabberdctl: its password stays off argv.
        erl_on 1 "rpc:call(Node, ejabberd_auth, try_register, [<<\"$API_USER_NAME\">>, <<\"$XMPP_HOST\">>,
                   list_to_binary(string:trim(io:get_line(\"\")))], 15000)" <"$DIR/api.password" >/dev/null ||
            die_started "cannot register $API_USER_NAME on node 1"
        AUTH=1 wait_serving 1
        say "node 1 serves ($((SECONDS - t0)) s)"
        start_node 2
        wait_serving 2
        say "node 2 serves alone ($((SECONDS - t0)) s), joining node 1"
        # Node 2 drops its own fresh database and copies node 1's (accounts, retained
        # messages); ejabberd restarts on node 2 meanwhile.
        erl_on 2 "rpc:call(Node, ejabberd_admin, join_cluster, [<<\"$(node_name 1)\">>], 30000)" >/dev/null ||
            die_started "node 2 could not join node 1"
    else
        # Mnesia on a node that stopped first waits for the other: start both at once.
        start_node 1
        start_node 2
    fi
    AUTH=1 CLUSTER=1 wait_serving 1
    AUTH=1 CLUSTER=1 wait_serving 2
    register_service papo-server
    register_service papo-admin
    [ "$fresh" = 0 ] || echo CLUSTERED=1 >>"$STATE"
    write_env
    say "cluster up in $((SECONDS - t0)) s"
}

cmd_stop() {
    [ -f "$STATE" ] || { say "no cluster in $DIR"; return 0; }
    load_state
    stop_all
    say "stopped"
}

node_arg() {
    [[ ${1:-} =~ ^[12]$ ]] || die "N must be 1 or 2"
    echo "$1"
}

cmd_kill() {
    load_state
    local n pid
    n=$(node_arg "${1:-}")
    pid=$(node_pid "$n")
    [ -n "$pid" ] || die "node $n is not running"
    kill -KILL "$pid"
    wait_gone "$pid" 10 || die "node $n (pid $pid) survived SIGKILL"
    say "killed node $n (pid $pid)"
}

cmd_restart_node() {
    load_state
    deadline=$((SECONDS + START_TIMEOUT))
    local n t0=$SECONDS
    n=$(node_arg "${1:-}")
    # Alone, the node would wait for the other's Mnesia tables; it also cannot rejoin.
    [ -n "$(node_pid $((3 - n)))" ] || die "node $((3 - n)) is not running either: use $0 start $DIR (starts both)"
    FAILED_NODE=$n
    start_epmd
    start_node "$n"
    AUTH=1 CLUSTER=1 wait_serving "$n"
    say "node $n back in the cluster in $((SECONDS - t0)) s"
}

cmd_status() {
    load_state
    local n pid mq rc=0
    for n in 1 2; do
        pid=$(node_pid "$n")
        if [ -n "$pid" ]; then
            mq="MQTT${n}_PORT"
            echo "node$n $(node_name "$n") pid=$pid mqtt=127.0.0.1:${!mq} api=$(api_url "$n") cluster=$(api "$n" list_cluster 2>/dev/null || echo '?')"
        else
            echo "node$n $(node_name "$n") stopped"
            rc=3
        fi
    done
    pid=$(epmd_pid)
    if [ -n "$pid" ]; then echo "epmd 127.0.0.1:$EPMD_PORT pid=$pid"; else echo "epmd 127.0.0.1:$EPMD_PORT stopped"; fi
    return $rc
}

case $CMD in
    start) [ $# -eq 2 ] || usage; cmd_start ;;
    stop) [ $# -eq 2 ] || usage; cmd_stop ;;
    kill) [ $# -eq 3 ] || usage; cmd_kill "$3" ;;
    restart-node) [ $# -eq 3 ] || usage; cmd_restart_node "$3" ;;
    status) [ $# -eq 2 ] || usage; cmd_status ;;
    *) usage ;;
esac
