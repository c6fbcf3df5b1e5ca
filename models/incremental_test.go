package models_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/postlive/postlive/models"
	sqlfiles "github.com/postlive/postlive/sql"
)

// TestIncrementalEqualsFullBuildOnRandomNights runs seeded random nights on
// one workspace: each night imports new files and builds from the previous
// warehouse (the duplicate clicks extended, models/incremental.go; the rest
// reused or computed again), then the same lake is built from scratch, and
// every mart and the three click tables must be equal row for row (EXCEPT ALL
// both ways). The nights are made to hit the boundaries: clicks of a pair
// less than the duplicate window after an earlier night's click (bursts
// straddling the night), clicks at a stream's first and last second and
// just outside, re-exported clicks whose newer version changes visitor or
// link, clicks naming a stream that arrives only on a later night, a link
// that arrives after its clicks, a late order inside the 48 h attribution
// window, an earlier order re-exported with a new status, bots.
func TestIncrementalEqualsFullBuildOnRandomNights(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			nightsEqualFull(t, seed, 4)
		})
	}
}

type nightStream struct {
	id, link, code string
	start, end     time.Time
}

func nightsEqualFull(t *testing.T, seed uint64, nights int) {
	rng := rand.New(rand.NewPCG(seed, 99))
	w := newTestWorkspace(t)
	day0 := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	agents := []string{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1", "Mozilla/5.0 (Windows NT 10.0) Chrome/120.0", "Googlebot/2.1 (+http://www.google.com/bot.html)"}
	var streams []nightStream
	type click struct {
		id, url, agent, ip, link string
		at                       time.Time
	}
	var clicks []click
	orderN := 0
	type order struct{ id, at, code, status string }
	var orders []order
	extended := false
	for night := range nights {
		day := day0.Add(time.Duration(night) * 24 * time.Hour)
		importAt := day.Add(27 * time.Hour)
		var specs []importSpec
		write := func(name, kind, body string) {
			specs = append(specs, importSpec{writeTestFile(t, name, body), kind, ""})
		}
		// one or two new streams a night (a new stream every night), and,
		// from the second night, clicks naming a stream that arrives later
		var sb, lb, drb strings.Builder
		sb.WriteString("stream_id,affiliate_id,started_at,ended_at,merchant_id,platform,title,currency\n")
		lb.WriteString("link_id,stream_id,tracking_id,target_url\n")
		drb.WriteString("drop_id,stream_id,starts_at,ends_at,structure,coupon_code,tracking_id,quantity_limit,bonus_first_n\n")
		for k := range 1 + rng.IntN(2) {
			s := nightStream{id: fmt.Sprintf("S%d_%d", night, k), link: fmt.Sprintf("L%d_%d", night, k), code: fmt.Sprintf("CODE%d", rng.IntN(3))}
			s.start = day.Add(time.Duration(18+k) * time.Hour).Add(time.Duration(rng.IntN(60)) * time.Minute)
			s.end = s.start.Add(time.Duration(20+rng.IntN(40)) * time.Minute)
			streams = append(streams, s)
			fmt.Fprintf(&sb, "%s,a%d,%s,%s,m1,tiktok,night %d,USD\n", s.id, k, s.start.Format(time.RFC3339), s.end.Format(time.RFC3339), night)
			if night == 0 || rng.IntN(2) == 0 {
				fmt.Fprintf(&lb, "%s,%s,TRK-%s,https://shop.example/p\n", s.link, s.id, s.id)
			}
			fmt.Fprintf(&drb, "D%s,%s,%s,%s,time_limited,%s,,,\n", s.id, s.id, s.start.Add(5*time.Minute).Format(time.RFC3339), s.start.Add(15*time.Minute).Format(time.RFC3339), s.code)
		}
		if night > 0 {
			// the link of an earlier stream arrives late (its clicks are older)
			prev := streams[rng.IntN(len(streams)-1)]
			fmt.Fprintf(&lb, "%s,%s,TRK-%s,https://shop.example/p\n", prev.link, prev.id, prev.id)
		}
		write(fmt.Sprintf("streams-%d.csv", night), "streams", sb.String())
		write(fmt.Sprintf("links-%d.csv", night), "links", lb.String())
		write(fmt.Sprintf("drops-%d.csv", night), "drops", drb.String())

		// clicks
		var cb strings.Builder
		cb.WriteString("click_id,ts,url,user_agent,ip,link_id\n")
		var tonight []click
		newClick := func(at time.Time, s nightStream) click {
			c := click{id: fmt.Sprintf("c%d_%04d", night, len(tonight)), at: at,
				agent: agents[rng.IntN(len(agents))], ip: fmt.Sprintf("192.0.2.%d", 1+rng.IntN(4))}
			switch rng.IntN(4) {
			case 0:
				c.link = s.link
				c.url = "https://shop.example/p"
			case 1, 2:
				c.url = "https://shop.example/p?utm_content=" + s.id
			default:
				// names a stream that is not imported yet (arrives next night)
				c.url = fmt.Sprintf("https://shop.example/p?utm_content=S%d_0", night+1)
			}
			return c
		}
		for range 40 + rng.IntN(40) {
			s := streams[rng.IntN(len(streams))]
			var at time.Time
			switch rng.IntN(6) {
			case 0: // at the stream's edges
				at = []time.Time{s.start, s.end, s.start.Add(-time.Second), s.end.Add(-time.Second), s.end}[rng.IntN(5)]
			case 1, 2: // within the duplicate window after an earlier night's click of the pair
				if len(clicks) > 0 {
					old := clicks[len(clicks)-1-rng.IntN(min(len(clicks), 30))]
					c := old
					c.id = fmt.Sprintf("c%d_%04d", night, len(tonight))
					c.at = old.at.Add(time.Duration(rng.IntN(45)) * time.Second)
					tonight = append(tonight, c)
					continue
				}
				at = s.start.Add(time.Duration(rng.IntN(1800)) * time.Second)
			default:
				at = s.start.Add(time.Duration(rng.IntN(3600)) * time.Second)
			}
			tonight = append(tonight, newClick(at, s))
		}
		if night > 0 {
			// earlier clicks exported again: the new version wins and may
			// move the click to another visitor or link
			for range 1 + rng.IntN(4) {
				old := clicks[rng.IntN(len(clicks))]
				c := old
				if rng.IntN(2) == 0 {
					c.ip = fmt.Sprintf("192.0.2.%d", 1+rng.IntN(4))
				} else {
					c.at = c.at.Add(time.Duration(rng.IntN(20)) * time.Second)
				}
				tonight = append(tonight, c)
			}
		}
		for _, c := range tonight {
			fmt.Fprintf(&cb, "%s,%s,%s,%s,%s,%s\n", c.id, c.at.Format(time.RFC3339), c.url, c.agent, c.ip, c.link)
		}
		clicks = append(clicks, tonight...)
		write(fmt.Sprintf("clicks-%d.csv", night), "clicks", cb.String())

		// orders: some during tonight's streams, a late one inside the 48 h
		// window of an earlier stream, and an earlier order with a new status
		var ob strings.Builder
		ob.WriteString("merchant_id,order_id,ordered_at,currency,net_revenue,refunded,coupon_code,tracking_id,customer_email,status\n")
		for range 3 + rng.IntN(4) {
			s := streams[rng.IntN(len(streams))]
			at := s.start.Add(time.Duration(rng.IntN(3600)) * time.Second)
			if rng.IntN(3) == 0 {
				at = s.end.Add(time.Duration(rng.IntN(50)) * time.Hour) // inside or just past the window
			}
			orderN++
			o := order{fmt.Sprintf("o%d", orderN), at.Format(time.RFC3339), s.code, "approved"}
			orders = append(orders, o)
			fmt.Fprintf(&ob, "m1,%s,%s,USD,%d.00,0,%s,TRK-%s,x%d@example.com,%s\n", o.id, o.at, 10+rng.IntN(90), o.code, s.id, rng.IntN(5), o.status)
		}
		if night > 0 {
			o := orders[rng.IntN(len(orders))]
			o.status = []string{"refunded", "cancelled", "pending", "reversed"}[rng.IntN(4)]
			fmt.Fprintf(&ob, "m1,%s,%s,USD,50.00,0,%s,,x9@example.com,%s\n", o.id, o.at, o.code, o.status)
		}
		write(fmt.Sprintf("orders-%d.csv", night), "orders", ob.String())

		w.importAt(importAt, specs...)
		res, wdb := w.build(models.Settings{})
		if slices.Contains(res.Extended, "int_click_duplicates") && slices.Contains(res.Extended, "int_clicks_classified") &&
			slices.Contains(res.Extended, "int_stream_clicks") {
			extended = true
		} else if night > 0 {
			t.Errorf("night %d: extended %v, reused %v; want int_click_duplicates, int_clicks_classified and int_stream_clicks extended", night, res.Extended, res.Reused)
		}
		wdb.Close()
		compareWithFull(t, w, res, fmt.Sprintf("night %d", night))
	}
	if !extended {
		t.Fatal("no night extended the click models")
	}

	// a last night with no clicks: the stream the previous night's clicks
	// named arrives, with a link of an earlier stream moved to it, and the
	// first stream is re-exported ten minutes shorter (its last clicks move
	// after its end, though no click is classified again); the duplicates
	// stay, the classification and the streams' clicks change in place
	day := day0.Add(time.Duration(nights) * 24 * time.Hour)
	late := day.Add(-5 * time.Hour)
	moved := streams[rng.IntN(len(streams))]
	w.importAt(day.Add(27*time.Hour),
		importSpec{writeTestFile(t, "streams-late.csv", fmt.Sprintf("stream_id,affiliate_id,started_at,ended_at,merchant_id,platform,title,currency\nS%d_0,a0,%s,%s,m1,tiktok,late,USD\n%s,a0,%s,%s,m1,tiktok,night 0,USD\n",
			nights, late.Format(time.RFC3339), late.Add(time.Hour).Format(time.RFC3339),
			streams[0].id, streams[0].start.Format(time.RFC3339), streams[0].end.Add(-10*time.Minute).Format(time.RFC3339))), "streams", ""},
		importSpec{writeTestFile(t, "links-late.csv", fmt.Sprintf("link_id,stream_id,tracking_id,target_url\n%s,S%d_0,TRK-late,https://shop.example/p\n", moved.link, nights)), "links", ""})
	res, wdb := w.build(models.Settings{})
	wdb.Close()
	if !slices.Contains(res.Reused, "int_click_duplicates") || !slices.Contains(res.Extended, "int_clicks_classified") ||
		!slices.Contains(res.Extended, "int_stream_clicks") {
		t.Errorf("streams and links only: extended %v, reused %v; want int_click_duplicates reused, int_clicks_classified and int_stream_clicks extended", res.Extended, res.Reused)
	}
	compareWithFull(t, w, res, "streams and links only")
}

// compareWithFull builds the workspace's lake from scratch into another
// file and compares every mart and the click tables with the warehouse,
// row for row.
func compareWithFull(t *testing.T, w *testWorkspace, res *models.Result, what string) {
	t.Helper()
	ctx := context.Background()
	fresh := filepath.Join(w.dir, "full.duckdb")
	full, err := models.Build(ctx, models.Options{Workspace: w.dir, Warehouse: fresh, SQL: sqlfiles.FS, Settings: withDefaults(models.Settings{}), NoReuse: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(full.Failed()) > 0 || len(res.Failed()) > 0 {
		t.Errorf("%s: data tests failed: incremental %v, full %v", what, res.Failed(), full.Failed())
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		"attach '" + filepath.Join(w.dir, "warehouse.duckdb") + "' as inc (read_only)",
		"attach '" + fresh + "' as fullb (read_only)",
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	tables := []string{"int_click_duplicates", "int_clicks_classified", "int_stream_clicks"}
	for m := range full.Marts {
		tables = append(tables, m)
	}
	slices.Sort(tables)
	for _, tb := range tables {
		// doubles rounded to 9 decimals: DuckDB sums them in parallel, in no
		// fixed order, so two builds of the same data may differ in the last bits
		var cols []string
		for _, c := range rows(t, db, "select column_name, column_type from (describe fullb."+tb+")") {
			col := `"` + c["column_name"] + `"`
			if c["column_type"] == "DOUBLE" || c["column_type"] == "FLOAT" {
				col = "round(" + col + ", 9)"
			}
			cols = append(cols, col)
		}
		var n, rowsFull int64
		q := fmt.Sprintf(`select
			(select count(*) from (select %[2]s from inc.%[1]s except all select %[2]s from fullb.%[1]s))
			+ (select count(*) from (select %[2]s from fullb.%[1]s except all select %[2]s from inc.%[1]s)),
			(select count(*) from fullb.%[1]s)`, tb, strings.Join(cols, ", "))
		if err := db.QueryRow(q).Scan(&n, &rowsFull); err != nil {
			t.Fatalf("%s: %v", tb, err)
		}
		if n > 0 {
			t.Errorf("%s: %s differs from a full build in %d rows (of %d)", what, tb, n, rowsFull)
		}
	}
	db.Exec("detach inc")
	db.Exec("detach fullb")
	if err := os.Remove(fresh); err != nil {
		t.Fatal(err)
	}
}
