package ingest

import (
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestImportGenericCSV(t *testing.T) {
	lake := newTestLake(t)
	h := newHasher(testSalt)

	t.Run("streams", func(t *testing.T) {
		p := writeInput(t, "streams.csv", "stream_id,affiliate_id,started_at,ended_at,platform,title,timezone,unique_viewers,flat_fee,commission_rate,currency\n"+
			"s1,ana,2026-11-02T19:00:00-05:00,2026-11-02T19:45:00-05:00,tiktok,\"Glow, live\",America/New_York,\"4,542\",150.00,12%,usd\n"+
			"s2,ben,2026-11-03T12:00:00Z,2026-11-03T11:00:00Z,youtube,,,,,,\n"+
			"s3,ben,2026-11-04T12:00:00Z,2026-11-04T12:30:00Z,youtube,,,,,,\n")
		st := importOK(t, lake, p, Options{Kind: "streams"})
		if st.Format != "generic" || st.Read != 3 || st.Accepted != 2 || st.Rejected != 1 || st.Written["streams"] != 2 {
			t.Fatalf("stats = %+v; want generic, 3 read, 2 accepted, 1 rejected", st)
		}
		if rj := st.Rejects[0]; rj.Line != 3 || rj.Column != 4 || rj.What != "is not after started_at" {
			t.Errorf("reject = %+v; want line 3 column 4 ended_at is not after started_at", rj)
		}
		rows := tableRows(t, lake, Streams)
		r := findRow(t, rows, "stream_id", "s1")
		if got := r.ts("started_at"); got != "2026-11-03T00:00:00Z" {
			t.Errorf("started_at = %s; want 2026-11-03T00:00:00Z", got)
		}
		if r.s("title") != "Glow, live" || r.i("unique_viewers") != 4542 || r.i("flat_fee") != 15000 ||
			r.v("commission_rate").Float() != 0.12 || r.s("currency") != "USD" || r.s("timezone") != "America/New_York" {
			t.Errorf("s1 = %+v", r.vals)
		}
		s3 := findRow(t, rows, "stream_id", "s3")
		if s3.v("flat_fee").Valid || s3.v("unique_viewers").Valid || s3.v("platform").S != "youtube" {
			t.Errorf("s3: empty cells must be NULL, got flat_fee %+v unique_viewers %+v", s3.v("flat_fee"), s3.v("unique_viewers"))
		}
		if s3.i("source_line") != 4 || s3.s("source_sha256") != st.SHA256 || s3.i("import_seq") < 1 {
			t.Errorf("s3 lineage = line %d sha %q seq %d; want line 4, the file's sha, seq ≥ 1", s3.i("source_line"), s3.s("source_sha256"), s3.i("import_seq"))
		}
		checkRejectsStored(t, lake, st)
	})

	t.Run("drops", func(t *testing.T) {
		p := writeInput(t, "drops.csv", "drop_id,stream_id,starts_at,ends_at,structure,coupon_code,quantity_limit,discount_pct,discount_amount\n"+
			"d1,s1,2026-11-02T19:10:00-05:00,2026-11-02T19:20:00-05:00,Limited_Quantity, glow20 ,25,20,\n"+
			"d2,s1,2026-11-02T19:30:00-05:00,2026-11-02T19:38:00-05:00,flash,GIFT,,,\n"+
			"d3,s1,2026-11-02T19:30:00-05:00,2026-11-02T19:38:00-05:00,tiered_bonus,GIFT,-5,,\n"+
			"d4,s1,2026-11-02T19:40:00-05:00,2026-11-02T19:44:00-05:00,time_limited,,,,5.00\n")
		st := importOK(t, lake, p, Options{Kind: "drops"})
		if st.Accepted != 2 || st.Rejected != 2 {
			t.Fatalf("stats = %+v; want 2 accepted, 2 rejected", st)
		}
		if rj := st.Rejects[0]; rj.Line != 3 || rj.Column != 5 || rj.What != "is not an accepted value" || !strings.Contains(rj.Hint, "limited_quantity") {
			t.Errorf("reject 0 = %+v; want structure not accepted at 3:5", rj)
		}
		if rj := st.Rejects[1]; rj.Line != 4 || rj.Column != 7 || rj.What != "is negative" {
			t.Errorf("reject 1 = %+v; want quantity_limit negative at 4:7", rj)
		}
		rows := tableRows(t, lake, Drops)
		d1 := findRow(t, rows, "drop_id", "d1")
		if d1.s("coupon_code") != "GLOW20" || d1.s("structure") != "limited_quantity" || d1.i("quantity_limit") != 25 || d1.v("discount_pct").Float() != 20 {
			t.Errorf("d1 = %+v", d1.vals)
		}
		if d4 := findRow(t, rows, "drop_id", "d4"); d4.i("discount_amount") != 500 || d4.v("coupon_code").Valid {
			t.Errorf("d4 = %+v", d4.vals)
		}
	})

	t.Run("clicks", func(t *testing.T) {
		const ua = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X)"
		p := writeInput(t, "clicks.csv", "ts,url,user_agent,ip,referrer,country,device\n"+
			"2026-11-03T00:01:46Z,https://shop.example/p?utm_source=TikTok&utm_medium=live&utm_campaign=Glow%20Live&utm_content=s1,"+ua+",198.51.100.7,https://www.tiktok.com/,US,mobile\n"+
			"2026-11-03T00:01:50Z,https://shop.example/p?utm_content=s1,curl/8.4.0,198.51.100.8,,US,\n"+
			"2026-11-03T00:02:00Z,https://shop.example/p,,198.51.100.9,,,\n"+
			"not-a-time,https://shop.example/p,"+ua+",198.51.100.10,,,\n")
		st := importOK(t, lake, p, Options{Kind: "clicks"})
		if st.Accepted != 3 || st.Rejected != 1 || st.Rejects[0].Line != 5 || st.Rejects[0].Column != 1 {
			t.Fatalf("stats = %+v; want 3 accepted, 1 rejected at 5:1", st)
		}
		rows := tableRows(t, lake, Clicks)
		id := fileID(st.SHA256)
		c2 := findRow(t, rows, "click_id", id+":2")
		if c2.s("utm_source") != "tiktok" || c2.s("utm_medium") != "live" || c2.s("utm_campaign") != "glow live" ||
			c2.s("utm_content") != "s1" || c2.s("stream_id") != "s1" || c2.s("referrer_host") != "tiktok.com" ||
			c2.v("is_bot").B || !c2.v("is_bot").Valid || c2.s("country") != "US" || c2.i("click_count") != 1 {
			t.Errorf("click line 2 = %+v", c2.vals)
		}
		if want := h.key("visitor", "198.51.100.7", ua); c2.s("visitor_key") != want {
			t.Errorf("visitor_key = %q; want salted hash of ip + user agent %q", c2.s("visitor_key"), want)
		}
		if c3 := findRow(t, rows, "click_id", id+":3"); !c3.v("is_bot").B || c3.s("bot_reason") != "user agent contains curl" {
			t.Errorf("curl click: is_bot %v reason %q; want a bot", c3.v("is_bot").B, c3.s("bot_reason"))
		}
		if c4 := findRow(t, rows, "click_id", id+":4"); !c4.v("is_bot").B || c4.s("bot_reason") != "empty user agent" || c4.v("stream_id").Valid {
			t.Errorf("click with empty user agent: %+v", c4.vals)
		}
		assertNowhere(t, filepath.Join(lake.Dir, "clicks"), "198.51.100.7", "198.51.100.10")
		assertNowhere(t, filepath.Join(lake.Dir, "_rejects"), "198.51.100.10")
	})

	t.Run("orders", func(t *testing.T) {
		p := writeInput(t, "orders.csv", "merchant_id,order_id,ordered_at,currency,net_revenue,discount,refunded,coupon_code,customer_email,status,is_new_customer\n"+
			"m1,o1,2026-11-03T00:10:00Z,USD,46.40,11.60,0,glow20 ,Ann@Example.com,Approved,yes\n"+
			"m1,o2,2026-11-03T00:11:00Z,USD,20.00,,,,,pending,\n"+
			"m1,o3,2026-11-03T00:12:00Z,USD,-20.00,,,,,pending,\n"+
			"m1,o4,2026-11-03T00:12:00Z,USD,20.00,,,,,shipped,\n")
		st := importOK(t, lake, p, Options{Kind: "orders"})
		if st.Format != "generic" || st.Accepted != 2 || st.Rejected != 2 || st.Written["orders"] != 2 || st.Written["redemptions"] != 1 {
			t.Fatalf("stats = %+v; want generic 2 accepted 2 rejected, 2 orders 1 redemption", st)
		}
		o1 := findRow(t, tableRows(t, lake, Orders), "order_id", "o1")
		if o1.s("coupon_code") != "GLOW20" || o1.s("status") != "approved" || o1.i("net_revenue") != 4640 ||
			o1.s("customer_key") != h.email("ann@example.com") || !o1.v("is_new_customer").B {
			t.Errorf("o1 = %+v", o1.vals)
		}
		red := findRow(t, tableRows(t, lake, Redemptions), "order_id", "o1")
		if red.s("coupon_code") != "GLOW20" || red.s("merchant_id") != "m1" || red.ts("redeemed_at") != "2026-11-03T00:10:00Z" || red.i("discount_amount") != 1160 {
			t.Errorf("redemption = %+v", red.vals)
		}
		assertNowhere(t, lake.Dir, "ann@example.com")
	})

	t.Run("spend links stream_metrics", func(t *testing.T) {
		st := importOK(t, lake, writeInput(t, "spend.csv", "spend_date,amount,currency,platform,campaign\n2026-11-01,42.47,usd,meta,LIVE s1\n2026-11-02,1.005,USD,meta,x\n"), Options{Kind: "spend"})
		if st.Accepted != 1 || st.Rejected != 1 || st.Rejects[0].What != "has more than 2 decimal places" {
			t.Errorf("spend stats = %+v", st)
		}
		sp := tableRows(t, lake, Spend)
		if len(sp) != 1 || sp[0].i("amount") != 4247 || sp[0].s("currency") != "USD" || sp[0].i("spend_date") != 20758 {
			t.Errorf("spend rows = %+v", sp)
		}
		st = importOK(t, lake, writeInput(t, "links.csv", "link_id,stream_id,tracking_id,target_url\nlk1,s1,tt-1,https://x/\nlk2,,,\n"), Options{Kind: "links"})
		if st.Accepted != 1 || st.Rejected != 1 || st.Rejects[0].What != "is empty" || st.Rejects[0].Column != 2 {
			t.Errorf("links stats = %+v", st)
		}
		st = importOK(t, lake, writeInput(t, "metrics.csv", "stream_id;ts;viewers;likes;counter_mode\ns1;2026-11-03T00:00:00Z;80;0;interval\ns1;2026-11-03T00:00:15Z;364;1.5;interval\n"), Options{Kind: "stream_metrics"})
		if st.Accepted != 1 || st.Rejected != 1 || st.Rejects[0].What != "is not a whole number" || st.Rejects[0].Column != 4 {
			t.Errorf("semicolon stream_metrics stats = %+v", st)
		}
	})
}

