#!/bin/sh
# Soak test of `impsim serve`: starts it on a scenario, drives normal
# traffic (GBA bootstraps and ticket requests from the scenario's first
# subscriber, alice) plus garbage connections for a chosen time, and prints
# the server's RSS and open descriptors at the start, after a warm-up, and
# at the end.
#
#   tools/soak/soak.sh [-b BUILD_DIR] [-s SECONDS] [-w WARMUP_SECONDS] [-r OPS_PER_S]
#                      [-e "SERVE OPTIONS"] [SCENARIO]
#
# Defaults: build, 600 s, 60 s warm-up, 20 operations/s, scenarios/demo.scn.
# Exit status: 0 when every normal operation succeeded and serve is still up.
set -eu

build=build
seconds=600
warmup=60
rate=20
extra=
while getopts b:s:w:r:e: opt; do
  case $opt in
    b) build=$OPTARG ;;
    s) seconds=$OPTARG ;;
    w) warmup=$OPTARG ;;
    r) rate=$OPTARG ;;
    e) extra=$OPTARG ;;
    *) echo "usage: $0 [-b BUILD] [-s SECONDS] [-w WARMUP] [-r RATE] [SCENARIO]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
scenario=${1:-scenarios/demo.scn}
impsim=$build/src/cli/impsim
client=$build/tools/soak/soak-client
[ -x "$impsim" ] && [ -x "$client" ] || { echo "soak: build $impsim and $client first" >&2; exit 2; }
[ "$warmup" -lt "$seconds" ] || { echo "soak: the warm-up must be shorter than the run" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT INT TERM
# shellcheck disable=SC2086 # the extra options are words
"$impsim" serve $extra "$scenario" > "$tmp/serve.out" 2>&1 &
pid=$!
i=0
until grep -q '^serving ' "$tmp/serve.out"; do
  i=$((i + 1))
  [ $i -lt 100 ] || { echo "soak: serve did not start" >&2; cat "$tmp/serve.out" >&2; exit 1; }
  sleep 0.1
done
ub=$(sed -n 's#^BSF Ub http://\([0-9.]*:[0-9]*\)/ (bsf.home1.net)#\1#p' "$tmp/serve.out")
ua=$(sed -n 's#^KMS Ua http://\([0-9.]*:[0-9]*\)/kms (kms.home1.net)#\1#p' "$tmp/serve.out")
sub() { sed -n "/^\[subscriber alice\]/,/^\[/s/^$1 *= *//p" "$scenario" | head -n 1; }

sample() {
  rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
  fds=$(ls "/proc/$pid/fd" | wc -l)
  echo "$1: RSS $rss KiB, descriptors $fds"
}

sample start
"$client" --ub "$ub" --ua "$ua" --impi "$(sub impi)" --impu "$(sub impu)" --k "$(sub k)" \
  --opc "$(sub opc)" --seconds "$seconds" --rate "$rate" --garbage > "$tmp/client.out" 2>&1 &
cpid=$!
sleep "$warmup"
sample "after warm-up (${warmup} s)"
status=0
wait "$cpid" || status=$?
sample "end (${seconds} s)"
tail -n 1 "$tmp/client.out"
if [ "$status" -ne 0 ]; then
  echo "soak: normal operations failed:" >&2
  grep -v '^so far' "$tmp/client.out" | sort | uniq -c | sort -rn | head -n 5 >&2
fi
kill -0 "$pid" || { echo "soak: serve died" >&2; exit 1; }
exit "$status"
