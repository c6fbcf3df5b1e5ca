package experiments

import (
	"encoding/json"
	"math"
	"os"
	"reflect"
	"sync"
	"testing"
)

// The reference values come from testdata/stats_vectors.json (see
// testdata/README.md); every comparison is to 1e-6 relative.
const relTol = 1e-6

var (
	vectorsOnce sync.Once
	vectorsData map[string]any
	vectorsErr  error
)

// vectors returns the parsed reference file.
func vectors(t *testing.T) map[string]any {
	t.Helper()
	vectorsOnce.Do(func() {
		b, err := os.ReadFile("testdata/stats_vectors.json")
		if err != nil {
			vectorsErr = err
			return
		}
		vectorsErr = json.Unmarshal(b, &vectorsData)
	})
	if vectorsErr != nil {
		t.Fatalf("read reference vectors: %v", vectorsErr)
	}
	return vectorsData
}

// ref walks the parsed JSON along keys (string keys for objects, int keys for
// arrays).
func ref(t *testing.T, keys ...any) any {
	t.Helper()
	var v any = vectors(t)
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("reference %v: %q is not in an object", keys, k)
			}
			if v, ok = m[k]; !ok {
				t.Fatalf("reference %v: no key %q", keys, k)
			}
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				t.Fatalf("reference %v: no index %d", keys, k)
			}
			v = a[k]
		}
	}
	return v
}

// num returns the reference number at keys.
func num(t *testing.T, keys ...any) float64 {
	t.Helper()
	f, ok := ref(t, keys...).(float64)
	if !ok {
		t.Fatalf("reference %v is not a number", keys)
	}
	return f
}

// nums returns the reference array of numbers at keys.
func nums(t *testing.T, keys ...any) []float64 {
	t.Helper()
	a, ok := ref(t, keys...).([]any)
	if !ok {
		t.Fatalf("reference %v is not an array", keys)
	}
	out := make([]float64, len(a))
	for i, x := range a {
		out[i], ok = x.(float64)
		if !ok {
			t.Fatalf("reference %v[%d] is not a number", keys, i)
		}
	}
	return out
}

// close reports whether got is within relTol of want (relative, with an
// absolute floor for values at zero).
func close(got, want float64) bool {
	return math.Abs(got-want) <= relTol*math.Max(math.Abs(want), 1e-12)
}

// check is one comparison: a label, what the code gave and the reference.
type check struct {
	name      string
	got, want float64
}

func runChecks(t *testing.T, call string, cs []check) {
	t.Helper()
	for _, c := range cs {
		t.Run(c.name, func(t *testing.T) {
			if !close(c.got, c.want) {
				t.Errorf("%s %s = %.17g; want %.17g (rel err %.2g)", call, c.name, c.got, c.want,
					math.Abs(c.got-c.want)/math.Abs(c.want))
			}
		})
	}
}

// assertFinite fails when any float field reachable from v is NaN or Inf.
func assertFinite(t *testing.T, what string, v any) {
	t.Helper()
	var walk func(path string, x reflect.Value)
	walk = func(path string, x reflect.Value) {
		switch x.Kind() {
		case reflect.Float64, reflect.Float32:
			if f := x.Float(); math.IsNaN(f) || math.IsInf(f, 0) {
				t.Errorf("%s: field %s = %v; want a finite number", what, path, f)
			}
		case reflect.Struct:
			for i := 0; i < x.NumField(); i++ {
				walk(path+"."+x.Type().Field(i).Name, x.Field(i))
			}
		case reflect.Slice, reflect.Array:
			for i := 0; i < x.Len(); i++ {
				walk(path+"[]", x.Index(i))
			}
		}
	}
	walk("", reflect.ValueOf(v))
}

// meanStat builds the sufficient statistics of values.
func meanStat(xs []float64) MeanStat {
	s := MeanStat{N: len(xs)}
	for _, x := range xs {
		s.Sum += x
		s.Sum2 += x * x
	}
	return s
}

// ratioStat builds the sufficient statistics of streams.
func ratioStat(ss []Stream) RatioStat {
	r := RatioStat{K: len(ss)}
	for _, s := range ss {
		r.SumM += s.M
		r.SumD += s.D
		r.SumM2 += s.M * s.M
		r.SumD2 += s.D * s.D
		r.SumMD += s.M * s.D
	}
	return r
}

// sectionCStreams returns the streams of section c.
func sectionCStreams(t *testing.T, arm string) []Stream {
	t.Helper()
	a, ok := ref(t, "c_delta_method_ratio_metric_rpv", "input", arm).([]any)
	if !ok {
		t.Fatalf("section c input %s is not an array", arm)
	}
	out := make([]Stream, len(a))
	for i, x := range a {
		m := x.(map[string]any)
		out[i] = Stream{M: m["revenue"].(float64), D: m["viewers"].(float64)}
	}
	return out
}

// sectionCStats returns the sufficient statistics of section c as the file
// gives them (sum_revenue, …), which is what SQL hands over.
func sectionCStats(t *testing.T, arm string) RatioStat {
	t.Helper()
	p := []any{"c_delta_method_ratio_metric_rpv", "output", arm}
	at := func(k string) float64 { return num(t, append(append([]any{}, p...), k)...) }
	return RatioStat{
		K:     int(at("k_streams")),
		SumM:  at("sum_revenue"),
		SumD:  at("sum_viewers"),
		SumM2: at("sum_revenue_sq"),
		SumD2: at("sum_viewers_sq"),
		SumMD: at("sum_revenue_x_viewers"),
	}
}