func TestImportGenericJSONL(t *testing.T) {
	lake := newTestLake(t)
	p := writeInput(t, "chat.jsonl", "\ufeff"+
		`{"stream_id":"s1","ts":"2026-11-03T00:00:03Z","kind":"host","author":"Ana.Glows","text":"We're live!"}`+"\n"+
		"\n"+
		`{"stream_id":"s1","ts":"2026-11-03T00:00:09Z","kind":"Comment","author":"bob","text":"hi","seq":7}`+"\r\n"+
		`{"stream_id":"s1","ts":"2026-11-03T00:00:10Z","kind":"comment","author":"bob","text":{"nested":true}}`+"\n"+
		`{"stream_id":"s1","ts":"2026-11-03T00:00:11Z","mood":"happy"}`+"\n"+
		`{"stream_id":"s1"}`+"\n"+
		`not json`+"\n"+
		`{"stream_id":"s1","ts":"2026-11-03 00:00:12","kind":"comment"}`+"\n")
	st := importOK(t, lake, p, Options{Kind: "chat"})
	if st.Read != 7 || st.Accepted != 2 || st.Rejected != 5 {
		t.Fatalf("stats = %+v; want 7 read, 2 accepted, 5 rejected", st)
	}
	want := []struct {
		line, col int
		what      string
	}{
		{4, 86, "is a nested value"},
		{5, 54, "is not a column of chat"},
		{6, 1, `lacks required key "ts"`},
		{7, 1, "is not a JSON object"},
		{8, 24, "has no UTC offset"},
	}
	for i, w := range want {
		rj := st.Rejects[i]
		if rj.Line != w.line || rj.Column != w.col || rj.What != w.what {
			t.Errorf("reject %d = %d:%d %q; want %d:%d %q", i, rj.Line, rj.Column, rj.What, w.line, w.col, w.what)
		}
	}
	rows := tableRows(t, lake, Chat)
	if len(rows) != 2 {
		t.Fatalf("chat rows = %d; want 2", len(rows))
	}
	h := newHasher(testSalt)
	host := findRow(t, rows, "kind", "host")
	if host.s("author_key") != h.key("author", "ana.glows") || host.i("seq") != 1 || host.s("text") != "We're live!" {
		t.Errorf("host line = %+v", host.vals)
	}
	// kind host implies is_host; a comment that does not say stays NULL
	if v := host.v("is_host"); !v.Valid || !v.B {
		t.Errorf("host line is_host = %+v; want true", v)
	}
	if c := findRow(t, rows, "kind", "comment"); c.i("seq") != 7 || c.i("source_line") != 3 || c.v("is_host").Valid {
		t.Errorf("comment = seq %d line %d is_host %+v; want seq 7 line 3 is_host NULL", c.i("seq"), c.i("source_line"), c.v("is_host"))
	}
	assertNowhere(t, lake.Dir, "Ana.Glows")
	checkRejectsStored(t, lake, st)

	// stream_metrics with JSON numbers and a JSON boolean-free table
	p = writeInput(t, "metrics.jsonl", `{"stream_id":"s1","ts":"2026-11-03T00:00:00Z","viewers":80,"likes":3}`+"\n"+
		`{"stream_id":"s1","ts":"2026-11-03T00:00:15Z","viewers":-1}`+"\n")
	st = importOK(t, lake, p, Options{Kind: "stream_metrics"})
	if st.Accepted != 1 || st.Rejected != 1 || st.Rejects[0].What != "is negative" || st.Rejects[0].Line != 2 {
		t.Errorf("stream_metrics jsonl stats = %+v", st)
	}
	if m := tableRows(t, lake, StreamMetrics); len(m) != 1 || m[0].i("viewers") != 80 || m[0].i("likes") != 3 {
		t.Errorf("stream_metrics rows = %+v", m)
	}
}

