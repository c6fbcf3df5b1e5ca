package models

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	_ "github.com/marcboeker/go-duckdb"

	"github.com/postlive/postlive/experiments"
)

// openFunctionsDB opens an in-memory DuckDB with postlive's functions
// registered, and the streams of the reference section c in table streams.
func openFunctionsDB(t *testing.T) (*sql.DB, *sql.Conn) {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatalf("open duckdb: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatalf("conn: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := RegisterFunctions(conn); err != nil {
		t.Fatalf("RegisterFunctions: %v", err)
	}
	return db, conn
}

// reference reads the reference vectors (the copy in experiments/testdata).
func reference(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile("../experiments/testdata/stats_vectors.json")
	if err != nil {
		t.Fatalf("read reference vectors: %v", err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("parse reference vectors: %v", err)
	}
	return v
}

// at walks the reference along keys.
func at(t *testing.T, v any, keys ...any) any {
	t.Helper()
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			v = v.(map[string]any)[k]
		case int:
			v = v.([]any)[k]
		}
		if v == nil {
			t.Fatalf("reference %v: missing", keys)
		}
	}
	return v
}

func refNum(t *testing.T, v any, keys ...any) float64 {
	t.Helper()
	f, ok := at(t, v, keys...).(float64)
	if !ok {
		t.Fatalf("reference %v is not a number", keys)
	}
	return f
}

func closeRel(got, want float64) bool {
	return math.Abs(got-want) <= 1e-6*math.Max(math.Abs(want), 1e-12)
}

