#!/bin/sh
# Network fuzzing of `impsim serve`: starts it on a scenario, sends mutated
# HTTP requests to Ub and Ua and mutated TLS ClientHello records to Zk,
# each on its own connection, for a chosen time, then checks that a normal
# GBA bootstrap and a ticket request still work and that serve is alive.
#
#   tools/netfuzz/netfuzz.sh [-b BUILD_DIR] [-s SECONDS] [SCENARIO]
#
# Defaults: build, 60 s, scenarios/demo.scn. Exit status 0 when serve
# survived and still serves.
set -eu

build=build
seconds=60
while getopts b:s: opt; do
  case $opt in
    b) build=$OPTARG ;;
    s) seconds=$OPTARG ;;
    *) echo "usage: $0 [-b BUILD] [-s SECONDS] [SCENARIO]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
scenario=${1:-scenarios/demo.scn}
impsim=$build/src/cli/impsim
client=$build/tools/soak/soak-client
[ -x "$impsim" ] && [ -x "$client" ] || { echo "netfuzz: build $impsim and $client first" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT INT TERM
"$impsim" serve "$scenario" > "$tmp/serve.out" 2>&1 &
pid=$!
i=0
until grep -q '^serving ' "$tmp/serve.out"; do
  i=$((i + 1))
  [ $i -lt 100 ] || { echo "netfuzz: serve did not start" >&2; cat "$tmp/serve.out" >&2; exit 1; }
  sleep 0.1
done
ub=$(sed -n 's#^BSF Ub http://\([0-9.]*:[0-9]*\)/ (bsf.home1.net)#\1#p' "$tmp/serve.out")
ua=$(sed -n 's#^KMS Ua http://\([0-9.]*:[0-9]*\)/kms (kms.home1.net)#\1#p' "$tmp/serve.out")
zk=$(sed -n 's#^KMS Zk https://\([0-9.]*:[0-9]*\)/kms (kms.home1.net, mutual TLS)#\1#p' "$tmp/serve.out")
sub() { sed -n "/^\[subscriber alice\]/,/^\[/s/^$1 *= *//p" "$scenario" | head -n 1; }

status=0
"$client" --fuzz --seconds "$seconds" --ub "$ub" --ua "$ua" --zk "$zk" --impi "$(sub impi)" \
  --impu "$(sub impu)" --k "$(sub k)" --opc "$(sub opc)" || status=$?
kill -0 "$pid" || { echo "netfuzz: serve died" >&2; exit 1; }
fds=$(ls "/proc/$pid/fd" | wc -l)
rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
echo "serve after fuzzing: RSS $rss KiB, descriptors $fds"
[ "$status" -eq 0 ] && echo "netfuzz: a bootstrap and a ticket request worked after fuzzing"
exit "$status"
