#!/bin/sh
# Every bench program's command line: --help prints its usage and exits 0,
# an unknown option or a stray argument is a usage error (exit 2, the
# reason on standard error), an option out of its range too. Then bench-ua
# and bench-ub run small with more connections from one address than the
# servers' smallest per-address cap (40 > 32), so that their load clients
# and servers run under the sanitizers as well. Arguments: the programs.
set -u
fail=0
err=$(mktemp)
out=$(mktemp)
trap 'rm -f "$err" "$out"' EXIT

expect () {  # expect STATUS PATTERN-ON-STDERR PROGRAM ARGS...
  want=$1 pattern=$2
  shift 2
  "$@" > "$out" 2> "$err"
  got=$?
  if [ "$got" -ne "$want" ] || { [ -n "$pattern" ] && ! grep -q -- "$pattern" "$err"; }; then
    echo "bench options: '$*' exited $got (want $want) with:"; cat "$err"
    fail=1
  fi
}

for prog in "$@"; do
  name=$(basename "$prog")
  if ! "$prog" --help > "$out" 2> "$err" || ! grep -q "^  $name \[OPTION" "$out"; then
    echo "bench options: '$name --help' did not print its usage:"; cat "$out" "$err"
    fail=1
  fi
  expect 2 "Unknown option --bogus" "$prog" --bogus
  case $name in
    bench-scale)
      expect 2 "N: 'extra' is not a number from 2 to 16384" "$prog" extra
      expect 2 "N: '1' is not a number" "$prog" 1
      expect 2 "--media: '3q' is not a duration" "$prog" --media 3q 20
      expect 2 "--ks-lifetime: 'x' is not a duration" "$prog" --ks-lifetime x 20
      expect 2 "--rounds: 0 is not from 1 to 1000" "$prog" --rounds 0 20
      expect 2 "--load: 20000 is not from 1 to 16384" "$prog" --load 20000 20 ;;
    *)
      expect 2 "unexpected argument 'extra'" "$prog" extra ;;
  esac
  case $name in
    bench-ua)
      expect 2 "--conns: 0 is not from 1 to 256" "$prog" --conns 0
      expect 2 "Cannot parse integer value" "$prog" --conns x
      expect 2 "--requests: 99 is not from 100 to 100000" "$prog" --requests 99
      expect 0 "" "$prog" --conns 40 --requests 200 --rounds 2
      grep -q "KMS / hello server CPU per request: [0-9]" "$out" \
        || { echo "bench options: bench-ua printed no ratio:"; cat "$out"; fail=1; } ;;
    bench-ub)
      expect 2 "--conns: 65 is not from 1 to 64" "$prog" --conns 65
      expect 2 "--rounds: 100 is not from 1 to 99" "$prog" --rounds 100
      expect 0 "" "$prog" --conns 40 --bootstraps 100 --rounds 2
      grep -q "BSF / hello server CPU per bootstrap: [0-9]" "$out" \
        || { echo "bench options: bench-ub printed no ratio:"; cat "$out"; fail=1; } ;;
  esac
done
[ "$fail" -eq 0 ] && echo "bench options: $# programs, every form as documented"
exit "$fail"
