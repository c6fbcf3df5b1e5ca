package reports

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// stampRE is a page's "generated …" stamp (and the merchant page's end of
// its reversal window, written the same way).
var stampRE = regexp.MustCompile(`\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2} UTC`)

// pick returns a random value of the first column of q (nil when q has no rows).
func pick(t *testing.T, db *sql.DB, rng *rand.Rand, q string) any {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var vals []any
	for rows.Next() {
		var v any
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		vals = append(vals, v)
	}
	if len(vals) == 0 {
		return nil
	}
	return vals[rng.IntN(len(vals))]
}

// nightChange is one random change between two writes: a mart row of one
// stream, experiment or merchant, a new or removed stream, a setting a page
// shows (report.currency), or the time of the newest import.
type nightChange struct {
	name  string
	pick  string // the key to change: a random value of this query's first column
	sql   string // run with the key as its only parameter ("" for no SQL)
	apply func(o *Options, key any)
}

var nightChanges = []nightChange{
	{name: "stream_kpis viewers", pick: `select stream_id from stream_kpis`,
		sql: `update stream_kpis set viewers = coalesce(viewers, 0) + 7 where stream_id = ?`},
	{name: "stream title", pick: `select stream_id from stream_kpis`,
		sql: `update stream_kpis set title = title || ' again' where stream_id = ?`},
	{name: "stream revenue and rpv", pick: `select stream_id from stream_kpis`,
		sql: `update stream_kpis set revenue = revenue + 10, rpv = coalesce(rpv, 0) + 0.01 where stream_id = ?`},
	{name: "a minute's likes", pick: `select stream_id from stream_minute`,
		sql: `update stream_minute set likes = likes + 1 where stream_id = ? and minute = 2`},
	{name: "a baseline flag", pick: `select stream_id from stream_baselines where kpi = 'revenue'`,
		sql: `update stream_baselines set flag = case flag when 'above' then 'below' else 'above' end where stream_id = ? and kpi = 'revenue'`},
	{name: "a compliance check", pick: `select stream_id from stream_compliance`,
		sql: `update stream_compliance set status = case status when 'pass' then 'fail' else 'pass' end where stream_id = ? and check_name = 'min_length'`},
	{name: "a drop's redemptions", pick: `select drop_id from drop_performance`,
		sql: `update drop_performance set redemptions_in_window = coalesce(redemptions_in_window, 0) + 1 where drop_id = ?`},
	{name: "a redemption's revenue", pick: `select order_id from coupon_reconciliation`,
		sql: `update coupon_reconciliation set net_revenue = net_revenue + 1 where order_id = ?`},
	{name: "an experiment result", pick: `select experiment_id from experiment_results`,
		sql: `update experiment_results set significant = not coalesce(significant, false), lift_rel = coalesce(lift_rel, 0) + 0.05
		      where experiment_id = ? and metric = 'rpv'`},
	{name: "a commission gap", pick: `select order_id from commission_reconciliation where reason <> 'ok'`,
		sql: `update commission_reconciliation set commission_reported = coalesce(commission_reported, 0) + 0.5 where order_id = ?`},
	{name: "a reversal seen later", pick: `select order_id from order_status_history where status = 'reversed'`,
		sql: `update order_status_history set first_seen_at = first_seen_at + interval 2 day where order_id = ?`},
	{name: "a new stream", pick: `select stream_id from stream_kpis`,
		sql: `insert into stream_kpis select * replace (stream_id || '-' || left(cast(uuid() as varchar), 8) as stream_id,
		      started_at + interval 30 day as started_at, ended_at + interval 30 day as ended_at) from stream_kpis where stream_id = ?`},
	{name: "a stream removed", pick: `select stream_id from stream_kpis`,
		sql: `delete from stream_kpis where stream_id = ?`},
	{name: "a stream without currency", pick: `select stream_id from stream_kpis where currency is not null`,
		sql: `update stream_kpis set currency = null where stream_id = ?`},
	{name: "report.currency", apply: func(o *Options, _ any) {
		if o.Currency == "USD" {
			o.Currency = "EUR"
		} else {
			o.Currency = "USD"
		}
	}},
	{name: "a newer import", apply: func(o *Options, _ any) { o.Now = o.Now.Add(26 * time.Hour) }},
}

