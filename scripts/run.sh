#!/usr/bin/env bash
# The README's run command: installs what is missing, builds, then starts the
# broker (with the project's mosquitto.conf) and papo-server in the background.
#   scripts/run.sh          start (or say what is already running)
#   scripts/run.sh stop     stop papo-server and the broker
# Logs and pid files live in data/; broker persistence in data/broker/; papo-server's
# copy of the registry in data/server/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
data="$root/data"
mkdir -p "$data/broker"

running() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }
stop_one() {
  if running "$1"; then kill "$(cat "$1")"; for _ in $(seq 50); do running "$1" || break; sleep 0.1; done; fi
  rm -f "$1"
}

if [[ ${1:-} == stop ]]; then
  stop_one "$data/papo-server.pid"
  stop_one "$data/mosquitto.pid"
  echo "papo: stopped"
  exit 0
fi

bash scripts/install-deps.sh
bash scripts/build.sh --target papo papo-admin papo-server papo_guard

# First start: the broker's account file (dynamic security) with fresh passwords
# for papo-server and papo-admin, kept in data/secrets/ (mode 0600).
if [[ ! -f "$data/broker/dynamic-security.json" ]]; then
  mkdir -p "$data/secrets" && chmod 700 "$data/secrets"
  "$root/build/server/papo-server" --init-security "$data/broker/dynamic-security.json" --secrets-dir "$data/secrets"
fi

# Mosquitto started as root drops to the user 'mosquitto', which must be able to
# write data/broker/. When the project sits where that user cannot reach (under
# /root, say), the broker keeps running as root, with the same settings.
config="$root/mosquitto.conf"
if [[ $(id -u) -eq 0 ]] && id mosquitto >/dev/null 2>&1; then
  chown -R mosquitto: "$data/broker"
  if ! runuser -u mosquitto -- test -w "$data/broker" 2>/dev/null; then
    config="$data/mosquitto.run.conf"
    { cat "$root/mosquitto.conf"; echo "user root"; } >"$config"
    echo "papo: the 'mosquitto' user cannot reach $data/broker; running the broker as root ($config)"
  fi
fi

if running "$data/mosquitto.pid"; then
  echo "papo: broker already running (pid $(cat "$data/mosquitto.pid"))"
else
  if (exec 3<>/dev/tcp/127.0.0.1/1883) 2>/dev/null; then
    echo "papo: something already listens on 127.0.0.1:1883 (a system mosquitto? try: systemctl stop mosquitto)" >&2
    exit 1
  fi
  nohup mosquitto -c "$config" >>"$data/mosquitto.log" 2>&1 &
  echo $! >"$data/mosquitto.pid"
  for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/1883) 2>/dev/null && break; sleep 0.1; done
  (exec 3<>/dev/tcp/127.0.0.1/1883) 2>/dev/null || { echo "papo: the broker did not start; see $data/mosquitto.log" >&2; exit 1; }
  echo "papo: broker listening on 127.0.0.1:1883 (log: data/mosquitto.log)"
fi

if running "$data/papo-server.pid"; then
  echo "papo: papo-server already running (pid $(cat "$data/papo-server.pid"))"
else
  nohup "$root/build/server/papo-server" --broker tcp://127.0.0.1:1883 \
    --password-file "$data/secrets/papo-server.password" --state-dir "$data/server" >>"$data/papo-server.log" 2>&1 &
  echo $! >"$data/papo-server.pid"
  sleep 0.5
  running "$data/papo-server.pid" || { echo "papo: papo-server did not start; see $data/papo-server.log" >&2; exit 1; }
  echo "papo: papo-server running (log: data/papo-server.log)"
fi
# Bash completion of papo and papo-admin (commands, options, user and topic names):
# linked where bash-completion looks when it can be, else the line to source is shown.
completion="$root/client/completion/papo.bash"
completions_dir=/usr/share/bash-completion/completions
if [[ -d $completions_dir && -w $completions_dir ]]; then
  ln -sf "$completion" "$completions_dir/papo" && ln -sf "$completion" "$completions_dir/papo-admin"
  echo "papo: bash completion installed in $completions_dir (new shells; or: source $completion)"
else
  echo "papo: for bash completion: source $completion"
fi
cat <<EOT

Ready. The manager's password is in data/secrets/papo-admin.password. Try:
  export PAPO_ADMIN_PASSWORD_FILE=$data/secrets/papo-admin.password
  build/client/papo-admin users add alice   # asks for alice's new password
  build/client/papo --user alice            # interactive chat (asks for the password)
Stop with: scripts/run.sh stop
EOT