const shopifyHeader = "Name,Email,Financial Status,Paid at,Currency,Subtotal,Discount Code,Discount Amount,Created at,Cancelled at,Refunded Amount,Lineitem quantity,Lineitem name,Lineitem price,Billing Name,Billing Phone\n"

func TestImportShopify(t *testing.T) {
	lake := newTestLake(t)
	p := writeInput(t, "orders_export.csv", shopifyHeader+
		"#1001,Liam.Q@Example.com,paid,2026-11-03 19:06:00 -0500,USD,78.40,  glow20 ,19.60,2026-11-03 19:05:12 -0500,,0.00,2,Serum,29.00,Liam Quinn,'+19735550141\n"+
		"#1001,,,,,,,,,,,1,Toner,40.00,,\n"+
		"#1002,priya.z@example.com,partially_refunded,,USD,76.00,,0.00,2026-11-04 10:00:00 -0500,,12.50,2,Serum,38.00,Priya Zhou,\n"+
		"#1003,nora@example.com,pending,,USD,10.00,Glow20,2.50,2026-11-04 11:00:00 -0500,,,1,Mask,12.50,Nora Silva,\n"+
		"#1004,diego@example.com,paid,,USD,45.00,BENKITCH,5.00,2026-11-04 12:00:00 -0500,2026-11-04 13:00:00 -0500,,1,Skillet,50.00,Diego Tanaka,\n"+
		"#1005,e5@example.com,refunded,,USD,5.00,,,2026-11-04 12:01:00 -0500,,5.00,1,A,5.00,E Five,\n"+
		"#1006,e6@example.com,voided,,USD,5.00,,,2026-11-04 12:02:00 -0500,,,1,A,5.00,E Six,\n"+
		"#1007,e7@example.com,authorized,,USD,5.00,,,2026-11-04 12:03:00 -0500,,,1,A,5.00,E Seven,\n"+
		"#1008,e8@example.com,expired,,USD,5.00,,,2026-11-04 12:04:00 -0500,,,1,A,5.00,E Eight,\n"+
		"#1009,e9@example.com,Partially_Paid,,usd,5.00,,,2026-11-04 12:05:00 -0500,,,1,A,5.00,E Nine,\n"+
		"#1010,bad.row@example.com,paid,,USD,10.00,,,31/02/2026 10:00,,,1,X,10.00,Secret Person,'+15555550199\n"+
		"#1010,,,,,,,,,,,2,Y,5.00,,\n"+
		"#1011,shipped@example.com,shipped,,USD,10.00,,,2026-11-04 12:06:00 -0500,,,1,X,10.00,Ship Per,\n")
	st := importOK(t, lake, p, Options{Kind: "orders", Merchant: "glowlab"})
	if st.Format != "shopify" || st.Read != 13 || st.Accepted != 10 || st.Rejected != 3 ||
		st.Written["orders"] != 9 || st.Written["redemptions"] != 3 {
		t.Fatalf("stats = %+v; want shopify, 13 read, 10 accepted, 3 rejected, 9 orders, 3 redemptions", st)
	}
	// the bad order's first row is rejected for its date, its other line for belonging to it
	if rj := st.Rejects[0]; rj.Line != 12 || rj.Column != 9 || rj.What != "is not a date" || rj.Field != "Created at" {
		t.Errorf("reject 0 = %+v; want 12:9 Created at is not a date", rj)
	}
	if rj := st.Rejects[1]; rj.Line != 13 || rj.Column != 1 || !strings.Contains(rj.What, "rejected at line 12") {
		t.Errorf("reject 1 = %+v; want 13:1 belongs to the order rejected at line 12", rj)
	}
	if rj := st.Rejects[2]; rj.Line != 14 || rj.Column != 3 || rj.What != "is not a Shopify financial status" {
		t.Errorf("reject 2 = %+v; want 14:3 not a financial status", rj)
	}

	orders := tableRows(t, lake, Orders)
	h := newHasher(testSalt)
	o := findRow(t, orders, "order_id", "#1001")
	if o.s("merchant_id") != "glowlab" || o.ts("ordered_at") != "2026-11-04T00:05:12Z" || o.s("currency") != "USD" ||
		o.i("net_revenue") != 7840 || o.i("gross_revenue") != 9800 || o.i("items") != 3 || o.i("discount") != 1960 ||
		o.i("refunded") != 0 || o.s("coupon_code") != "GLOW20" || o.s("status") != "approved" ||
		o.s("customer_key") != h.email("liam.q@example.com") || o.s("order_name") != "#1001" || o.i("source_line") != 2 {
		t.Errorf("#1001 = %+v", o.vals)
	}
	statuses := map[string]string{"#1001": "approved", "#1002": "approved", "#1003": "pending", "#1004": "cancelled",
		"#1005": "refunded", "#1006": "cancelled", "#1007": "pending", "#1008": "cancelled", "#1009": "pending"}
	for id, want := range statuses {
		if got := findRow(t, orders, "order_id", id).s("status"); got != want {
			t.Errorf("status of %s = %q; want %q", id, got, want)
		}
	}
	if o := findRow(t, orders, "order_id", "#1002"); o.i("refunded") != 1250 || o.v("coupon_code").Valid {
		t.Errorf("#1002 refunded %d coupon %+v; want 1250, NULL", o.i("refunded"), o.v("coupon_code"))
	}
	if o := findRow(t, orders, "order_id", "#1009"); o.s("currency") != "USD" {
		t.Errorf("#1009 currency = %q; want USD", o.s("currency"))
	}

	reds := tableRows(t, lake, Redemptions)
	if len(reds) != 3 {
		t.Fatalf("redemptions = %d; want 3", len(reds))
	}
	for _, w := range []struct{ order, code, at string }{
		{"#1001", "GLOW20", "2026-11-04T00:05:12Z"}, {"#1003", "GLOW20", "2026-11-04T16:00:00Z"}, {"#1004", "BENKITCH", "2026-11-04T17:00:00Z"},
	} {
		r := findRow(t, reds, "order_id", w.order)
		if r.s("coupon_code") != w.code || r.ts("redeemed_at") != w.at || r.s("merchant_id") != "glowlab" {
			t.Errorf("redemption of %s = %s at %s merchant %s; want %s at %s glowlab", w.order, r.s("coupon_code"), r.ts("redeemed_at"), r.s("merchant_id"), w.code, w.at)
		}
	}
	checkRejectsStored(t, lake, st)
	// personal data appears in no lake file, the rejects included
	assertNowhere(t, lake.Dir, "Liam.Q@Example.com", "liam.q@example.com", "bad.row@example.com", "shipped@example.com",
		"Secret Person", "Liam Quinn", "19735550141", "15555550199")
	if rows := rejectRows(t, lake, st.SHA256); !strings.Contains(rows[0].s("record"), "key:") {
		t.Errorf("reject record %q: want personal cells replaced by keys", rows[0].s("record"))
	}
}

