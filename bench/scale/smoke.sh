#!/bin/sh
# The scale benchmark's forms, run small (N = 130 and 20) as a test so that they
# run under the sanitizers too: one call after another with the stage and
# slice reports, and --load with --media. Fails when a run fails, a verdict
# fails, or a report is missing.
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

"$bench" --load 4 --media 1s 20 > "$out"
check 20
grep -q 'in one load step, 4 at once' "$out" || { echo "scale smoke: --load not taken"; cat "$out"; exit 1; }
echo "scale smoke: both forms ran, every verdict passed"
