%% papo's additions to ejabberd 23.01's mod_mqtt for a cluster. ejabberd-cluster.sh
%% compiles this file at each start and ejabberd.yml.in loads it (modules: mod_papo).
%%
%% 1. Retained messages across nodes. mod_mqtt stores a retained message in Mnesia, on
%%    every node, but finds the retained messages of a new subscription through an index
%%    of topics kept in an ets table of its own node (mqtt_topic_cache, filled from the
%%    database when the node starts). A retained message first published on node 1 is
%%    therefore not delivered to a subscription made on node 2 until node 2 restarts.
%%    The mqtt_publish hook runs on the publishing node after the message is stored and
%%    before it is acknowledged: it puts the topic into (or takes it out of) the index of
%%    every other node, so a PUBACK means every node will deliver it.
%% 2. Retained messages only where papo allows them (topics.md "Limits": a user or device
%%    retains only on presence/<own name>; papo-server anywhere). mod_mqtt's ACLs cannot
%%    look at the retain flag, so the same hook takes such a message out of the store
%%    again: it is delivered live as usual, never kept. (Between the two steps a new
%%    subscription may still see it.)
%% 3. Ending MQTT sessions. Nothing in 23.01 ends a live MQTT connection: kick_user and
%%    kick_session reach XMPP sessions only, and mod_mqtt's own remove_user hook removes
%%    nothing (it unregisters sessions under the calling process's pid, not theirs).
%%    mqtt_kick_user ends every MQTT connection of an account on every node and keeps
%%    its sessions (after a password change: the client must log in again);
%%    mqtt_remove_sessions ends them and destroys the sessions with their queues, and runs
%%    when an account is unregistered.
%% 4. Presence after a node crash. A session's will lives in its process: when a node
%%    dies, the wills of everyone connected there are never published, and their
%%    retained presence stays "online". mqtt_without_session tells papo-server which of
%%    the accounts it believes online have no live session process on any node (the
%%    sessions of a dead node died with it; a disconnected persistent session stays
%%    alive until it expires, and its will was sent), so that it marks them offline.
-module(mod_papo).
-behaviour(gen_mod).

-export([start/2, stop/1, reload/3, depends/2, mod_options/1, mod_opt_type/1, mod_doc/0]).
-export([mqtt_publish/3, remove_user/2, mqtt_kick_user/2, mqtt_remove_sessions/2, mqtt_without_session/2]).

-include("ejabberd_commands.hrl").
-include("mqtt.hrl").

start(Host, _Opts) ->
    ejabberd_hooks:add(mqtt_publish, Host, ?MODULE, mqtt_publish, 50),
    ejabberd_hooks:add(remove_user, Host, ?MODULE, remove_user, 40),
    ejabberd_commands:register_commands(?MODULE, commands()).

stop(Host) ->
    ejabberd_hooks:delete(mqtt_publish, Host, ?MODULE, mqtt_publish, 50),
    ejabberd_hooks:delete(remove_user, Host, ?MODULE, remove_user, 40),
    case gen_mod:is_loaded_elsewhere(Host, ?MODULE) of
        false -> ejabberd_commands:unregister_commands(commands());
        true -> ok
    end.

reload(_Host, _NewOpts, _OldOpts) -> ok.
depends(_Host, _Opts) -> [{mod_mqtt, hard}].
%% The account that may retain anywhere.
mod_options(_Host) -> [{server_account, <<"papo-server">>}].
mod_opt_type(server_account) -> econf:binary().
mod_doc() -> #{desc => <<"papo's fixes of mod_mqtt in a cluster (retained index, kicking)">>}.

%% --- 1. and 2. retained messages ----------------------------------------------------

mqtt_publish({U, S, _} = USR, #publish{retain = true, topic = Topic, payload = Data}, _Expiry) ->
    Key = {topic_key(Topic), S},
    case Data =/= <<>> andalso not may_retain(S, U, Topic) of
        true ->
            Mod = gen_mod:db_mod(S, mod_mqtt),
            Mod:delete_published(USR, Topic),
            Nodes = ejabberd_cluster:get_nodes(),
            catch ets_cache:delete(mqtt_payload_cache, {S, Topic}, Nodes),
            _ = erpc:multicall(Nodes, ets, delete, [mqtt_topic_cache, Key], 5000),
            logger:notice("mod_papo: ~ts may not retain on ~ts: delivered, not kept", [U, Topic]);
        false ->
            {F, A} = case Data of
                         <<>> -> {delete, [mqtt_topic_cache, Key]};
                         _ -> {insert, [mqtt_topic_cache, {Key, Topic}]}
                     end,
            %% A node that is down rebuilds its index from the database when it starts.
            _ = erpc:multicall(ejabberd_cluster:get_nodes() -- [node()], ets, F, A, 5000)
    end,
    ok;
mqtt_publish(_, _, _) -> ok.

may_retain(S, U, Topic) ->
    case gen_mod:get_module_opt(S, ?MODULE, server_account) of
        U -> true;
        _ ->
            case Topic of
                %% As the ACL's presence/%u: the level folded as the login name is.
                <<"presence/", Name/binary>> -> jid:nodeprep(Name) =:= U;
                _ -> false
            end
    end.

%% mod_mqtt's key of a topic (mod_mqtt:topic_key/1 is not exported):
%% <<"a/b">> -> [<<"a">>, $/, <<"b">>], without a leading empty level.
topic_key(Topic) ->
    case join_key(binary:split(Topic, <<$/>>, [global])) of
        [<<>> | T] -> T;
        T -> T
    end.

join_key([X, Y | T]) -> [X, $/ | join_key([Y | T])];
join_key([X]) -> [X];
join_key([]) -> [].

%% --- 3. ending sessions --------------------------------------------------------------

remove_user(User, Server) ->
    _ = mqtt_remove_sessions(User, Server),
    ok.

%% The live session processes of an account, on every node (mqtt_session is a Mnesia
%% table with a copy on each node).
session_pids(User, Server) ->
    LUser = jid:nodeprep(User),
    LServer = jid:nameprep(Server),
    lists:filtermap(fun(USR) ->
                            case mod_mqtt:lookup_session(USR) of
                                {ok, Pid} -> {true, Pid};
                                _ -> false
                            end
                    end,
                    mod_mqtt_mnesia:get_sessions(LUser, LServer)).

%% As the peer closing its socket: the session stays (and its queue) for its expiry.
mqtt_kick_user(User, Server) ->
    Pids = session_pids(User, Server),
    [ejabberd_cluster:send(Pid, {tcp_closed, papo_kick}) || Pid <- Pids],
    length(Pids).

%% As a takeover by a clean session: DISCONNECT "session taken over" (0x8E), and the
%% session, its subscriptions and its queue are gone.
mqtt_remove_sessions(User, Server) ->
    Pids = session_pids(User, Server),
    [ejabberd_cluster:send(Pid, {replaced, self()}) || Pid <- Pids],
    length(Pids).

%% --- 4. presence after a node crash -------------------------------------------------

%% Those of Users with no live session process anywhere. A pid of a node that is down
%% (or does not answer within 2 s) counts as dead: its wills will never come.
mqtt_without_session(Users, Server) ->
    [U || U <- Users, not lists:any(fun alive/1, session_pids(U, Server))].

alive(Pid) when node(Pid) =:= node() -> is_process_alive(Pid);
alive(Pid) ->
    case lists:member(node(Pid), nodes()) of
        false -> false;
        true ->
            try erpc:call(node(Pid), erlang, is_process_alive, [Pid], 2000)
            catch _:_ -> false
            end
    end.

commands() ->
    [#ejabberd_commands{name = mqtt_kick_user, tags = [session],
                        desc = "End every MQTT connection of an account, on every node; "
                               "the sessions stay",
                        module = ?MODULE, function = mqtt_kick_user,
                        args = [{user, binary}, {host, binary}],
                        args_example = [<<"alice">>, <<"papo.localhost">>],
                        result = {connections, integer},
                        result_desc = "How many sessions were told to disconnect"},
     #ejabberd_commands{name = mqtt_remove_sessions, tags = [session],
                        desc = "End every MQTT connection of an account and destroy its "
                               "sessions with their queues, on every node",
                        module = ?MODULE, function = mqtt_remove_sessions,
                        args = [{user, binary}, {host, binary}],
                        args_example = [<<"alice">>, <<"papo.localhost">>],
                        result = {sessions, integer},
                        result_desc = "How many sessions were ended"},
     #ejabberd_commands{name = mqtt_without_session, tags = [session],
                        desc = "Those of the given accounts that have no live MQTT session "
                               "on any node (their node died: their wills never came)",
                        module = ?MODULE, function = mqtt_without_session,
                        args = [{users, {list, {user, binary}}}, {host, binary}],
                        args_example = [[<<"alice">>, <<"bob">>], <<"papo.localhost">>],
                        result = {users, {list, {user, string}}},
                        result_desc = "The accounts without a live session"}].