func TestImportShopifyLocalTimes(t *testing.T) {
	lake := newTestLake(t)
	body := shopifyHeader + "#1,a@example.com,paid,,USD,10.00,,,2026-11-03 19:05:12,,,1,A,10.00,,\n"
	p := writeInput(t, "local.csv", body)
	st := importOK(t, lake, p, Options{Kind: "orders", Merchant: "m"})
	if st.Rejected != 1 || st.Rejects[0].What != "has no UTC offset" || !strings.Contains(st.Rejects[0].Hint, "time_zones.shopify") {
		t.Fatalf("without a zone: %+v; want a reject naming time_zones.shopify", st.Rejects)
	}
	lake2 := newTestLake(t)
	st = importOK(t, lake2, p, Options{Kind: "orders", Merchant: "m", TimeZones: map[string]string{"shopify": "America/Chicago"}})
	if st.Accepted != 1 {
		t.Fatalf("with a zone: %+v", st)
	}
	if got := tableRows(t, lake2, Orders)[0].ts("ordered_at"); got != "2026-11-04T01:05:12Z" {
		t.Errorf("ordered_at = %s; want 2026-11-04T01:05:12Z", got)
	}
	_, err := Import(context.Background(), newTestLake(t), p, Options{Kind: "orders", Merchant: "m", TimeZones: map[string]string{"shopify": "Mars/Olympus"}})
	var fe *FileError
	if !errors.As(err, &fe) || !strings.Contains(fe.Msg, "time_zones.shopify") {
		t.Errorf("unknown zone: error = %v; want a FileError naming time_zones.shopify", err)
	}
}

