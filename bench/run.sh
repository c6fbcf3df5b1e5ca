#!/bin/sh
# bench/run.sh — postlive against DuckDB's own paths, on the same machine in
# the same run. Prints a table; paste it into BENCHMARKS.md with the machine.
#
#   sh bench/run.sh            scales 10 and 100 (scale 100: ~1,500 streams, 10M clicks,
#                              1M orders; a few GB on disk)
#   SCALES="2 10" sh bench/run.sh   quicker
#   SCALES= NIGHTLY_SCALE=20 sh bench/run.sh   only the nightly increment
#
# The nightly increment (NIGHTLY_SCALE, default 20; 0 skips it): the fixtures
# split at the start of the day the last stream started (bench/nightly split),
# the history imported and run first, then the last day's files dropped into
# the inbox and `postlive run` timed against `postlive build --full` of the
# same data; the marts of both must be equal row for row (bench/nightly equal).
#
# Needs only this repo, Go, and /usr/bin/time (GNU time, for peak RSS).
set -eu
cd "$(dirname "$0")/.."
SCALES=${SCALES-"10 100"}
CLICKS_PER_STREAM=${CLICKS_PER_STREAM:-6700}
ORDERS_PER_STREAM=${ORDERS_PER_STREAM:-640}
WORK=${WORK:-$(mktemp -d /tmp/postlive-bench.XXXXXX)}
BIN="$WORK/bin"
mkdir -p "$BIN"
go build -o "$BIN/postlive" ./cmd/postlive
go build -o "$BIN/native" ./bench/native
go build -o "$BIN/nightly" ./bench/nightly
NIGHTLY_SCALE=${NIGHTLY_SCALE:-20}
NIGHTLY_CLICKS=${NIGHTLY_CLICKS:-500}

# peak RSS in MB and wall seconds of a command: "rss secs"
measure() {
	/usr/bin/time -f "%M %e" -o "$WORK/time.txt" "$@" >"$WORK/out.txt" 2>"$WORK/err.txt" || { cat "$WORK/err.txt" >&2; exit 1; }
	awk '{printf "%d %.2f", $1/1024, $2}' "$WORK/time.txt"
}
# benchconfig WS: the workspace's postlive.yaml. postlive fixtures lays its
# two-week replicas one after another from November 2026 (scale 100 reaches
# 2030, scale 300 2038), and an import rejects a time more than
# import.latest_ahead (730 days) after it as implausible; a bench imports
# every replica, so it raises that window.
benchconfig() { printf 'import:\n  latest_ahead: 7300d\n' >"$1/postlive.yaml"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "-"; else printf "%.2f", a / b }'; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(go version | cut -d' ' -f3)"
echo "work dir: $WORK"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf "%-34s %10s %12s %10s %10s %8s\n" "measure" "rows" "postlive" "duckdb" "ratio" "RSS MB"

