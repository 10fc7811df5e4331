#!/bin/sh
# tools/bench-report, the last step of `make bench`, on lines of each kind
# the benchmarks write: one JSON document with every line, and one table
# with a row for each measurement, each ratio and each figure of a scale
# point (the messages per call and the CPU per message among them).
set -eu
report=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat > "$dir/lines.json" <<'LINES'
{"bench": "milenage", "kind": "measurement", "name": "aes128-block", "unit": "block", "median_ns": 13.6, "per_second": 73333984.3, "spread": 0.0039, "rounds": 9}
{"bench": "milenage", "kind": "ratio", "name": "av / aes-block", "subject": "milenage-av", "baseline": "aes128-block", "ratio": 9.08, "spread": 0.0059, "rounds": 9}
{"bench": "scale", "kind": "scale", "name": "N=1000", "n": 1000, "calls": 500, "media": "1s", "wall_s": 1.39, "cpu_s": 1.38, "peak_rss_kib": 31027, "setup_cpu_s": 0.1, "cpu_per_subscriber_ms": 0.3, "cpu_per_call_ms": 2.1, "kib_per_registered_ue": 20.4, "cpu_per_call_first_ms": 2.14, "cpu_per_call_last_ms": 2.05, "messages_per_call_first": 38.0, "messages_per_call_last": 50.0, "cpu_per_message_first_us": 56.5, "cpu_per_message_last_us": 54.1, "calls_in_slices": 250, "timers": 1, "passed": 3000, "failed": 0, "event_log_entries": 1, "event_log_kib": 1, "ok": true}
LINES
"$report" "$dir/lines.json" "$dir/results.json" > "$dir/table"
fail () { echo "bench-report: $1"; cat "$dir/table"; exit 1; }
grep -Eq '^milenage +aes128-block +13\.6 ns/block +0\.4%' "$dir/table" || fail "no measurement row"
grep -Eq '^milenage +av / aes-block +x 9\.080 +0\.6%' "$dir/table" || fail "no ratio row"
grep -Eq '^scale +N=1000 CPU per call \(first, last\) ms +2\.14, 2\.05' "$dir/table" || fail "no CPU per call row"
grep -Eq '^scale +N=1000 messages per call \(first, last\) +38\.0, 50\.0' "$dir/table" || fail "no messages per call row"
grep -Eq '^scale +N=1000 CPU per message \(first, last\) us +56\.5, 54\.1' "$dir/table" || fail "no CPU per message row"
grep -q '(3 results in ' "$dir/table" || fail "not 3 results"
python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); sys.exit(0 if [r["name"] for r in d["results"]] == ["aes128-block", "av / aes-block", "N=1000"] else 1)' "$dir/results.json" \
  || fail "results.json does not hold the lines"
echo "bench-report: every kind of line in the table and in results.json"
