#!/bin/sh
# Network fuzzing of `impsim serve`: starts it on a scenario, sends mutated
# HTTP requests to Ub and Ua, mutated TLS ClientHello records to Zk and
# mutated Diameter requests (captured MARs and BIRs) to the HSS's Zh and the
# BSF's Zn ports, each on its own connection, for a chosen time, then checks
# that serve is alive and that, one after the other and each at the first
# try, a GBA bootstrap (alice), a ticket request for bob and bob's resolve
# of that ticket at his own KMS (relayed to the issuing KMS over Zk) work.
# The scenario needs subscribers alice (first operator) and bob (second).
#
#   tools/netfuzz/netfuzz.sh [-b BUILD_DIR] [-s SECONDS] [-a ADDRESS] [-l LOG_FILE] [SCENARIO]
#
# Defaults: build, 60 s, scenarios/demo.scn. The mutated traffic comes from
# 127.0.0.1 (and, for Diameter, from the addresses of the BSF and the KMS);
# the checking client (alice) uses ADDRESS (127.1.1.1): with -a 127.0.0.1 it
# shares the attacker's address and so its per-source connection counts.
# With -l, serve runs with --log and its output is copied to LOG_FILE.
# Exit status 0 when serve survived and every check worked.
set -eu

build=build
seconds=60
log=
address=127.1.1.1
while getopts b:s:l:a: opt; do
  case $opt in
    b) build=$OPTARG ;;
    s) seconds=$OPTARG ;;
    l) log=$OPTARG ;;
    a) address=$OPTARG ;;
    *) echo "usage: $0 [-b BUILD] [-s SECONDS] [-a ADDRESS] [-l LOG_FILE] [SCENARIO]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
scenario=${1:-scenarios/demo.scn}
impsim=$build/src/cli/impsim
client=$build/tools/soak/soak-client
[ -x "$impsim" ] && [ -x "$client" ] || { echo "netfuzz: build $impsim and $client first" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT INT TERM
"$impsim" serve ${log:+--log} "$scenario" > "$tmp/serve.out" 2>&1 &
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
zh=$(sed -n 's#^HSS Zh diameter://\([0-9.]*:[0-9]*\) (hss.home1.net)#\1#p' "$tmp/serve.out")
zn=$(sed -n 's#^BSF Zn diameter://\([0-9.]*:[0-9]*\) (bsf.home1.net)#\1#p' "$tmp/serve.out")
ub2=$(sed -n 's#^BSF Ub http://\([0-9.]*:[0-9]*\)/ (bsf.home2.net)#\1#p' "$tmp/serve.out")
ua2=$(sed -n 's#^KMS Ua http://\([0-9.]*:[0-9]*\)/kms (kms.home2.net)#\1#p' "$tmp/serve.out")
sub() { sed -n "/^\[subscriber $1\]/,/^\[/s/^$2 *= *//p" "$scenario" | head -n 1; }
seeds=$(dirname "$0")/../../fuzz/diameter/corpus/diameter-stream

status=0
"$client" --fuzz --address "$address" --seconds "$seconds" --ub "$ub" --ua "$ua" --zk "$zk" --zh "$zh" --zn "$zn" \
  --diameter-seeds "$seeds" --impi "$(sub alice impi)" --impu "$(sub alice impu)" \
  --k "$(sub alice k)" --opc "$(sub alice opc)" --ub2 "$ub2" --ua2 "$ua2" \
  --bob-impi "$(sub bob impi)" --bob-impu "$(sub bob impu)" --bob-k "$(sub bob k)" \
  --bob-opc "$(sub bob opc)" || status=$?
kill -0 "$pid" || { echo "netfuzz: serve died" >&2; exit 1; }
fds=$(ls "/proc/$pid/fd" | wc -l)
rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
echo "serve after fuzzing: RSS $rss KiB, descriptors $fds"
[ -z "$log" ] || cp "$tmp/serve.out" "$log"
[ "$status" -eq 0 ] && echo "netfuzz: a bootstrap, a ticket request and a resolve over Zk worked after fuzzing"
exit "$status"