for s in $SCALES; do
	data="$WORK/data-$s"
	"$BIN/postlive" fixtures --scale "$s" --clicks-per-stream "$CLICKS_PER_STREAM" --orders-per-stream "$ORDERS_PER_STREAM" --out "$data" >/dev/null
	ws="$WORK/ws-$s"
	rm -rf "$ws"; mkdir -p "$ws/inbox/orders/glowlab" "$ws/inbox/orders/kitchenly"
	benchconfig "$ws"
	# 1. import: clicks and orders, rows/s against DuckDB's read_csv → COPY parquet
	for t in clicks orders-shopify-glowlab; do
		file="$data/$t.csv"
		rows=$(($(wc -l <"$file") - 1))
		kind=clicks; flags=""
		[ "$t" = clicks ] || { kind=orders; flags="--merchant glowlab"; }
		m=$(measure "$BIN/postlive" --log-level warn -w "$ws" import $flags "$kind" "$file")
		pl_rss=${m% *}; pl_s=${m#* }
		nm=$(measure "$BIN/native" copy "$file" "$WORK/native-$t-$s.parquet")
		nat_s=${nm#* }
		pl_rate=$(awk -v r="$rows" -v s="$pl_s" 'BEGIN{printf "%.0f", r/s}')
		nat_rate=$(awk -v r="$rows" -v s="$nat_s" 'BEGIN{printf "%.0f", r/s}')
		printf "%-34s %10d %10s/s %8s/s %10s %8s\n" "import $t, scale $s" "$rows" "$pl_rate" "$nat_rate" "$(ratio "$pl_rate" "$nat_rate")" "$pl_rss"
	done
	# the rest of the data set, then 2. build against the same SQL in plain DuckDB
	"$BIN/postlive" --log-level warn -w "$ws" import streams "$data/streams.csv" >/dev/null
	"$BIN/postlive" --log-level warn -w "$ws" import drops "$data/drops.csv" >/dev/null
	"$BIN/postlive" --log-level warn -w "$ws" import links "$data/links.csv" >/dev/null
	"$BIN/postlive" --log-level warn -w "$ws" import stream_metrics "$data/stream_metrics.csv" >/dev/null
	"$BIN/postlive" --log-level warn -w "$ws" import --merchant kitchenly orders "$data/orders-shopify-kitchenly.csv" >/dev/null
	"$BIN/postlive" --log-level warn -w "$ws" import spend "$data/spend-meta.csv" >/dev/null
	m=$(measure "$BIN/postlive" -w "$ws" build)
	b_rss=${m% *}; b_s=${m#* }
	nm=$(measure "$BIN/native" build "$ws")
	n_s=${nm#* }
	printf "%-34s %10s %11ss %9ss %10s %8s\n" "build, scale $s" "-" "$b_s" "$n_s" "$(ratio "$b_s" "$n_s")" "$b_rss"
	eval "build_$s=$b_s"
	# 3. reports for every stream
	m=$(measure "$BIN/postlive" -w "$ws" report)
	r_s=${m#* }
	n=$(ls "$ws/reports" | grep -c '^stream-')
	printf "%-34s %10d %9s/s %10s %10s %8s\n" "reports, scale $s" "$n" "$(awk -v n="$n" -v s="$r_s" 'BEGIN{printf "%.1f", n/s}')" "-" "-" "${m% *}"
	# 4. a nightly run with everything in the inbox, then one with nothing new
	rws="$WORK/run-$s"; rm -rf "$rws"; mkdir -p "$rws/inbox/orders/glowlab" "$rws/inbox/orders/kitchenly" "$rws/inbox/streams" "$rws/inbox/drops" "$rws/inbox/links" "$rws/inbox/stream_metrics" "$rws/inbox/clicks" "$rws/inbox/spend"
	benchconfig "$rws"
	ln -s "$data/streams.csv" "$rws/inbox/streams/"; ln -s "$data/drops.csv" "$rws/inbox/drops/"; ln -s "$data/links.csv" "$rws/inbox/links/"
	ln -s "$data/stream_metrics.csv" "$rws/inbox/stream_metrics/"; ln -s "$data/clicks.csv" "$rws/inbox/clicks/"; ln -s "$data/spend-meta.csv" "$rws/inbox/spend/"
	ln -s "$data/orders-shopify-glowlab.csv" "$rws/inbox/orders/glowlab/"; ln -s "$data/orders-shopify-kitchenly.csv" "$rws/inbox/orders/kitchenly/"
	full=$(measure "$BIN/postlive" -w "$rws" run); full_s=${full#* }
	noop=$(measure "$BIN/postlive" -w "$rws" run); noop_s=${noop#* }
	printf "%-34s %10s %11ss %9ss %9s%% %8s\n" "no-op run vs full run, scale $s" "-" "$noop_s" "$full_s" "$(awk -v a="$noop_s" -v b="$full_s" 'BEGIN{printf "%.1f", 100*a/b}')" "${noop% *}"
done

# 5. the nightly increment: a day of exports on top of the history
if [ "$NIGHTLY_SCALE" -gt 0 ]; then
	s=$NIGHTLY_SCALE
	data="$WORK/night-data-$s"
	"$BIN/postlive" fixtures --scale "$s" --clicks-per-stream "$NIGHTLY_CLICKS" --out "$data" >/dev/null
	"$BIN/nightly" split "$data" "$WORK/night-hist-$s" "$WORK/night-new-$s" >"$WORK/split.txt"
	nrows=$(awk '/^night rows:/ {print $3}' "$WORK/split.txt")
	nws="$WORK/nightly-$s"; rm -rf "$nws"; mkdir -p "$nws"; benchconfig "$nws"
	inbox() { # inbox DIR SUFFIX: the exports of DIR into the inbox, names ending in SUFFIX
		for k in streams drops links stream_metrics clicks; do
			mkdir -p "$nws/inbox/$k"; cp "$1/$k.csv" "$nws/inbox/$k/$k$2.csv"
		done
		mkdir -p "$nws/inbox/spend" "$nws/inbox/orders/glowlab" "$nws/inbox/orders/kitchenly"
		cp "$1/spend-meta.csv" "$nws/inbox/spend/spend-meta$2.csv"
		cp "$1/orders-shopify-glowlab.csv" "$nws/inbox/orders/glowlab/orders$2.csv"
		cp "$1/orders-shopify-kitchenly.csv" "$nws/inbox/orders/kitchenly/orders$2.csv"
	}
	inbox "$WORK/night-hist-$s" ""
	hist=$(measure "$BIN/postlive" -w "$nws" run); hist_s=${hist#* }
	inbox "$WORK/night-new-$s" "-last-day"
	night=$(measure "$BIN/postlive" -w "$nws" run); night_s=${night#* }
	noop=$(measure "$BIN/postlive" -w "$nws" build); noop_s=${noop#* }
	rm -rf "$WORK/marts-nightly"; cp -r "$nws/lake/marts" "$WORK/marts-nightly"
	full=$(measure "$BIN/postlive" -w "$nws" build --full); full_s=${full#* }
	eq=$("$BIN/nightly" equal "$WORK/marts-nightly" "$nws/lake/marts") || { echo "$eq" >&2; exit 1; }
	echo
	echo "nightly increment, scale $s ($NIGHTLY_CLICKS clicks per stream): $(head -1 "$WORK/split.txt"); $nrows new rows; history run ${hist_s}s"
	printf "%-34s %10s %12s %10s %10s %8s\n" "measure" "new rows" "run/build" "full build" "ratio" "RSS MB"
	printf "%-34s %10d %11ss %9ss %9s%% %8s\n" "nightly run vs build --full" "$nrows" "$night_s" "$full_s" "$(awk -v a="$night_s" -v b="$full_s" 'BEGIN{printf "%.1f", 100*a/b}')" "${night% *}"
	printf "%-34s %10d %11ss %9ss %9s%% %8s\n" "build, nothing new vs --full" 0 "$noop_s" "$full_s" "$(awk -v a="$noop_s" -v b="$full_s" 'BEGIN{printf "%.1f", 100*a/b}')" "${noop% *}"
	echo "$eq (nightly run against build --full)"
fi

set -- $SCALES
if [ $# -ge 2 ]; then
	eval "a=\$build_$1; b=\$build_$2"
	echo
	echo "build growth from scale $1 to $2: $(ratio "$b" "$a")x the time for $(ratio "$2" "$1")x the data"
fi
echo
echo "load average after the comparisons: $(cut -d' ' -f1-3 /proc/loadavg)"
[ -n "$SCALES" ] || exit 0 # only the nightly increment
echo
echo "go test -bench (hot paths: ns/op, B/op, allocs/op; import: rows/s and peak heap):"
go test -run '^$' -bench 'CSVRows|Parse|UTM|BotMatch|ReferrerHost|VisitorKey|GenericClick|PartWriter' -benchmem -benchtime 500ms ./ingest 2>/dev/null | grep -E '^Benchmark' || true
go test -run '^$' -bench . -benchmem -benchtime 500ms ./experiments 2>/dev/null | grep -E '^Benchmark' || true
go test -run '^$' -bench ImportClicks -benchmem -benchtime 2x ./ingest 2>/dev/null | grep -E '^Benchmark' || true
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
