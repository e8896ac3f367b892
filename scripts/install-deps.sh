#!/usr/bin/env bash
# Installs what papo needs to build, run and test, from Debian 12's packages.
# Skips apt entirely when everything is already there.
set -euo pipefail
packages=(build-essential cmake pkg-config mosquitto mosquitto-clients libmosquitto-dev tmux
  libpaho-mqtt-dev libpaho-mqttpp-dev libssl-dev nlohmann-json3-dev libboost-program-options-dev
  libgtest-dev libgmock-dev libreadline-dev libncurses-dev libicu-dev libsqlite3-dev libcurl4-openssl-dev python3 python3-jsonschema mosquitto-dev openssl
  clang libclang-rt-14-dev help2man man-db
  python3-paho-mqtt nodejs)  # the sample devices (topics-schema/samples/) and the schema check with Ajv
# Debian's npm; a nodejs from elsewhere (NodeSource) brings its own npm, which Debian's would conflict with.
command -v npm >/dev/null || packages+=(npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "papo: installing ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# The Node.js packages (exact versions from package-lock.json) of the Node.js sample device and
# of the schema check with Ajv. Without network the tests that need them fail and say so.
here=$(cd "$(dirname "$0")/.." && pwd)
for dir in "$here/topics-schema/samples/node" "$here/tests/schema/ajv"; do
  "$here/scripts/npm-ci.sh" "$dir" || echo "papo: could not install the Node.js packages of $dir (see above)" >&2
done