func TestImportMetaAds(t *testing.T) {
	lake := newTestLake(t)
	p := writeInput(t, "meta.csv", "Reporting starts,Reporting ends,Campaign name,Ad set name,Amount spent (EUR),Impressions\n"+
		"2026-11-01,2026-11-01,LIVE s1 | Glow,Lookalike,42.47,3969\n"+
		"2026-11-02,2026-11-02, Always-on ,Broad,\"1,039.44\",2746\n"+
		"2026-11-03,2026-11-03,x,y,-1.00,1\n"+
		"03/11/2026,03/11/2026,x,y,1.00,1\n"+
		"2026-11-05,2026-11-04,x,y,1.00,1\n"+
		"2026-11-05,2026-11-05,x,y,,1\n")
	st := importOK(t, lake, p, Options{Kind: "spend"})
	if st.Format != "meta-ads" || st.Accepted != 2 || st.Rejected != 4 {
		t.Fatalf("stats = %+v; want meta-ads 2 accepted 4 rejected", st)
	}
	want := []struct {
		line, col int
		what      string
	}{{4, 5, "is negative"}, {5, 1, "is ambiguous (day/month or month/day)"}, {6, 2, "is before Reporting starts"}, {7, 5, "is empty"}}
	for i, w := range want {
		if rj := st.Rejects[i]; rj.Line != w.line || rj.Column != w.col || rj.What != w.what {
			t.Errorf("reject %d = %d:%d %q; want %d:%d %q", i, rj.Line, rj.Column, rj.What, w.line, w.col, w.what)
		}
	}
	rows := tableRows(t, lake, Spend)
	r := findRow(t, rows, "campaign", "Always-on")
	if r.s("currency") != "EUR" || r.i("amount") != 103944 || r.s("platform") != "meta" || r.i("spend_date") != 20759 {
		t.Errorf("spend row = %+v; want EUR 1039.44 meta 2026-11-02", r.vals)
	}
	if r := findRow(t, rows, "campaign", "LIVE s1 | Glow"); r.s("currency") != "EUR" || r.i("amount") != 4247 {
		t.Errorf("spend row = %+v", r.vals)
	}

	// without a currency in the header nor a Currency column every row is rejected
	p = writeInput(t, "meta-nocur.csv", "Reporting starts,Reporting ends,Campaign name,Amount spent\n2026-11-01,2026-11-01,c,1.00\n")
	st = importOK(t, newTestLake(t), p, Options{Kind: "spend"})
	if st.Rejected != 1 || st.Rejects[0].What != "has no currency" {
		t.Errorf("no currency: %+v", st)
	}
	// a Currency column wins over the header
	p = writeInput(t, "meta-curcol.csv", "Reporting starts,Campaign name,Amount spent,Currency\n2026-11-01,c,1.00,gbp\n")
	l3 := newTestLake(t)
	if st = importOK(t, l3, p, Options{Kind: "spend"}); st.Accepted != 1 || tableRows(t, l3, Spend)[0].s("currency") != "GBP" {
		t.Errorf("currency column: %+v", st)
	}
}

