#!/bin/sh
# The largest data set of BENCHMARKS.md § A year of an agency: postlive
# fixtures at scale 300 with heavy clicks (4,500 streams, 27.9M clicks in a
# 10.6 GB CSV, 2.7M orders), imported and built under duckdb.memory_limit 8GB,
# then build and run with nothing new. Needs ~15 GB of disk under WORK.
# Usage: sh bench/year.sh   (WORK=/some/dir to choose where)
set -eu
cd "$(dirname "$0")/.."
WORK=${WORK:-$(mktemp -d /tmp/postlive-year.XXXXXX)}
sh reports/assets/build.sh >/dev/null   # the chart bundle run and report need (as make build)
go build -o "$WORK/postlive" ./cmd/postlive
B=$WORK/postlive
D=$WORK/data; W=$WORK/ws
T() { /usr/bin/time -f "%e s wall, %U+%S s cpu, %M KB peak RSS" "$@"; }
echo "start $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
rm -rf "$W"; mkdir -p "$W"
printf 'duckdb:\n  memory_limit: 8GB\nimport:\n  latest_ahead: 7300d\n' > "$W/postlive.yaml"
echo "== fixtures"; rm -rf "$D"; T $B fixtures --scale 300 --clicks-per-stream 6700 --orders-per-stream 640 --out "$D" >/dev/null
ls -la "$D"; wc -l "$D/clicks.csv"
echo "== import clicks load $(cut -d' ' -f1 /proc/loadavg)"; T $B --log-level warn -w "$W" import clicks "$D/clicks.csv" >/dev/null
for k in streams drops links stream_metrics spend; do f=$D/$k.csv; [ $k = spend ] && f=$D/spend-meta.csv; T $B --log-level warn -w "$W" import $k "$f" >/dev/null; done
echo "== import orders"; T $B --log-level warn -w "$W" import --merchant glowlab orders "$D/orders-shopify-glowlab.csv" >/dev/null
T $B --log-level warn -w "$W" import --merchant kitchenly orders "$D/orders-shopify-kitchenly.csv" >/dev/null
echo "== build load $(cut -d' ' -f1 /proc/loadavg)"; T $B --log-level warn -w "$W" build > "$WORK/build.out"
tail -3 "$WORK/build.out"
echo "== build, nothing new"; T $B --log-level warn -w "$W" build
echo "== run (writes the reports the build did not)"; T $B --log-level warn -w "$W" run
echo "== run, nothing new"; T $B --log-level warn -w "$W" run
du -sh "$W/lake" "$W/warehouse.duckdb"
echo "end $(date -u +%H:%M:%S)"
