#!/bin/sh
# bench/import-pair.sh — one back-to-back comparison of postlive's import of a
# clicks file with DuckDB's own read_csv → COPY … (FORMAT parquet) of it, for
# BENCHMARKS.md § Import: wall time, CPU time (user+sys) and peak RSS of each,
# with the 1-minute load average printed before each run (on a shared machine
# CPU time and the ratio within one run are the figures to compare).
#
#   sh bench/import-pair.sh CLICKS.csv [POSTLIVE ...]
#
# Each POSTLIVE binary (default: this checkout, built into the work dir) is run
# in turn, then DuckDB. Run it several times; e.g. with the import before a
# change and after it: sh bench/import-pair.sh clicks.csv /tmp/postlive-before /tmp/postlive-after
set -eu
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: sh bench/import-pair.sh CLICKS.csv [POSTLIVE ...]" >&2; exit 2; }
file=$1; shift
WORK=${WORK:-$(mktemp -d /tmp/postlive-pair.XXXXXX)}
if [ $# -eq 0 ]; then
	go build -o "$WORK/postlive" ./cmd/postlive
	set -- "$WORK/postlive"
fi
go build -o "$WORK/native" ./bench/native
for bin in "$@"; do
	echo "load $(cut -d' ' -f1 /proc/loadavg)"
	rm -rf "$WORK/ws" && mkdir -p "$WORK/ws"
	/usr/bin/time -f "$bin %e s %U+%S cpu %M KB" "$bin" --log-level warn -w "$WORK/ws" import clicks "$file" >/dev/null
done
echo "load $(cut -d' ' -f1 /proc/loadavg)"
rm -f "$WORK/native.parquet"
/usr/bin/time -f "duckdb %e s %U+%S cpu %M KB" "$WORK/native" copy "$file" "$WORK/native.parquet" >/dev/null
rm -rf "$WORK/ws" "$WORK/native.parquet"
