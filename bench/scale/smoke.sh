#!/bin/sh
# The scale benchmark's forms, run small (N = 130 and 20) as a test so that they
# run under the sanitizers too: one call after another with the stage and
# slice reports, --load with --media, and --ks-lifetime with --rounds and
# IMPS_BENCH_SCALE_KEEP_LOG. Fails when a run fails, a verdict fails, a
# report is missing or an option shows no effect.
set -eu
bench=$1
out=$(mktemp)
trap 'rm -f "$out"' EXIT

check () {
  # the verdicts column of the row for N = $1: passed/all, equal
  awk -v n="$1" '$1 == n { split($NF, v, "/"); if (v[1] != v[2] || v[2] == 0) bad = 1; seen = 1 }
       END { exit (seen && !bad) ? 0 : 1 }' "$out" \
    || { echo "scale smoke: a verdict failed or no row for N = $1:"; cat "$out"; exit 1; }
}

# slices need 64 calls at least: 130 subscribers, 65 calls
IMPS_BENCH_SCALE_RSS=1 IMPS_BENCH_SCALE_SLICES=1 "$bench" 130 > "$out"
check 130
grep -q 'RSS KiB: start' "$out" || { echo "scale smoke: no RSS stages"; cat "$out"; exit 1; }
grep -q 'CPU ms per call in each 64th' "$out" || { echo "scale smoke: no slices"; cat "$out"; exit 1; }
grep -Eq 'messages a call: first calls [1-9][0-9.]*, last calls [1-9][0-9.]*; CPU a message: [0-9.]+ us and [0-9.]+ us' "$out" \
  || { echo "scale smoke: no messages a call"; cat "$out"; exit 1; }
# the heap it runs on is named, and its statistics read (jemalloc's, glibc's or
# AddressSanitizer's)
head -1 "$out" | grep -Eq "; heap: (jemalloc|glibc malloc|AddressSanitizer's)\$" || { echo "scale smoke: no heap named"; cat "$out"; exit 1; }
grep -Eq 'heap in use KiB: every UE registered [1-9][0-9]*, after the calls [1-9]' "$out" \
  || { echo "scale smoke: no heap in use read"; cat "$out"; exit 1; }

"$bench" --load 4 --media 1s 20 > "$out"
check 20
grep -q 'in one load step, 4 at once' "$out" || { echo "scale smoke: --load not taken"; cat "$out"; exit 1; }
# one load step has no first and last calls: "-" there, and the step's own
# messages a call, CPU a message and peak RSS instead (not zeros)
awk '$1 == 20 { exit ($(NF-2) == "-" && $(NF-1) == "-") ? 0 : 1 }' "$out" \
  || { echo "scale smoke: --load printed first and last calls"; cat "$out"; exit 1; }
grep -Eq 'messages a call: [1-9][0-9.]*; CPU a message: [0-9.]*[1-9][0-9.]* us; peak RSS over every UE registered: [0-9.]+ MiB with 4 calls at once' "$out" \
  || { echo "scale smoke: no load line"; cat "$out"; exit 1; }
# a Ks lifetime short enough that the calls bootstrap again, each pair
# calling twice, the whole event log kept
IMPS_BENCH_SCALE_RSS=1 IMPS_BENCH_SCALE_KEEP_LOG=1 "$bench" --ks-lifetime 30s --rounds 2 20 > "$out"
check 20
grep -q 'Ks lifetime 30s' "$out" || { echo "scale smoke: --ks-lifetime not taken"; cat "$out"; exit 1; }
ub=$(sed -n 's/.* and \([0-9]*\) Ub GET requests.*/\1/p' "$out")
[ "${ub:-0}" -gt 0 ] || { echo "scale smoke: no bootstrap during the calls"; cat "$out"; exit 1; }
grep -q '80/80' "$out" || { echo "scale smoke: --rounds 2 did not make 20 calls"; cat "$out"; exit 1; }
# the last calls bootstrap again: more messages a call than the first
awk '/messages a call:/ { gsub(/[,;]/, ""); if ($9 + 0 <= $6 + 0) exit 1; seen = 1 } END { exit seen ? 0 : 1 }' "$out" \
  || { echo "scale smoke: the calls that bootstrap again do not count more messages"; cat "$out"; exit 1; }
kept=$(sed -n 's/.*entries, \([0-9]*\) kept at the end.*/\1/p' "$out")
[ "${kept:-0}" -gt 100 ] || { echo "scale smoke: IMPS_BENCH_SCALE_KEEP_LOG kept $kept entries"; cat "$out"; exit 1; }
echo "scale smoke: every form ran, every verdict passed"
