#!/usr/bin/env bash
# A man page made by help2man (cmake/man.cmake) renders with `man -l` and names every
# command its program's --help lists, so the page is the program's own help.
#   check_page.sh PROGRAM PAGE
set -euo pipefail
program=$1 page=$2
[[ -f $page ]] || { echo "no man page $page (is help2man installed? scripts/install-deps.sh)"; exit 1; }
rendered=$(MANWIDTH=200 man -l -P cat "$page" 2>&1)
grep -q "^NAME" <<<"$rendered" || { echo "$page does not render as a man page:"; echo "$rendered" | head; exit 1; }
commands=$("$program" --help | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p' | sort -u)
status=0
for c in $commands; do
  grep -qw -- "$c" <<<"$rendered" || { echo "$page does not mention '$c' (from $program --help)"; status=1; }
done
# Every long option of --help is in the page too (papo-server has options only).
options=$("$program" --help | grep -o -- '--[a-z][a-z-]*' | sort -u)
[[ -n $commands$options ]] || { echo "$program --help lists no commands and no options"; exit 1; }
for o in $("$program" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
  grep -q -- "$o" <<<"$rendered" || { echo "$page does not mention $o"; status=1; }
done
exit $status
