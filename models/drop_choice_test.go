package models_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// TestDropChoiceFollowsTheRule checks the drop each redemption is given
// against the rule of docs/reconciliation.md, written out here in Go the
// plain way (look at every drop of the code): the drop of the code, of the
// redemption's merchant or of a stream that names none, that started latest
// at or before the redemption (the smaller drop_id when two start together);
// if none has started, the earliest one (again the smaller drop_id on a tie).
// The model does not compare every pair (that grows with the square of a
// reused code's history), so the data is made to hit the edges: codes shared
// by many drops, streams with and without a merchant, drops starting at the
// same minute, redemptions at the very minute a drop starts, before every drop
// and of codes or merchants no drop has.
func TestDropChoiceFollowsTheRule(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	day := time.Date(2026, 11, 5, 18, 0, 0, 0, time.UTC)
	minute := func(m int) time.Time { return day.Add(time.Duration(m) * time.Minute) }
	ts := func(at time.Time) string { return at.Format(time.RFC3339) }

	type stream struct{ id, merchant string }
	streams := []stream{{"S1", "m1"}, {"S2", "m1"}, {"S3", "m2"}, {"S4", ""}, {"S5", ""}, {"S6", "m2"}}
	merchantOf := map[string]string{}
	var sb strings.Builder
	sb.WriteString("stream_id,affiliate_id,started_at,ended_at,merchant_id,platform,title,unique_viewers,commission_rate,currency\n")
	for _, s := range streams {
		merchantOf[s.id] = s.merchant
		fmt.Fprintf(&sb, "%s,a1,%s,%s,%s,tiktok,T,,,USD\n", s.id, ts(minute(0)), ts(minute(240)), s.merchant)
	}

	type drop struct {
		id, stream, code string
		starts           time.Time
	}
	codes := []string{"SAVE10", "GLOW20", "FLASH"}
	var drops []drop
	var db strings.Builder
	db.WriteString("drop_id,stream_id,starts_at,ends_at,structure,coupon_code,tracking_id,quantity_limit,bonus_first_n\n")
	for i := range 60 {
		d := drop{
			id:     fmt.Sprintf("D%02d", i),
			stream: streams[rng.IntN(len(streams))].id,
			code:   codes[rng.IntN(len(codes))],
			// a coarse grid of start minutes, so that drops start together
			starts: minute(10 + 10*rng.IntN(20)),
		}
		drops = append(drops, d)
		fmt.Fprintf(&db, "%s,%s,%s,%s,time_limited,%s,,,\n", d.id, d.stream, ts(d.starts), ts(d.starts.Add(5*time.Minute)), d.code)
	}
	// a drop with no code takes no redemption
	fmt.Fprintf(&db, "DX,S4,%s,%s,time_limited,,TRK9,,\n", ts(minute(0)), ts(minute(5)))

	type redemption struct {
		order, merchant, code string
		at                    time.Time
	}
	var reds []redemption
	var rb strings.Builder
	rb.WriteString("merchant_id,coupon_code,order_id,redeemed_at\n")
	spellings := map[string][]string{"SAVE10": {"SAVE10", "save10", " Save10 "}, "GLOW20": {"GLOW20"}, "FLASH": {"flash"}, "NOPE": {"NOPE"}}
	allCodes := append(codes, "NOPE")
	for i := range 400 {
		r := redemption{
			order:    fmt.Sprintf("o%03d", i),
			merchant: []string{"m1", "m2", "m3"}[rng.IntN(3)],
			code:     allCodes[rng.IntN(len(allCodes))],
			// on the same grid half of the time: at the minute a drop starts
			at: minute(rng.IntN(230)),
		}
		if rng.IntN(2) == 0 {
			r.at = minute(10 * rng.IntN(23))
		}
		reds = append(reds, r)
		sp := spellings[r.code]
		fmt.Fprintf(&rb, "%s,\"%s\",%s,%s\n", r.merchant, sp[rng.IntN(len(sp))], r.order, ts(r.at))
	}

	w := newTestWorkspace(t)
	w.importFiles(
		importSpec{writeTestFile(t, "streams.csv", sb.String()), "streams", ""},
		importSpec{writeTestFile(t, "drops.csv", db.String()), "drops", ""},
		importSpec{writeTestFile(t, "redemptions.csv", rb.String()), "redemptions", ""},
	)
	_, wh := w.build(settingsDefault())

	// the rule, looking at every drop
	want := func(r redemption) string {
		var started, upcoming *drop
		for i := range drops {
			d := &drops[i]
			if d.code != r.code || (merchantOf[d.stream] != "" && merchantOf[d.stream] != r.merchant) {
				continue
			}
			if !d.starts.After(r.at) {
				if started == nil || d.starts.After(started.starts) || (d.starts.Equal(started.starts) && d.id < started.id) {
					started = d
				}
			} else if upcoming == nil || d.starts.Before(upcoming.starts) || (d.starts.Equal(upcoming.starts) && d.id < upcoming.id) {
				upcoming = d
			}
		}
		switch {
		case started != nil:
			return started.id
		case upcoming != nil:
			return upcoming.id
		}
		return "NULL"
	}

	indexOf := func(ds []drop, id string) int {
		for i, d := range ds {
			if d.id == id {
				return i
			}
		}
		return -1
	}
	got := map[string]string{}
	for _, row := range rows(t, wh, "select order_id, drop_id from int_redemptions_reconciled") {
		got[row["order_id"]] = row["drop_id"]
	}
	if len(got) != len(reds) {
		t.Fatalf("int_redemptions_reconciled has %d redemptions; want %d", len(got), len(reds))
	}
	var started, upcoming, none, ties, shared, anyMerchant int
	for _, r := range reds {
		w := want(r)
		if got[r.order] != w {
			t.Errorf("%s (%s, %s at %s): drop %s; the rule gives %s", r.order, r.merchant, r.code, r.at.Format("15:04"), got[r.order], w)
		}
		// count the cases the data reached, so that a change of seed that
		// misses one is seen
		switch {
		case w == "NULL":
			none++
		default:
			for _, d := range drops {
				if d.id != w && d.code == r.code && d.starts.Equal(drops[indexOf(drops, w)].starts) &&
					(merchantOf[d.stream] == "" || merchantOf[d.stream] == r.merchant) {
					shared++ // another drop of the code starts with the chosen one
				}
				if d.id == w {
					if merchantOf[d.stream] == "" {
						anyMerchant++
					}
					if d.starts.After(r.at) {
						upcoming++
					} else {
						started++
						if d.starts.Equal(r.at) {
							ties++
						}
					}
				}
			}
		}
	}
	t.Logf("%d redemptions: %d to a started drop (%d at its first minute), %d to an upcoming one, %d to none; %d chosen over a drop starting with it, %d to a stream naming no merchant",
		len(reds), started, ties, upcoming, none, shared, anyMerchant)
	if started < 50 || upcoming < 5 || none < 50 || ties < 10 || shared < 10 || anyMerchant < 20 {
		t.Errorf("the data no longer reaches every case: started %d, at the start %d, upcoming %d, none %d, tied %d, any merchant %d",
			started, ties, upcoming, none, shared, anyMerchant)
	}
}