// TestWriteRendersOnlyChangedInputs makes random changes to the marts and
// the options between writes into one folder, rendering only the reports
// whose inputs changed (Options.Unchanged, Options.Keep kept as the run
// state keeps them), and checks against writing everything into a fresh
// folder each time: every file equals the fresh one but for the stamp,
// and the files written are exactly the index and those whose content
// differs from what the folder held.
func TestWriteRendersOnlyChangedInputs(t *testing.T) {
	requireBundle(t)
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("REPORTS_TEST_SEED"); s != "" {
		fmt.Sscan(s, &seed)
	}
	t.Logf("seed %d (REPORTS_TEST_SEED=%d reproduces it)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	db := newTestWarehouse(t, fixture{})
	ctx := context.Background()
	dir := t.TempDir()
	type recorded struct{ sum, inputs string }
	state := map[string]recorded{}
	opt := Options{Out: dir, Now: testNow, Currency: "USD",
		Unchanged: func(name, inputs string) (string, bool) {
			r, ok := state[name]
			return r.sum, ok && r.inputs != "" && r.inputs == inputs
		},
		Keep: func(name, sum string) bool { return state[name].sum == sum }}
	write := func() Result {
		t.Helper()
		res, err := Write(ctx, db, opt)
		if err != nil {
			t.Fatalf("Write: %v", err)
		}
		for name, sum := range res.Sums {
			state[name] = recorded{sum, res.Inputs[name]}
		}
		return res
	}
	strip := func(b []byte) string { return stampRE.ReplaceAllString(string(b), "") }
	read := func(d string) map[string]string {
		out := map[string]string{}
		entries, err := os.ReadDir(d)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(d, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			out[e.Name()] = strip(b)
		}
		return out
	}
	write()
	rendered, pages := 0, 0
	for round := range 12 {
		before := read(dir)
		var did []string
		for range 1 + rng.IntN(3) {
			c := nightChanges[rng.IntN(len(nightChanges))]
			var key any
			if c.pick != "" {
				if key = pick(t, db, rng, c.pick); key == nil {
					continue
				}
			}
			if c.sql != "" {
				mustExec(t, db, c.sql, key)
			}
			if c.apply != nil {
				c.apply(&opt, key)
			}
			did = append(did, fmt.Sprintf("%s (%v)", c.name, key))
		}
		res := write()
		full := opt
		full.Out, full.Unchanged, full.Keep = t.TempDir(), nil, nil
		all, err := Write(ctx, db, full)
		if err != nil {
			t.Fatal(err)
		}
		fresh, got := read(full.Out), read(dir)
		var want, wrote []string
		for name, b := range fresh {
			if got[name] != b {
				t.Errorf("round %d after %s: %s differs from the report written from the same marts", round, strings.Join(did, ", "), name)
			}
			if name == "index.html" || before[name] != b {
				want = append(want, name)
			}
		}
		for _, p := range res.Files {
			wrote = append(wrote, filepath.Base(p))
		}
		sort.Strings(want)
		sort.Strings(wrote)
		if strings.Join(want, " ") != strings.Join(wrote, " ") {
			t.Errorf("round %d after %s: wrote %v; want exactly the changed files %v", round, strings.Join(did, ", "), wrote, want)
		}
		rendered += res.Rendered
		pages += all.Rendered
		t.Logf("round %d: %s: rendered %d of %d, wrote %d", round, strings.Join(did, ", "), res.Rendered, all.Rendered, len(res.Files))
	}
	if rendered >= pages {
		t.Errorf("rendered %d pages in 12 rounds, as many as writing everything (%d): nothing was skipped", rendered, pages)
	}
}