// queryFloat runs a one-value query; ok is false when the value is NULL.
func queryFloat(t *testing.T, conn *sql.Conn, query string, args ...any) (float64, bool) {
	t.Helper()
	var v sql.NullFloat64
	if err := conn.QueryRowContext(context.Background(), query, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return v.Float64, v.Valid
}

// loadSectionC creates table streams(arm, revenue DECIMAL(18,2), viewers
// INTEGER) from the reference section c and view arm_stats with the
// sufficient statistics per arm, as a SQL model would compute them.
func loadSectionC(t *testing.T, conn *sql.Conn, ref map[string]any) {
	t.Helper()
	ctx := context.Background()
	stmts := []string{
		`create table streams (arm varchar, revenue decimal(18,2), viewers integer)`,
		`create view arm_stats as
		 select arm, count(*) as k,
		        sum(revenue) as s_m, sum(viewers) as s_d,
		        sum(revenue * revenue) as s_m2, sum(viewers * viewers) as s_d2,
		        sum(revenue * viewers) as s_md,
		        list(revenue::double) as ms, list(viewers::double) as ds
		 from streams group by arm`,
	}
	for _, s := range stmts {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	for _, arm := range []string{"A", "B"} {
		for _, s := range at(t, ref, "c_delta_method_ratio_metric_rpv", "input", arm).([]any) {
			m := s.(map[string]any)
			if _, err := conn.ExecContext(ctx, `insert into streams values (?, ?, ?)`,
				arm, m["revenue"].(float64), int(m["viewers"].(float64))); err != nil {
				t.Fatalf("insert stream: %v", err)
			}
		}
	}
}

// ratioCall builds f(<A stats>, <B stats>[, extra…]) over arm_stats a, b.
func ratioCall(f string, extra ...string) string {
	args := "a.k, a.s_m, a.s_d, a.s_m2, a.s_d2, a.s_md, b.k, b.s_m, b.s_d, b.s_m2, b.s_d2, b.s_md"
	if len(extra) > 0 {
		args += ", " + strings.Join(extra, ", ")
	}
	return fmt.Sprintf(`select %s(%s) from arm_stats a, arm_stats b where a.arm = 'A' and b.arm = 'B'`, f, args)
}

func TestFunctionsRatioSectionC(t *testing.T) {
	ref := reference(t)
	_, conn := openFunctionsDB(t)
	loadSectionC(t, conn, ref)
	const c = "c_delta_method_ratio_metric_rpv"
	o := func(keys ...any) float64 { return refNum(t, ref, append([]any{c, "output"}, keys...)...) }
	const f = "f_sequential_on_example_c"
	cs := func(keys ...any) float64 {
		return refNum(t, ref, append([]any{f, "growthbook_asymptotic_cs"}, keys...)...)
	}
	for _, tc := range []struct {
		fn    string
		extra []string
		want  float64
	}{
		{"ratio_lift_rel", nil, o("relative", "lift")},
		{"ratio_lift_se", nil, o("relative", "se_lift")},
		{"ratio_lift_p", nil, o("relative", "p_t_welch_growthbook")},
		{"ratio_lift_ci_low", []string{"0.05"}, o("relative", "ci95_t_welch_growthbook", 0)},
		{"ratio_lift_ci_high", []string{"0.05"}, o("relative", "ci95_t_welch_growthbook", 1)},
		{"ratio_lift_abs", nil, o("absolute", "diff")},
		{"ratio_lift_abs_p", nil, o("absolute", "p_t_welch")},
		{"ratio_lift_abs_ci_low", []string{"0.05"}, o("absolute", "ci95_t_welch", 0)},
		{"ratio_lift_abs_ci_high", []string{"0.05"}, o("absolute", "ci95_t_welch", 1)},
		{"ratio_df", nil, o("absolute", "df_welch")},
		{"ratio_fieller_low", []string{"0.05"}, o("alt_fieller_ci95_lift", 0)},
		{"ratio_fieller_high", []string{"0.05"}, o("alt_fieller_ci95_lift", 1)},
		{"ratio_cs_low", []string{"12", "0.05"}, cs("N_star_12", "ci", 0)},
		{"ratio_cs_high", []string{"12", "0.05"}, cs("N_star_12", "ci", 1)},
		{"ratio_cs_p", []string{"12", "0.05"}, cs("N_star_12", "p_value")},
		{"ratio_cs_low", []string{"40", "0.05"}, cs("N_star_40", "ci", 0)},
		{"ratio_cs_high", []string{"40", "0.05"}, cs("N_star_40", "ci", 1)},
		{"ratio_cs_p", []string{"40", "0.05"}, cs("N_star_40", "p_value")},
		{"ratio_cs_low", []string{"5000", "0.05"}, cs("N_star_5000_default", "ci", 0)},
		{"ratio_cs_high", []string{"5000", "0.05"}, cs("N_star_5000_default", "ci", 1)},
		{"ratio_cs_p", []string{"5000", "0.05"}, cs("N_star_5000_default", "p_value")},
	} {
		t.Run(tc.fn+"("+strings.Join(tc.extra, ",")+")", func(t *testing.T) {
			q := ratioCall(tc.fn, tc.extra...)
			got, ok := queryFloat(t, conn, q)
			if !ok || !closeRel(got, tc.want) {
				t.Errorf("%s = %v (valid %v); want %v", q, got, ok, tc.want)
			}
		})
	}

	// Power functions agree with the Go package on the same statistics.
	a := experiments.RatioStat{K: 6, SumM: o("A", "sum_revenue"), SumD: o("A", "sum_viewers"),
		SumM2: o("A", "sum_revenue_sq"), SumD2: o("A", "sum_viewers_sq"), SumMD: o("A", "sum_revenue_x_viewers")}
	b := experiments.RatioStat{K: 6, SumM: o("B", "sum_revenue"), SumD: o("B", "sum_viewers"),
		SumM2: o("B", "sum_revenue_sq"), SumD2: o("B", "sum_viewers_sq"), SumMD: o("B", "sum_revenue_x_viewers")}
	plan := experiments.PlanRatio(a, b, 0.10, 0.05, 0.8)
	if plan.Reason != experiments.OK {
		t.Fatalf("PlanRatio(c) reason = %q", plan.Reason)
	}
	for _, tc := range []struct {
		fn    string
		extra []string
		want  float64
	}{
		{"ratio_streams_needed", []string{"0.10", "0.05", "0.8"}, float64(plan.StreamsPerArmCeil)},
		{"ratio_mde_rel", []string{"0.05", "0.8"}, plan.MDE},
		{"ratio_power", []string{"0.10", "0.05"}, plan.Power},
	} {
		t.Run(tc.fn, func(t *testing.T) {
			q := ratioCall(tc.fn, tc.extra...)
			got, ok := queryFloat(t, conn, q)
			if !ok || !closeRel(got, tc.want) {
				t.Errorf("%s = %v (valid %v); want %v", q, got, ok, tc.want)
			}
		})
	}
	var reason sql.NullString
	if err := conn.QueryRowContext(context.Background(), ratioCall("ratio_reason")).Scan(&reason); err != nil {
		t.Fatal(err)
	}
	if reason.Valid {
		t.Errorf("ratio_reason(c) = %q; want NULL", reason.String)
	}

	// The randomisation test over the lists of per-stream values.
	var ds [2][]experiments.Stream
	for i, arm := range []string{"A", "B"} {
		for _, s := range at(t, ref, c, "input", arm).([]any) {
			m := s.(map[string]any)
			ds[i] = append(ds[i], experiments.Stream{M: m["revenue"].(float64), D: m["viewers"].(float64)})
		}
	}
	want := experiments.Permutation(ds[0], ds[1], experiments.PermutationOptions{})
	q := `select ratio_permutation_p(a.ms, a.ds, b.ms, b.ds) from arm_stats a, arm_stats b where a.arm = 'A' and b.arm = 'B'`
	if got, ok := queryFloat(t, conn, q); !ok || !closeRel(got, want.P) {
		t.Errorf("%s = %v (valid %v); want %v", q, got, ok, want.P)
	}
}

func TestFunctionsDistributions(t *testing.T) {
	ref := reference(t)
	_, conn := openFunctionsDB(t)
	const a = "a_welch_t_test_per_stream_rpv"
	df := refNum(t, ref, a, "output", "df_welch")
	tt := refNum(t, ref, a, "output", "t")
	p := refNum(t, ref, a, "output", "p_two_sided")
	for _, tc := range []struct {
		query string
		args  []any
		want  float64
	}{
		{"select t_quantile(0.975, ?)", []any{df}, refNum(t, ref, a, "output", "t_crit_0975")},
		{"select t_p_two_sided(?, ?)", []any{tt, df}, p},
		{"select t_p_two_sided(-?, ?)", []any{tt, df}, p},
		{"select 2 * t_sf(?, ?)", []any{tt, df}, p},
		{"select 2 * (1 - t_cdf(?, ?))", []any{tt, df}, p},
		{"select normal_quantile(0.975)", nil, refNum(t, ref, "e_power_sample_size", "two_proportion", "z_alpha_2")},
		{"select 2 * (1 - normal_cdf(?))", []any{refNum(t, ref, "b_two_proportion_z_test_pooled", "output", "z")},
			refNum(t, ref, "b_two_proportion_z_test_pooled", "output", "p_two_sided")},
		{"select chi2_sf(?, 2)", []any{refNum(t, ref, "d_srm_chi_square", "cases", 1, "chi2")},
			refNum(t, ref, "d_srm_chi_square", "cases", 1, "p_value")},
		{"select srm_p(9, 5, 0.5, 0.5)", nil, refNum(t, ref, "d_srm_chi_square", "cases", 3, "exact_binomial_p_two_sided")},
		{"select srm_p(50412, 48977, 1, 1)", nil, refNum(t, ref, "d_srm_chi_square", "cases", 0, "exact_binomial_p_two_sided")},
		{"select srm_p(30110, 9890, 0.75, 0.25)", nil, refNum(t, ref, "d_srm_chi_square", "cases", 2, "exact_binomial_p_two_sided")},
		{"select t_sf(0, 5)", nil, 0.5},
		{"select ratio_permutation_p([1, 2], [1, 1], [3, 4], [1, 1])", nil, 1.0 / 3},
	} {
		t.Run(tc.query, func(t *testing.T) {
			got, ok := queryFloat(t, conn, tc.query, tc.args...)
			if !ok || !closeRel(got, tc.want) {
				t.Errorf("%s %v = %v (valid %v); want %v", tc.query, tc.args, got, ok, tc.want)
			}
		})
	}
}

func TestFunctionsPAdjust(t *testing.T) {
	ref := reference(t)
	_, conn := openFunctionsDB(t)
	ctx := context.Background()
	const g = "g_multiple_testing"
	if _, err := conn.ExecContext(ctx, `create table tests (experiment_id varchar, i integer, p double)`); err != nil {
		t.Fatal(err)
	}
	ps := at(t, ref, g, "input_p_values").([]any)
	for i, p := range ps {
		if _, err := conn.ExecContext(ctx, `insert into tests values ('e1', ?, ?)`, i, p.(float64)); err != nil {
			t.Fatal(err)
		}
	}
	// A second experiment is a separate family.
	if _, err := conn.ExecContext(ctx, `insert into tests values ('e2', 0, 0.01), ('e2', 1, null)`); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ fn, key string }{
		{"p_adjust_holm", "holm_bonferroni_adjusted"},
		{"p_adjust_bh", "benjamini_hochberg_adjusted"},
		{"p_adjust_bonferroni", "bonferroni_adjusted"},
	} {
		t.Run(tc.fn, func(t *testing.T) {
			q := fmt.Sprintf(`select experiment_id, i, %s(p, list(p) over (partition by experiment_id))
				from tests order by experiment_id, i`, tc.fn)
			rows, err := conn.QueryContext(ctx, q)
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			defer rows.Close()
			want := at(t, ref, g, tc.key).([]any)
			for rows.Next() {
				var id string
				var i int
				var got sql.NullFloat64
				if err := rows.Scan(&id, &i, &got); err != nil {
					t.Fatal(err)
				}
				switch {
				case id == "e1":
					if w := want[i].(float64); !got.Valid || !closeRel(got.Float64, w) {
						t.Errorf("%s[%d] = %v; want %v", tc.fn, i, got, w)
					}
				case i == 0:
					// One non-NULL p in e2's family: unchanged.
					if !got.Valid || !closeRel(got.Float64, 0.01) {
						t.Errorf("%s(e2)[0] = %v; want 0.01", tc.fn, got)
					}
				default:
					if got.Valid {
						t.Errorf("%s(NULL) = %v; want NULL", tc.fn, got.Float64)
					}
				}
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestFunctionsDegenerate: degenerate statistics give NULL, never NaN, and
// ratio_reason names the reason.
func TestFunctionsDegenerate(t *testing.T) {
	_, conn := openFunctionsDB(t)
	good := "6, 12336.95, 7120, 28526658.1125, 9293950, 16264851.5"
	all := []struct {
		fn    string
		extra []string
	}{
		{"ratio_lift_rel", nil}, {"ratio_lift_se", nil}, {"ratio_lift_p", nil},
		{"ratio_lift_ci_low", []string{"0.05"}}, {"ratio_lift_ci_high", []string{"0.05"}},
		{"ratio_lift_abs", nil}, {"ratio_lift_abs_p", nil},
		{"ratio_lift_abs_ci_low", []string{"0.05"}}, {"ratio_lift_abs_ci_high", []string{"0.05"}},
		{"ratio_df", nil}, {"ratio_fieller_low", []string{"0.05"}}, {"ratio_fieller_high", []string{"0.05"}},
		{"ratio_mde_rel", []string{"0.05", "0.8"}}, {"ratio_power", []string{"0.1", "0.05"}},
		{"ratio_streams_needed", []string{"0.1", "0.05", "0.8"}},
		{"ratio_cs_low", []string{"12", "0.05"}}, {"ratio_cs_high", []string{"12", "0.05"}},
		{"ratio_cs_p", []string{"12", "0.05"}},
	}
	for _, tc := range []struct {
		name   string
		a, b   string
		reason string
		absOK  bool // the absolute difference R_B − R_A is still defined
	}{
		{"one_stream", "1, 100, 50, 10000, 2500, 5000", good, "too_few_streams", false},
		{"zero_denominator", good, "2, 0, 0, 0, 0, 0", "zero_denominator", false},
		{"zero_variance", "3, 1200, 600, 560000, 140000, 280000", "3, 1200, 600, 560000, 140000, 280000", "zero_variance", false},
		{"zero_baseline", "2, 0, 300, 0, 50000, 0", good, "zero_baseline", true},
		{"fractional_k", "2.5, 100, 50, 10000, 2500, 5000", good, "invalid_input", false},
		{"nan", "3, 'nan'::double, 600, 1, 1, 1", good, "invalid_input", false},
		{"infinite", "3, 'inf'::double, 600, 1, 1, 1", good, "invalid_input", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, f := range all {
				if tc.absOK && (strings.HasPrefix(f.fn, "ratio_lift_abs") || f.fn == "ratio_df") {
					continue
				}
				args := tc.a + ", " + tc.b
				if len(f.extra) > 0 {
					args += ", " + strings.Join(f.extra, ", ")
				}
				q := fmt.Sprintf("select %s(%s)", f.fn, args)
				if got, ok := queryFloat(t, conn, q); ok {
					t.Errorf("%s = %v; want NULL", q, got)
				}
			}
			q := fmt.Sprintf("select ratio_reason(%s, %s)", tc.a, tc.b)
			var got sql.NullString
			if err := conn.QueryRowContext(context.Background(), q).Scan(&got); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			if got.String != tc.reason {
				t.Errorf("%s = %q; want %q", q, got.String, tc.reason)
			}
		})
	}
	for _, q := range []string{
		"select ratio_lift_rel(null, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1, 1)",
		"select t_quantile(1.5, 3)",
		"select t_quantile(0.5, 0)",
		"select t_p_two_sided('nan'::double, 3)",
		"select normal_quantile(0)",
		"select chi2_sf(1, -1)",
		"select srm_p(0, 0, 1, 1)",
		"select srm_p(2.5, 3, 1, 1)",
		"select ratio_lift_ci_low(6, 12336.95, 7120, 28526658.1125, 9293950, 16264851.5, 6, 12336.95, 7120, 28526658.1125, 9293950, 16264851.5, 1.5)",
		"select ratio_permutation_p([1], [1], [2], [1])",
		"select ratio_permutation_p([1, 2], [1], [2], [1])",
		"select ratio_permutation_p([1, null], [1, 1], [2, 3], [1, 1])",
		"select p_adjust_holm(0.3, [0.1, 0.2])",
	} {
		t.Run(q, func(t *testing.T) {
			if got, ok := queryFloat(t, conn, q); ok {
				t.Errorf("%s = %v; want NULL", q, got)
			}
		})
	}
}

// TestFunctionsOtherConnection: functions live in the database catalog, so a
// query on another pooled connection sees them.
func TestFunctionsOtherConnection(t *testing.T) {
	db, _ := openFunctionsDB(t)
	var got float64
	if err := db.QueryRow("select normal_cdf(0)").Scan(&got); err != nil {
		t.Fatalf("select normal_cdf(0) on another connection: %v", err)
	}
	if got != 0.5 {
		t.Errorf("normal_cdf(0) = %v; want 0.5", got)
	}
}
