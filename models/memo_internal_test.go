package models

import (
	"database/sql/driver"
	"math"
	"testing"
)

// TestMemoEntryRoundTrip: a remembered result comes back bit for bit (NaN,
// ±Inf, NULL, negative zero included), and any changed argument — a unit's
// number, its order, a host, alpha — is another key.
func TestMemoEntryRoundTrip(t *testing.T) {
	row := map[string]any{}
	vals := []any{nil, "randomisation_log_ratio", int64(3), int64(-1), math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 1e-300, true, false}
	for i, f := range comparisonFields {
		row[f.name] = vals[i%len(vals)]
	}
	enc, err := encodeRow(comparisonFields, row)
	if err != nil {
		t.Fatal(err)
	}
	back, err := decodeRow(comparisonFields, enc)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range comparisonFields {
		a, b := row[f.name], back[f.name]
		if fa, ok := a.(float64); ok {
			if fb, ok := b.(float64); !ok || math.Float64bits(fa) != math.Float64bits(fb) {
				t.Errorf("%s: %v came back as %v", f.name, a, b)
			}
			continue
		}
		if a != b {
			t.Errorf("%s: %v (%T) came back as %v (%T)", f.name, a, b, a, b)
		}
	}
	if _, err := decodeRow(comparisonFields, enc[:len(enc)-1]); err == nil {
		t.Error("a truncated entry was decoded")
	}

	m, err := newMemo()
	if err != nil {
		t.Fatal(err)
	}
	unit := func(variant bool, host string, num float64) map[string]any {
		return map[string]any{"is_variant": variant, "host": host, "numerator": num, "denominator": 100.0, "pre_numerator": nil, "pre_denominator": nil, "planned": false}
	}
	args := func(alpha float64, units ...map[string]any) []driver.Value {
		l := make([]any, len(units))
		for i, u := range units {
			l[i] = u
		}
		return []driver.Value{l, alpha, 0.1, 0.8}
	}
	base := m.key("experiment_compare", args(0.05, unit(false, "h1", 3), unit(true, "h2", 4)))
	for name, other := range map[string][]driver.Value{
		"numerator": args(0.05, unit(false, "h1", 3), unit(true, "h2", 4.000000001)),
		"order":     args(0.05, unit(true, "h2", 4), unit(false, "h1", 3)),
		"host":      args(0.05, unit(false, "h1", 3), unit(true, "h3", 4)),
		"arm":       args(0.05, unit(false, "h1", 3), unit(false, "h2", 4)),
		"alpha":     args(0.1, unit(false, "h1", 3), unit(true, "h2", 4)),
		"one fewer": args(0.05, unit(false, "h1", 3)),
	} {
		if m.key("experiment_compare", other) == base {
			t.Errorf("a changed %s gives the same key", name)
		}
	}
	if m.key("experiment_compare", args(0.05, unit(false, "h1", 3), unit(true, "h2", 4))) != base {
		t.Error("the same arguments give another key")
	}
}
