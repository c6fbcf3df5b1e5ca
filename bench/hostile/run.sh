#!/bin/sh
# bench/hostile/run.sh — the long hostile-input cases (issue 21), kept out of
# make test: bombs of GiBs through every text reader, a truncated .gz in a
# night's inbox. For each: exit status, rows read/accepted/rejected, peak RSS
# and wall time. Paste the table into docs/operations.md § Hostile input.
#
#   sh bench/hostile/run.sh               1 GiB bombs
#   SIZE=4G sh bench/hostile/run.sh       4 GiB bombs (the sizes of the attack)
#   CASES="line night" sh bench/hostile/run.sh   some cases only (line quote
#                                        runaway jsonl log cr garbage night)
#   garbage: GARBAGE bytes (100M) of broken rows, every one a reject
#
# Needs this repo, Go, gzip and /usr/bin/time (GNU time, for peak RSS).
set -eu
cd "$(dirname "$0")/../.."
SIZE=${SIZE:-1G}
CASES=${CASES:-"line quote runaway jsonl log cr garbage night"}
GARBAGE=${GARBAGE:-100M}
want() { case " $CASES " in *" $1 "*) return 0 ;; esac; return 1; }
WORK=${WORK:-$(mktemp -d /tmp/postlive-hostile.XXXXXX)}
BIN="$WORK/postlive"
go build -o "$BIN" ./cmd/postlive

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(go version | cut -d' ' -f3); bombs of $SIZE"
echo "work dir: $WORK"
printf "%-52s %5s %-34s %8s %8s\n" "case" "exit" "rows (read/accepted/rejected)" "RSS MB" "secs"

# a bomb: head, SIZE bytes of filler (no line break), tail, gzip-compressed
bomb() { # file head filler tail
	{ printf '%s' "$2"; head -c "$SIZE" /dev/zero | tr '\0' "$3"; printf '%s' "$4"; } | gzip -1 >"$1"
}

# one import in a fresh workspace, measured
case_import() { # name kind file
	ws="$WORK/ws-$1"
	rm -rf "$ws"; mkdir -p "$ws"
	set +e
	/usr/bin/time -f "%M %e" -o "$WORK/time.txt" "$BIN" -w "$ws" import "$2" "$3" >"$WORK/out.txt" 2>"$WORK/err.txt"
	code=$?
	set -e
	rows=$(grep -o '[0-9]* read, [0-9]* accepted, [0-9]* rejected' "$WORK/out.txt" | head -1 | awk '{print $1"/"$3"/"$5}')
	[ -n "$rows" ] || rows=$(head -c 34 "$WORK/err.txt" | tr '\n' ' ')
	printf "%-52s %5s %-34s %8d %8.1f\n" "$1 ($(du -h "$3" | cut -f1) gz)" "$code" "$rows" "$(awk 'END {print int($1/1024)}' "$WORK/time.txt")" "$(awk 'END {print $2}' "$WORK/time.txt")"
}

ok='l1,s1,,https://x.example/?utm_content=s1'
want line && bomb "$WORK/csv-line.csv.gz" "link_id,stream_id,tracking_id,target_url
$ok
l2,s1,,https://x.example/?q=" x "
$ok
"
want line && case_import "CSV: one $SIZE line between good rows" links "$WORK/csv-line.csv.gz"

want quote && bomb "$WORK/csv-quote.csv.gz" "link_id,stream_id,tracking_id,target_url
$ok
l2,s1,,\"never closed " x "
$ok
"
want quote && case_import "CSV: a quoted $SIZE cell" links "$WORK/csv-quote.csv.gz"

want runaway && yes "$ok" | head -c "$SIZE" | { printf 'link_id,stream_id,tracking_id,target_url\nl0,s1,,"'; cat; } | gzip -1 >"$WORK/csv-runaway.csv.gz"
want runaway && case_import "CSV: unclosed quote, $SIZE of rows after it" links "$WORK/csv-runaway.csv.gz"

j='{"stream_id":"s1","ts":"2026-11-03T00:00:03Z","kind":"comment","author":"a","text":"hi"}'
want jsonl && bomb "$WORK/jsonl-line.jsonl.gz" "$j
{\"stream_id\":\"s1\",\"ts\":\"2026-11-03T00:00:04Z\",\"kind\":\"comment\",\"author\":\"a\",\"text\":\"" x "\"}
$j
"
want jsonl && case_import "JSONL: one $SIZE line between good lines" chat "$WORK/jsonl-line.jsonl.gz"

a='203.0.113.7 - - [03/Nov/2026:19:03:12 -0500] "GET /p?utm_content=s1 HTTP/1.1" 302 0 "-" "Mozilla/5.0"'
want log && bomb "$WORK/access-line.log.gz" "$a
203.0.113.7 - - [03/Nov/2026:19:03:13 -0500] \"GET /p?utm_content=s1&q=" x " HTTP/1.1\" 302 0 \"-\" \"Mozilla/5.0\"
$a
"
want log && case_import "access log: one $SIZE line between good lines" clicks "$WORK/access-line.log.gz"

want cr && bomb "$WORK/cr-only.csv.gz" "link_id,stream_id,tracking_id,target_url" "$(printf '\r')" ""
want cr && case_import "CSV: $SIZE of bare CR (empty lines)" links "$WORK/cr-only.csv.gz"

want garbage && yes "a broken row that is not a link, with some text" | head -c "$GARBAGE" | { echo 'link_id,stream_id,tracking_id,target_url'; cat; } | gzip -1 >"$WORK/garbage.csv.gz"
want garbage && case_import "CSV: $GARBAGE of broken rows (all rejects)" links "$WORK/garbage.csv.gz"

# a truncated .gz among good files: the night goes on, exit 3
want night || exit 0
ws="$WORK/ws-night"
rm -rf "$ws"; "$BIN" demo --out "$ws" >/dev/null
yes "$ok" | head -n 200000 | { echo 'link_id,stream_id,tracking_id,target_url'; cat; } | gzip -1 >"$WORK/full.csv.gz"
head -c $(( $(stat -c %s "$WORK/full.csv.gz") / 2 )) "$WORK/full.csv.gz" >"$ws/inbox/links/cut.csv.gz"
set +e
/usr/bin/time -f "%M %e" -o "$WORK/time.txt" "$BIN" -w "$ws" run >"$WORK/out.txt" 2>"$WORK/err.txt"
code=$?
set -e
printf "%-52s %5s %-34s %8d %8.1f\n" "run: a truncated .gz in the demo's inbox" "$code" "$(grep -o '[0-9]* read, [0-9]* accepted, [0-9]* rejected' "$WORK/out.txt" | tail -1 | awk '{print $1"/"$3"/"$5}'), $(ls "$ws/reports" | wc -l) reports" "$(awk 'END {print int($1/1024)}' "$WORK/time.txt")" "$(awk 'END {print $2}' "$WORK/time.txt")"
grep -h 'cut.csv.gz' "$WORK/out.txt" "$WORK/err.txt" | head -3
