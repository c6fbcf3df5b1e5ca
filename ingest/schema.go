package ingest

import "fmt"

// Kind is the type of a canonical column.
type Kind uint8

// Column kinds. Money is DECIMAL(18,2) held as integer cents; Time is a UTC
// timestamp in microseconds; Date is days since 1970-01-01.
const (
	String Kind = iota
	Int
	Float
	Bool
	Money
	Time
	Date
)

func (k Kind) String() string {
	switch k {
	case String:
		return "text"
	case Int:
		return "integer"
	case Float:
		return "number"
	case Bool:
		return "boolean"
	case Money:
		return "money"
	case Time:
		return "timestamp"
	case Date:
		return "date"
	}
	return fmt.Sprintf("kind(%d)", k)
}

// Column is one column of a canonical table.
type Column struct {
	Name     string
	Kind     Kind
	Required bool
	// Unique marks text that rarely repeats (ids, keys, free text): Parquet
	// dictionary encoding is skipped for it. Other text columns are
	// dictionary-encoded; numbers and times never are.
	Unique bool
}

// Table is a canonical lake table: its columns, its key and the time column
// whose month partitions the lake folder (empty: not partitioned).
type Table struct {
	Name      string
	Columns   []Column
	Key       []string
	Partition string
	index     map[string]int
}

// Col returns the position of the named column; it panics on a name that is
// not in the table, which is a programming error caught by the tests.
func (t *Table) Col(name string) int {
	i, ok := t.index[name]
	if !ok {
		panic(fmt.Sprintf("ingest: table %s has no column %q", t.Name, name))
	}
	return i
}

// Lineage columns are appended to every table: which imported file and line a
// row came from, and the import sequence number (newest import wins).
var lineage = []Column{
	{Name: "source_sha256", Kind: String},
	{Name: "source_line", Kind: Int},
	{Name: "import_seq", Kind: Int},
	{Name: "source_format", Kind: String},
}

func newTable(name string, key []string, partition string, cols ...Column) *Table {
	return newBareTable(name, key, partition, append(cols, lineage...)...)
}

// newBareTable builds a table without lineage columns (the manifest and the
// rejects describe imports themselves).
func newBareTable(name string, key []string, partition string, cols ...Column) *Table {
	t := &Table{Name: name, Key: key, Partition: partition, Columns: cols}
	t.index = make(map[string]int, len(t.Columns))
	for i, c := range t.Columns {
		if _, dup := t.index[c.Name]; dup {
			panic("ingest: table " + name + " has two columns " + c.Name)
		}
		t.index[c.Name] = i
	}
	return t
}

func req(name string, k Kind) Column { return Column{Name: name, Kind: k, Required: true} }
func opt(name string, k Kind) Column { return Column{Name: name, Kind: k} }

// unique marks a text column whose values rarely repeat.
func unique(c Column) Column { c.Unique = true; return c }

