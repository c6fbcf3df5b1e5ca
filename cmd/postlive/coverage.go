package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/postlive/postlive/lake"
)

// What a build could not see. After the marts are built, build and run say
// in their summary what the workspace is missing and what that costs — a
// kind never imported, the clicks and orders that matched no stream, the
// streams without viewers — each with the command that fixes it.

// neededKinds are the canonical tables the marts read, in import order,
// with what is lost without them.
var neededKinds = []struct{ table, cost string }{
	{"streams", "every mart is per stream: nothing can be attributed"},
	{"drops", "drop performance, coupon reconciliation and coupon-code attribution of orders are empty"},
	{"links", "a click reaches its stream only through its stream parameter (utm_content) and an order only through a drop's coupon code or tracking id"},
	{"stream_metrics", "viewers, RPV and the per-minute engagement come only from the stream plan's viewer columns"},
	{"chat", "the disclosure check is not_checked and the per-minute chat counts are empty"},
	{"clicks", "clicks, CTR and click-to-order rates are empty"},
	{"orders", "orders, revenue, commissions and payouts are empty"},
	{"spend", "ad spend, CPA and ROAS are empty"},
}

// errEmptyWorkspace is building a workspace nothing was imported into: a
// wrong folder, usually.
func errEmptyWorkspace(dir string) error {
	return usagef("nothing imported in %s (its lake is empty): wrong folder? pass --workspace DIR; "+
		"else import exports with `postlive import KIND FILE...`, or put them in inbox/<kind>/ and run `postlive run`", dir)
}

// importedTables are the canonical tables the manifest's imports wrote rows to.
func importedTables(entries []lake.Entry) map[string]bool {
	out := map[string]bool{}
	for _, e := range entries {
		if e.RowsWritten == 0 && e.RowsAccepted == 0 {
			continue
		}
		for _, t := range strings.Split(e.Tables, ",") {
			if t = strings.TrimSpace(t); t != "" {
				out[t] = true
			}
		}
	}
	return out
}

// coverage is what build prints after the data tests: one line of how much
// matched, and a warning per gap.
type coverage struct {
	clicks, clicksUnmatched int64
	orders, ordersUnmatched int64
	streams                 int64
	noViewers               []string
	warnings                []string
}

func measureCoverage(ctx context.Context, ws *session, entries []lake.Entry) (*coverage, error) {
	db, err := openWarehouse(ctx, ws)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	c := &coverage{}
	if err := db.QueryRowContext(ctx, `select count(*), count(*) filter (where stream_id is null) from int_clicks_classified`).Scan(&c.clicks, &c.clicksUnmatched); err != nil {
		return nil, fmt.Errorf("coverage: %w", err)
	}
	if err := db.QueryRowContext(ctx, `select count(*), count(*) filter (where matched_stream_id is null) from int_orders_attributed`).Scan(&c.orders, &c.ordersUnmatched); err != nil {
		return nil, fmt.Errorf("coverage: %w", err)
	}
	rows, err := db.QueryContext(ctx, `select stream_id, viewers is null from stream_kpis order by started_at, stream_id`)
	if err != nil {
		return nil, fmt.Errorf("coverage: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var none bool
		if err := rows.Scan(&id, &none); err != nil {
			return nil, err
		}
		c.streams++
		if none {
			c.noViewers = append(c.noViewers, id)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}

	have := importedTables(entries)
	for _, k := range neededKinds {
		if have[k.table] {
			continue
		}
		w := fmt.Sprintf("%s never imported: %s", k.table, k.cost)
		switch k.table {
		case "links":
			if c.clicksUnmatched > 0 {
				w += fmt.Sprintf(" (now %s of clicks match no stream)", pct(c.clicksUnmatched, c.clicks))
			}
		case "stream_metrics":
			if len(c.noViewers) > 0 {
				w += fmt.Sprintf(" (now %s without viewers)", plural(len(c.noViewers), "stream", "streams"))
			}
		}
		c.warnings = append(c.warnings, w+"; fix: "+importCommand(k.table))
	}
	if have["links"] && c.clicks > 0 && c.clicksUnmatched*20 > c.clicks { // above 5 %
		c.warnings = append(c.warnings, fmt.Sprintf("%s of clicks (%d of %d) match no stream: their link_id is not in the links and their utm_content names no stream; "+
			"list them: postlive query \"select link_id, url from int_clicks_classified where stream_id is null limit 20\"", pct(c.clicksUnmatched, c.clicks), c.clicksUnmatched, c.clicks))
	}
	if have["stream_metrics"] && len(c.noViewers) > 0 {
		c.warnings = append(c.warnings, fmt.Sprintf("%s without viewers (%s): no stream metrics and no viewer columns in the plan; fix: %s",
			plural(len(c.noViewers), "stream", "streams"), listSome(c.noViewers, 5), importCommand("stream_metrics")))
	}
	return c, nil
}

// importCommand is the command that imports a kind.
func importCommand(kind string) string {
	if kind == "orders" {
		return "postlive import orders --merchant MERCHANT FILE (or inbox/orders/MERCHANT/ and postlive run)"
	}
	return fmt.Sprintf("postlive import %s FILE (or inbox/%s/ and postlive run)", kind, kind)
}

func (c *coverage) print(w io.Writer) {
	fmt.Fprintf(w, "matched to a stream: %s of clicks (%d of %d), %s of orders (%d of %d; the rest carry no stream's code or tracking id); %d of %d streams have viewers\n",
		pct(c.clicks-c.clicksUnmatched, c.clicks), c.clicks-c.clicksUnmatched, c.clicks,
		pct(c.orders-c.ordersUnmatched, c.orders), c.orders-c.ordersUnmatched, c.orders,
		c.streams-int64(len(c.noViewers)), c.streams)
	for _, s := range c.warnings {
		fmt.Fprintln(w, "warning: "+s)
	}
}

// pct is n of total as a percentage with one decimal ("—" of nothing).
func pct(n, total int64) string {
	if total == 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f %%", 100*float64(n)/float64(total))
}

func listSome(ss []string, n int) string {
	if len(ss) <= n {
		return strings.Join(ss, ", ")
	}
	return strings.Join(ss[:n], ", ") + fmt.Sprintf(", … %d more", len(ss)-n)
}
