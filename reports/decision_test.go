package reports

import (
	"database/sql"
	"testing"
)

// TestDecisionSentence words the four cases of the first screen — not
// enough data, a clear win, a clear loss, inconclusive — with the money in
// the currency given, and the non-money metrics in orders or clicks.
func TestDecisionSentence(t *testing.T) {
	f := func(x float64) sql.NullFloat64 { return sql.NullFloat64{Float64: x, Valid: true} }
	base := Decision{Metric: "rpv", Variant: "30off", Control: "20off", Streams: f(4), ControlStreams: f(5), StreamsNeeded: f(14),
		LossVariant: f(0.1213), LossControl: f(0.0042), LossVariantPerStream: f(540.2), LossControlPerStream: f(18.7),
		Bounded: sql.NullBool{Bool: true, Valid: true}}
	for _, c := range []struct {
		name, cur string
		edit      func(*Decision)
		want      string
	}{
		{"not enough data", "USD", func(d *Decision) {
			d.Chance, d.LossVariant = sql.NullFloat64{}, sql.NullFloat64{}
			d.Reason = sql.NullString{String: "too_few_streams", Valid: true}
		}, "Not enough data to choose between 20off and 30off yet: an arm has fewer than two streams."},
		{"no data, no reason", "USD", func(d *Decision) { d.Chance = sql.NullFloat64{} },
			"Not enough data to choose between 20off and 30off yet."},
		{"streams bound nothing", "USD", func(d *Decision) { d.Chance = f(0.5); d.Bounded.Bool = false },
			"Not enough data to choose between 20off and 30off yet: the streams so far cannot bound the difference; about 10 more streams per arm would settle it."},
		{"clear win", "EUR", func(d *Decision) { d.Chance = f(0.991) },
			"Switch to 30off — it is 99 % likely to beat 20off, less than €0.01 per viewer (€18.70 per stream) lost if you keep 20off."},
		{"clear loss", "USD", func(d *Decision) { d.Chance = f(0.03) },
			"Keep 20off — 30off is 97 % likely to be worse, about $0.12 per viewer ($540 per stream) lost if you switch."},
		{"inconclusive", "USD", func(d *Decision) { d.Chance = f(0.18) },
			"Keep 20off — 30off is 82 % likely to be worse, about $0.12 per viewer ($540 per stream) lost if you switch; about 10 more streams per arm would settle it."},
		{"conversion in orders", "USD", func(d *Decision) { d.Metric = "cvr_click"; d.Chance = f(0.7); d.LossVariantPerStream = f(1.26) },
			"No clear winner yet — 30off is 70 % likely to beat 20off, about 1.3 orders per stream lost if you switch and it is not; about 10 more streams per arm would settle it."},
		{"yen", "JPY", func(d *Decision) {
			d.Metric = "aov"
			d.Chance = f(0.5)
			d.LossVariant = f(120.4)
			d.LossVariantPerStream = f(4815.5)
		},
			"Too close to call — 30off is 50 % likely to beat 20off, about ¥120 per order (¥4,816 per stream) lost if you switch and it is not; about 10 more streams per arm would settle it."},
	} {
		d := base
		c.edit(&d)
		if got := DecisionSentence(d, c.cur); got != c.want {
			t.Errorf("%s: DecisionSentence =\n%q; want\n%q", c.name, got, c.want)
		}
	}
}
