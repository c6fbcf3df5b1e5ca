package models_test

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestDuplicateClicksFollowTheRule checks is_duplicate and is_counted of
// every click against the rule of docs/metrics.md § Clicks, written out here
// in Go the plain way: per visitor and link (link_id, else the URL), clicks in
// time order (then click_id), clicks with neither link nor URL forming one
// pair per visitor; a click less than the duplicate window (30 s)
// after the last counted click of its pair is a duplicate; bots are never
// counted and never open a window. The model numbers the pairs and walks only
// bursts of close clicks, so the data is dense: few visitors and links, clicks
// at the same second, exactly one window apart, in long runs, and bots among
// them.
func TestDuplicateClicksFollowTheRule(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 17))
	const window = 30 * time.Second
	start := time.Date(2026, 11, 5, 19, 0, 0, 0, time.UTC)
	agents := []string{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1", "Mozilla/5.0 (Windows NT 10.0) Chrome/120.0", "Googlebot/2.1 (+http://www.google.com/bot.html)"}
	type click struct {
		id, ip, agent, link, url string
		at                       time.Time
	}
	var clicks []click
	var b strings.Builder
	b.WriteString("click_id,ts,url,user_agent,ip,link_id\n")
	at := start
	for i := range 1500 {
		// mostly a few seconds apart, sometimes exactly one window, sometimes the same second
		switch rng.IntN(8) {
		case 0:
		case 1:
			at = at.Add(window)
		default:
			at = at.Add(time.Duration(rng.IntN(4)) * time.Second)
		}
		c := click{
			id:    fmt.Sprintf("c%04d", 1500-i), // ids against time order, so ties are decided by id
			ip:    fmt.Sprintf("192.0.2.%d", 1+rng.IntN(4)),
			agent: agents[rng.IntN(len(agents))],
			at:    at,
		}
		switch rng.IntN(5) {
		case 0, 1:
			c.link = []string{"L1", "L2"}[rng.IntN(2)]
			c.url = "https://shop.example/p?utm_content=S1"
		case 2, 3:
			c.url = []string{"https://shop.example/a?utm_content=S1", "https://shop.example/b?utm_content=S1"}[rng.IntN(2)]
		default:
			// neither link nor URL: the visitor's clicks without a link are one pair
		}
		clicks = append(clicks, c)
		fmt.Fprintf(&b, "%s,%s,%s,%q,%s,%s\n", c.id, c.at.Format(time.RFC3339), c.url, c.agent, c.ip, c.link)
	}
	path := writeTestFile(t, "clicks.csv", b.String())
	w := newTestWorkspace(t)
	w.importFiles(importSpec{filepath.Join("testdata", "kpi", "streams.csv"), "streams", ""}, importSpec{path, "clicks", ""})
	_, wh := w.build(settingsDefault())

	// the rule
	isBot := func(c click) bool { return strings.Contains(c.agent, "bot") }
	pairs := map[string][]click{}
	for _, c := range clicks {
		if isBot(c) {
			continue
		}
		key := c.link
		if key == "" {
			key = c.url
		}
		pairs[c.ip+"|"+c.agent+"|"+key] = append(pairs[c.ip+"|"+c.agent+"|"+key], c)
	}
	duplicate := map[string]bool{}
	for _, cs := range pairs {
		slices.SortFunc(cs, func(a, b click) int {
			return cmp.Or(a.at.Compare(b.at), strings.Compare(a.id, b.id))
		})
		var last time.Time
		for i, c := range cs {
			if i > 0 && c.at.Sub(last) < window {
				duplicate[c.id] = true
				continue
			}
			last = c.at
		}
	}

	got := map[string]map[string]string{}
	for _, r := range rows(t, wh, "select click_id, is_bot, is_duplicate, is_counted from int_clicks_classified") {
		got[r["click_id"]] = r
	}
	if len(got) != len(clicks) {
		t.Fatalf("int_clicks_classified has %d clicks; want %d", len(got), len(clicks))
	}
	var dups, counted, bots, unlinked int
	for _, c := range clicks {
		want := map[string]string{
			"is_bot":       fmt.Sprint(isBot(c)),
			"is_duplicate": fmt.Sprint(duplicate[c.id]),
			"is_counted":   fmt.Sprint(!isBot(c) && !duplicate[c.id]),
		}
		for col, v := range want {
			if got[c.id][col] != v {
				t.Errorf("%s (%s, %s, %s at %s): %s = %s; the rule gives %s", c.id, c.ip, c.agent[:10], c.link+c.url, c.at.Format("15:04:05"), col, got[c.id][col], v)
			}
		}
		switch {
		case isBot(c):
			bots++
		case duplicate[c.id]:
			dups++
			if c.link == "" && c.url == "" {
				unlinked++
			}
		default:
			counted++
		}
	}
	t.Logf("%d clicks in %d pairs: %d counted, %d duplicates (%d with neither link nor URL), %d bots", len(clicks), len(pairs), counted, dups, unlinked, bots)
	if dups < 80 || unlinked < 10 || counted < 200 || bots < 200 {
		t.Errorf("the data no longer reaches every case: %d counted, %d duplicates (%d unlinked), %d bots", counted, dups, unlinked, bots)
	}
}
