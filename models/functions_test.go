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

// compareCall is experiment_compare over the section c streams (A the
// control), picking field of its result.
func compareCall(field string) string {
	return `select (experiment_compare(list({'is_variant': arm = 'B', 'host': 'h', 'numerator': revenue::double,
	    'denominator': viewers::double, 'pre_numerator': 0.0, 'pre_denominator': 0.0, 'planned': false} order by arm, revenue),
	    0.05::double, 0.10::double, 0.80::double)).` + field + ` from streams`
}

// TestFunctionsCompareSectionC: experiment_compare's named fields carry the
// delta-method Welch figures of the scipy/statsmodels reference (section c)
// and the randomisation analysis of randomisation_vectors.json.
func TestFunctionsCompareSectionC(t *testing.T) {
	ref := reference(t)
	_, conn := openFunctionsDB(t)
	loadSectionC(t, conn, ref)
	const c = "c_delta_method_ratio_metric_rpv"
	o := func(keys ...any) float64 { return refNum(t, ref, append([]any{c, "output"}, keys...)...) }
	rv := LoadRandomisationC(t)
	for _, tc := range []struct {
		field string
		want  float64
	}{
		{"lift_rel_unadjusted", o("relative", "lift")},
		{"lift_rel", o("relative", "lift")},
		{"welch_lift_rel_se", o("relative", "se_lift")},
		{"welch_p_value", o("relative", "p_t_welch_growthbook")},
		{"welch_ci_low", o("relative", "ci95_t_welch_growthbook", 0)},
		{"welch_ci_high", o("relative", "ci95_t_welch_growthbook", 1)},
		{"lift_abs", o("absolute", "diff")},
		{"lift_abs_ci_low", o("absolute", "ci95_t_welch", 0)},
		{"lift_abs_ci_high", o("absolute", "ci95_t_welch", 1)},
		{"welch_df", o("absolute", "df_welch")},
		{"fieller_low", rv.FiellerLow},
		{"fieller_high", rv.FiellerHigh},
		{"p_value", rv.P},
		{"ci_low", rv.CI[0]},
		{"ci_high", rv.CI[1]},
		{"log_ratio_se", rv.SE},
		{"power", rv.Power},
		{"streams_needed", rv.StreamsNeeded},
		{"streams_needed_low", rv.StreamsLow},
		{"streams_needed_high", rv.StreamsHigh},
	} {
		t.Run(tc.field, func(t *testing.T) {
			q := compareCall(tc.field + "::double")
			got, ok := queryFloat(t, conn, q)
			if !ok || !closeRel(got, tc.want) {
				t.Errorf("%s = %v (valid %v); want %v", tc.field, got, ok, tc.want)
			}
		})
	}
	var method, reason sql.NullString
	if err := conn.QueryRowContext(context.Background(), compareCall("method")).Scan(&method); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRowContext(context.Background(), compareCall("reason")).Scan(&reason); err != nil {
		t.Fatal(err)
	}
	if method.String != experiments.MethodRandomisation || reason.Valid {
		t.Errorf("method %q, reason %v; want %s and NULL (one host holds every stream: not blocked)", method.String, reason, experiments.MethodRandomisation)
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
		{"select srm_exact_p([9, 5], [0.5, 0.5])", nil, refNum(t, ref, "d_srm_chi_square", "cases", 3, "exact_binomial_p_two_sided")},
		{"select srm_exact_p([50412, 48977], [1, 1])", nil, refNum(t, ref, "d_srm_chi_square", "cases", 0, "exact_binomial_p_two_sided")},
		{"select srm_exact_p([30110, 9890], [0.75, 0.25])", nil, refNum(t, ref, "d_srm_chi_square", "cases", 2, "exact_binomial_p_two_sided")},
		{"select t_sf(0, 5)", nil, 0.5},
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
	unit := func(variant bool, m, d float64) string {
		return fmt.Sprintf("{'is_variant': %t, 'host': 'h', 'numerator': %v::double, 'denominator': %v::double, 'pre_numerator': 0.0, 'pre_denominator': 0.0, 'planned': false}", variant, m, d)
	}
	arms := func(a, b [][2]float64) string {
		var us []string
		for _, x := range a {
			us = append(us, unit(false, x[0], x[1]))
		}
		for _, x := range b {
			us = append(us, unit(true, x[0], x[1]))
		}
		return "[" + strings.Join(us, ", ") + "]"
	}
	good := [][2]float64{{100, 50}, {120, 70}, {90, 40}}
	for _, tc := range []struct {
		name, units, reason string
	}{
		{"one_stream", arms([][2]float64{{100, 50}}, good), "too_few_streams"},
		{"zero_denominator", arms(good, [][2]float64{{0, 0}, {0, 0}}), "zero_denominator"},
		{"zero_variance", arms([][2]float64{{200, 100}, {400, 200}}, [][2]float64{{300, 150}, {200, 100}}), "zero_variance"},
		{"zero_baseline", arms([][2]float64{{0, 300}, {0, 200}}, good), "zero_baseline"},
		{"zero_numerator", arms(good, [][2]float64{{0, 300}, {0, 200}}), "zero_numerator"},
		{"negative", arms([][2]float64{{-1, 300}, {5, 200}}, good), "invalid_input"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := "select r.reason, r.p_value, r.ci_low, r.ci_high, r.lift_rel from (select experiment_compare(" + tc.units + ", 0.05, 0.1, 0.8) as r)"
			var reason sql.NullString
			var p, lo, hi, lift sql.NullFloat64
			if err := conn.QueryRowContext(context.Background(), q).Scan(&reason, &p, &lo, &hi, &lift); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			if reason.String != tc.reason || p.Valid || lo.Valid || hi.Valid || lift.Valid {
				t.Errorf("reason %q, p %v, ci %v %v, lift %v; want %q and NULLs", reason.String, p, lo, hi, lift, tc.reason)
			}
		})
	}
	for _, q := range []string{
		"select t_quantile(1.5, 3)",
		"select t_quantile(0.5, 0)",
		"select t_p_two_sided('nan'::double, 3)",
		"select normal_quantile(0)",
		"select chi2_sf(1, -1)",
		"select srm_exact_p([0, 0], [1, 1])",
		"select srm_exact_p([2.5, 3], [1, 1])",
		"select srm_exact_p([2, 3], [1, 0])",
		"select srm_exact_p([2, 3, 4], [1, 1])",
		"select experiment_compare(null, 0.05, 0.1, 0.8).p_value",
		"select p_adjust_holm(0.3, [0.1, 0.2])",
	} {
		t.Run(q, func(t *testing.T) {
			if got, ok := queryFloat(t, conn, q); ok {
				t.Errorf("%s = %v; want NULL", q, got)
			}
		})
	}
	// srm_exact_p: two arms binomial, three arms multinomial (scipy values in
	// randomisation_vectors.json: 5, 9, 4 against 1:1:1).
	if got, ok := queryFloat(t, conn, "select srm_exact_p([5, 9, 4], [1, 1, 1])"); !ok || !closeRel(got, 0.4190003926199159) {
		t.Errorf("srm_exact_p([5, 9, 4]) = %v (valid %v)", got, ok)
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
