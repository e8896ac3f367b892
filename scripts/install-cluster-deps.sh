#!/usr/bin/env bash
# What the ejabberd cluster needs beyond scripts/install-deps.sh (README "Scaling out";
# the cluster tests, `papo-chaos --cluster`): Debian's ejabberd and curl. Installs only
# what is missing.
set -euo pipefail
for p in ejabberd curl; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    sudo_cmd=()
    [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    # Debian's package starts a system ejabberd where systemd runs; the cluster does not
    # need it (it starts its own nodes on free ports).
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends ejabberd curl
    # Where the package did start its own service, stop it: it takes port 1883 and 5280.
    if command -v systemctl >/dev/null && systemctl is-active --quiet ejabberd 2>/dev/null; then
      "${sudo_cmd[@]}" systemctl disable --now ejabberd || true
    elif timeout 20 "${sudo_cmd[@]}" ejabberdctl status >/dev/null 2>&1; then
      timeout 60 "${sudo_cmd[@]}" ejabberdctl stop >/dev/null 2>&1 || true
    fi
    break
  fi
done