func TestImportMerchantRequired(t *testing.T) {
	lake := newTestLake(t)
	p := writeInput(t, "orders_export.csv", shopifyHeader+"#1,a@example.com,paid,,USD,10.00,,,2026-11-03 19:05:12 -0500,,,1,A,10.00,,\n")
	_, err := Import(context.Background(), lake, p, Options{Kind: "orders", Salt: testSalt, Name: "inbox/orders_export.csv"})
	var me *ErrMerchantRequired
	if !errors.As(err, &me) {
		t.Fatalf("Import without merchant: error = %v; want *ErrMerchantRequired", err)
	}
	if me.Format != "shopify" || !strings.Contains(err.Error(), "--merchant") || !strings.Contains(err.Error(), "default_merchant") ||
		!strings.HasPrefix(err.Error(), "inbox/orders_export.csv: ") {
		t.Errorf("error = %q; want it to name the file, --merchant and default_merchant", err)
	}
	if files := lakeFiles(t, lake, "orders"); len(files) != 0 {
		t.Errorf("lake files after a refused import: %v", files)
	}
	if m, _ := lake.Manifest(context.Background()); len(m) != 0 {
		t.Errorf("manifest after a refused import: %+v", m)
	}
}

// snapshot hashes every file of the lake by path.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		s := sha256.Sum256(b)
		out[p] = hex.EncodeToString(s[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestImportSameFileTwice(t *testing.T) {
	lake := newTestLake(t)
	p := writeInput(t, "streams.csv", "stream_id,affiliate_id,started_at,ended_at\ns1,ana,2026-11-02T19:00:00Z,2026-11-02T19:45:00Z\ns2,ana,bad,2026-11-02T19:45:00Z\n")
	first := importOK(t, lake, p, Options{Kind: "streams"})
	if first.Skipped || first.Accepted != 1 || first.Rejected != 1 {
		t.Fatalf("first import = %+v", first)
	}
	before := snapshot(t, lake.Dir)
	// the same bytes under another name are the same file
	q := writeInput(t, "streams-copy.csv", "stream_id,affiliate_id,started_at,ended_at\ns1,ana,2026-11-02T19:00:00Z,2026-11-02T19:45:00Z\ns2,ana,bad,2026-11-02T19:45:00Z\n")
	for _, path := range []string{p, q} {
		second := importOK(t, lake, path, Options{Kind: "streams"})
		if !second.Skipped || second.SHA256 != first.SHA256 || second.Read != 0 || len(second.Written) != 0 {
			t.Errorf("second import of %s = %+v; want Skipped with the same sha256 and nothing written", filepath.Base(path), second)
		}
	}
	after := snapshot(t, lake.Dir)
	if len(after) != len(before) {
		t.Errorf("lake has %d files after the second import; want %d", len(after), len(before))
	}
	for p, h := range before {
		if after[p] != h {
			t.Errorf("%s changed on the second import", p)
		}
	}
	m, err := lake.Manifest(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != 1 || m[0].RowsRead != 2 || m[0].RowsAccepted != 1 || m[0].RowsRejected != 1 || m[0].RowsWritten != 1 ||
		m[0].Format != "generic" || m[0].Kind != "streams" || m[0].FileName != "streams.csv" || !m[0].ImportedAt.Equal(importNow()) {
		t.Errorf("manifest = %+v", m)
	}
	// a changed file is a new import with the next sequence number
	r := writeInput(t, "streams2.csv", "stream_id,affiliate_id,started_at,ended_at\ns1,ben,2026-11-02T19:00:00Z,2026-11-02T19:45:00Z\n")
	importOK(t, lake, r, Options{Kind: "streams"})
	m, _ = lake.Manifest(context.Background())
	if len(m) != 2 || m[1].ImportSeq != m[0].ImportSeq+1 {
		t.Errorf("manifest after a new file = %+v; want 2 entries with increasing import_seq", m)
	}
}

func TestImportLineNumbers(t *testing.T) {
	const hdr = "stream_id,affiliate_id,started_at,ended_at,title"
	tests := []struct {
		name, body string
		want       [][2]int // line, column of each reject
	}{
		{
			name: "crlf",
			body: hdr + "\r\ns1,ana,2026-11-02T19:00:00Z,2026-11-02T19:45:00Z,a\r\ns2,ana,31/02/2026,2026-11-02T19:45:00Z,b\r\n" +
				"s3,ana,2026-11-02T19:00:00Z,2026-11-02T19:45:00Z,c\r\ns4,ana,2026-11-02T19:00:00Z,,d\r\n",
			want: [][2]int{{3, 3}, {5, 4}},
		},
		{
			name: "quoted newline",
			body: hdr + "\ns1,ana,2026-11-02T19:00:00Z,2026-11-02T19:45:00Z,\"two\nlines\"\ns2,ana,bad,2026-11-02T19:45:00Z,x\n" +
				"s3,ana,2026-11-02T19:00:00Z,2026-11-02T19:45:00Z,\"three\nlines\nhere\"\ns4,ana,2026-11-02T19:00:00Z,2026-11-02T19:45:00Z,\"x\",extra\n",
			want: [][2]int{{4, 3}, {8, 1}},
		},
		{
			name: "bad cell after a quoted newline in the same row",
			body: hdr + "\ns1,\"a\nna\",2026-11-02T19:00:00Z,2026-11-02T19:45:00Z,x\ns2,\"b\nen\",oops,2026-11-02T19:45:00Z,x\n",
			want: [][2]int{{5, 3}},
		},
		{
			name: "crlf with quoted crlf",
			body: hdr + "\r\ns1,ana,2026-11-02T19:00:00Z,2026-11-02T19:45:00Z,\"a\r\nb\"\r\ns2,ana,2026-11-02T19:00:00Z,2026-11-02T18:45:00Z,c\r\n",
			want: [][2]int{{4, 4}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lake := newTestLake(t)
			st := importOK(t, lake, writeInput(t, "streams.csv", tt.body), Options{Kind: "streams"})
			if len(st.Rejects) != len(tt.want) {
				t.Fatalf("rejects = %+v; want %d", st.Rejects, len(tt.want))
			}
			for i, w := range tt.want {
				if rj := st.Rejects[i]; rj.Line != w[0] || rj.Column != w[1] {
					t.Errorf("reject %d at %d:%d (%s); want %d:%d", i, rj.Line, rj.Column, rj.What, w[0], w[1])
				}
			}
			if tt.name == "quoted newline" {
				if r := findRow(t, tableRows(t, lake, Streams), "stream_id", "s1"); r.s("title") != "two\nlines" || r.i("source_line") != 2 {
					t.Errorf("s1 title %q line %d; want \"two\\nlines\" line 2", r.s("title"), r.i("source_line"))
				}
			}
			checkRejectsStored(t, lake, st)
		})
	}
}

func TestImportFileErrors(t *testing.T) {
	tests := []struct {
		name, kind, body, want string
	}{
		{"unknown kind", "coupons", "a\n1\n", `unknown import kind "coupons"`},
		{"empty", "streams", "", "is empty"},
		{"unknown column", "streams", "stream_id,affiliate_id,started_at,ended_at,viewers_total\n", `unknown column "viewers_total" for streams`},
		{"missing required", "streams", "stream_id,affiliate_id,started_at\n", "header matches no streams format"},
		{"zip", "streams", "PK\x03\x04rest", "ZIP archive"},
		{"utf16", "streams", "\xff\xfes\x00", "is UTF-16"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lake := newTestLake(t)
			_, err := Import(context.Background(), lake, writeInput(t, "f.csv", tt.body), Options{Kind: tt.kind, Name: "f.csv"})
			var fe *FileError
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "f.csv") {
				t.Fatalf("Import(%s) error = %v; want a FileError on f.csv containing %q", tt.name, err, tt.want)
			}
			if m, _ := lake.Manifest(context.Background()); len(m) != 0 {
				t.Errorf("manifest after a file error: %+v", m)
			}
		})
	}
}

func TestImportGzip(t *testing.T) {
	// gzip is accepted (the design's common rules)
	var buf strings.Builder
	buf.WriteString("link_id,stream_id\nlk1,s1\n")
	p := filepath.Join(t.TempDir(), "links.csv.gz")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	zw.Write([]byte(buf.String()))
	zw.Close()
	f.Close()
	lake := newTestLake(t)
	if st := importOK(t, lake, p, Options{Kind: "links"}); st.Accepted != 1 {
		t.Errorf("gzip import = %+v; want 1 accepted", st)
	}
}
