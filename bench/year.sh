#!/bin/sh
# A year of an agency (BENCHMARKS.md § A year of an agency): postlive fixtures
# at SCALE (default 300) with heavy clicks, packed into one year
# (--span 365d: 26 two-week slots, ⌈SCALE/26⌉ replicas side by side, each
# with its own hosts and codes; scale 300 is 4,500 streams, 27.9M clicks in
# a 10.6 GB CSV, 2.7M order rows), imported and built under
# duckdb.memory_limit (default 16GB, the limit of the whole process: under
# 8GB and 12GB the scale-300 build runs out of DuckDB memory in
# int_click_duplicates, BENCHMARKS.md § A year of an agency), then
# build and run with nothing new. Every step under /usr/bin/time (wall,
# user+sys CPU, peak RSS). Scale 300 needs ~15 GB of disk under WORK.
# Usage: sh bench/year.sh                       scale 300
#        SCALE=30 sh bench/year.sh              the same at a tenth
#        WORK=/some/dir LIMIT=8GB sh bench/year.sh
set -eu
cd "$(dirname "$0")/.."
SCALE=${SCALE:-300}
LIMIT=${LIMIT:-16GB}
WORK=${WORK:-$(mktemp -d /tmp/postlive-year.XXXXXX)}
sh reports/assets/build.sh >/dev/null   # the chart bundle run and report need (as make build)
go build -o "$WORK/postlive" ./cmd/postlive
B=$WORK/postlive
D=$WORK/data; W=$WORK/ws
T() { /usr/bin/time -f "%e s wall, %U+%S s cpu, %M KB peak RSS" "$@"; }
echo "scale $SCALE, duckdb.memory_limit $LIMIT, commit $(git rev-parse --short HEAD)"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "start $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
rm -rf "$W"; mkdir -p "$W"
printf 'duckdb:\n  memory_limit: %s\n' "$LIMIT" > "$W/postlive.yaml"
echo "== fixtures"; rm -rf "$D"; T $B fixtures --scale "$SCALE" --span 365d --clicks-per-stream 6700 --orders-per-stream 640 --out "$D" | tail -1
ls -la "$D"
echo "== import clicks load $(cut -d' ' -f1 /proc/loadavg)"; T $B --log-level warn -w "$W" import clicks "$D/clicks.csv"
echo "== import streams, drops, links, metrics, spend"
for k in streams drops links stream_metrics spend; do f=$D/$k.csv; [ $k = spend ] && f=$D/spend-meta.csv; T $B --log-level warn -w "$W" import $k "$f"; done
echo "== import orders"; T $B --log-level warn -w "$W" import --merchant glowlab orders "$D/orders-shopify-glowlab.csv"
T $B --log-level warn -w "$W" import --merchant kitchenly orders "$D/orders-shopify-kitchenly.csv"
echo "== build load $(cut -d' ' -f1 /proc/loadavg)"; T $B --log-level warn -w "$W" build > "$WORK/build.out"
tail -3 "$WORK/build.out"
echo "== build, nothing new"; T $B --log-level warn -w "$W" build
echo "== run (writes the reports the build did not) load $(cut -d' ' -f1 /proc/loadavg)"; T $B --log-level warn -w "$W" run | tail -2
echo "== run, nothing new"; T $B --log-level warn -w "$W" run | tail -2
du -sh "$W/lake" "$W/warehouse.duckdb"
echo "end $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