// The canonical tables of the design (../shared/DESIGN.md § Canonical tables).
var (
	Streams = newTable("streams", []string{"stream_id"}, "started_at",
		req("stream_id", String), req("affiliate_id", String), req("started_at", Time), req("ended_at", Time),
		opt("merchant_id", String), opt("platform", String), opt("title", String), opt("timezone", String),
		opt("unique_viewers", Int), opt("peak_viewers", Int), opt("followers", Int),
		opt("experiment_id", String), opt("variant", String), opt("tested_variable", String),
		opt("flat_fee", Money), opt("commission_rate", Float), opt("currency", String),
		// campaign_id groups streams into a multi-creator campaign
		// (docs/payouts.md); config campaigns.<id>.streams can do the same.
		opt("campaign_id", String))

	Drops = newTable("drops", []string{"drop_id"}, "starts_at",
		req("drop_id", String), req("stream_id", String), req("starts_at", Time), req("ends_at", Time),
		opt("structure", String), opt("coupon_code", String), opt("tracking_id", String),
		opt("quantity_limit", Int), opt("bonus_first_n", Int), opt("discount_pct", Float), opt("discount_amount", Money),
		// commission_rate overrides the stream's rate for orders credited to
		// the drop (docs/reconciliation.md § Commission).
		opt("commission_rate", Float))

	Links = newTable("links", []string{"link_id"}, "",
		req("link_id", String), req("stream_id", String), opt("tracking_id", String), opt("target_url", String))

	StreamMetrics = newTable("stream_metrics", []string{"stream_id", "ts"}, "ts",
		req("stream_id", String), req("ts", Time), opt("viewers", Int), opt("likes", Int), opt("comments", Int),
		opt("shares", Int), opt("follows", Int), opt("product_clicks", Int), opt("gifts", Int),
		opt("counter_mode", String),
		// Session and sales facts of platform exports (docs/formats.md §
		// tiktok-live): granularity is NULL or "sample" for concurrent-viewer
		// samples, "minute" for per-minute intervals, "session" for one row
		// per LIVE session at its start, whose totals are in the total_*
		// columns so that per-minute models never count them.
		opt("granularity", String), opt("duration_s", Int), opt("unique_viewers", Int), opt("peak_viewers", Int),
		opt("avg_viewers", Int), opt("views", Int), opt("product_impressions", Int), opt("orders", Int),
		opt("revenue", Money), opt("currency", String), opt("total_likes", Int), opt("total_comments", Int),
		opt("total_shares", Int), opt("total_follows", Int), opt("total_product_clicks", Int))

	Clicks = newTable("clicks", []string{"click_id"}, "ts",
		unique(req("click_id", String)), req("ts", Time), opt("link_id", String), opt("url", String),
		opt("utm_source", String), opt("utm_medium", String), opt("utm_campaign", String),
		opt("utm_content", String), opt("utm_term", String), opt("stream_id", String),
		unique(opt("visitor_key", String)), opt("is_bot", Bool), opt("bot_reason", String),
		opt("country", String), opt("device", String), opt("referrer_host", String),
		opt("is_aggregated", Bool), opt("click_count", Int))

	Orders = newTable("orders", []string{"merchant_id", "order_id"}, "ordered_at",
		req("merchant_id", String), unique(req("order_id", String)), req("ordered_at", Time), req("currency", String),
		req("net_revenue", Money), opt("gross_revenue", Money), opt("discount", Money), opt("refunded", Money),
		opt("items", Int), opt("coupon_code", String), opt("tracking_id", String), unique(opt("customer_key", String)),
		opt("is_new_customer", Bool), opt("commission", Money), opt("status", String), unique(opt("order_name", String)),
		// ordered_until is set when the export gives only a calendar day
		// (Amazon Fee-Orders): ordered_at is the start of that local day
		// and ordered_until the start of the next, so the order happened
		// somewhere in [ordered_at, ordered_until) (docs/metrics.md § Orders
		// of a whole day).
		opt("ordered_until", Time),
		// sale_key ties a return, correction or reversal row to the sale it
		// reverses, on the vendor's own keys (Amazon: tracking id and ASIN;
		// CJ: the order id); empty where the export has none.
		opt("sale_key", String))

	Redemptions = newTable("redemptions", []string{"merchant_id", "coupon_code", "order_id"}, "redeemed_at",
		req("merchant_id", String), req("coupon_code", String), unique(req("order_id", String)), req("redeemed_at", Time),
		opt("discount_amount", Money))

	Spend = newTable("spend", []string{"platform", "campaign", "spend_date"}, "spend_date",
		req("spend_date", Date), req("amount", Money), req("currency", String), opt("platform", String),
		opt("campaign", String), opt("stream_id", String))

	Chat = newTable("chat", []string{"stream_id", "ts", "seq"}, "ts",
		req("stream_id", String), req("ts", Time), opt("seq", Int), opt("kind", String),
		unique(opt("author_key", String)), unique(opt("text", String)),
		// is_host marks a message written by the stream's host (the
		// disclosure check of stream_compliance reads it); kind host implies it.
		opt("is_host", Bool))
)

// Tables lists every canonical table in a fixed order.
var Tables = []*Table{Streams, Drops, Links, StreamMetrics, Clicks, Orders, Redemptions, Spend, Chat}

// TableByName returns the canonical table with that name, or nil.
func TableByName(name string) *Table {
	for _, t := range Tables {
		if t.Name == name {
			return t
		}
	}
	return nil
}
