package models

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
	"math"

	"github.com/marcboeker/go-duckdb"

	"github.com/postlive/postlive/experiments"
)

// scalarFunc is a DuckDB scalar function backed by a Go row function.
type scalarFunc struct {
	in  []duckdb.TypeInfo
	out duckdb.TypeInfo
	fn  func([]driver.Value) (any, error)
}

// Config implements duckdb.ScalarFunc.
func (f *scalarFunc) Config() duckdb.ScalarFuncConfig {
	return duckdb.ScalarFuncConfig{InputTypeInfos: f.in, ResultTypeInfo: f.out}
}

// Executor implements duckdb.ScalarFunc.
func (f *scalarFunc) Executor() duckdb.ScalarFuncExecutor {
	return duckdb.ScalarFuncExecutor{RowExecutor: f.fn}
}

// sqlFunction is one function to register: its name, argument and result
// types, and the row function.
type sqlFunction struct {
	name string
	args []duckdb.Type
	ret  duckdb.Type
	fn   func([]driver.Value) (any, error)
}

// listOfDouble stands for DOUBLE[] in sqlFunction.args.
const listOfDouble = duckdb.TYPE_LIST

// RegisterFunctions registers postlive's statistical SQL functions on the
// database behind conn. DuckDB keeps them in the database's catalog, so other
// connections to the same database see them too.
//
// Every argument is DOUBLE
// (DuckDB casts integers and decimals implicitly) unless it says LIST; a NULL
// argument gives NULL, and so does input for which the statistic is undefined
// — never NaN or Inf. ratio_reason says why.
//
// Distributions (gonum via package experiments):
//
//	normal_cdf(z)            Φ(z)
//	normal_quantile(p)       Φ⁻¹(p)
//	t_cdf(t, df)             P(T ≤ t)
//	t_sf(t, df)              P(T > t), one-sided survival
//	t_p_two_sided(t, df)     2·P(T > |t|)
//	t_quantile(p, df)        the p-quantile of T
//	chi2_sf(x, df)           P(X > x)
//
// Ratio metrics, from each arm's sufficient statistics: k streams, ΣM, ΣD,
// ΣM², ΣD², ΣM·D — the 12 arguments written ⟨A, B⟩ below are
// kA, sum_m_A, sum_d_A, sum_m2_A, sum_d2_A, sum_md_A, kB, …, sum_md_B with A
// the control and B the variant (experiments.Ratio):
//
//	ratio_lift_rel(⟨A, B⟩)                     R_B/R_A − 1
//	ratio_lift_se(⟨A, B⟩)                      its delta-method standard error
//	ratio_lift_p(⟨A, B⟩)                       its two-sided Welch-t p-value
//	ratio_lift_ci_low(⟨A, B⟩, alpha)           t-based interval for the relative lift
//	ratio_lift_ci_high(⟨A, B⟩, alpha)
//	ratio_lift_abs(⟨A, B⟩)                     R_B − R_A
//	ratio_lift_abs_p(⟨A, B⟩)                   its two-sided Welch-t p-value
//	ratio_lift_abs_ci_low(⟨A, B⟩, alpha)       t-based interval for R_B − R_A
//	ratio_lift_abs_ci_high(⟨A, B⟩, alpha)
//	ratio_df(⟨A, B⟩)                           Welch–Satterthwaite degrees of freedom
//	ratio_fieller_low(⟨A, B⟩, alpha)           Fieller interval for the relative lift
//	ratio_fieller_high(⟨A, B⟩, alpha)          (NULL when unbounded)
//	ratio_mde_rel(⟨A, B⟩, alpha, power)        relative lift detectable at the current streams
//	ratio_power(⟨A, B⟩, target_rel_lift, alpha) power to detect the target at the current streams
//	ratio_streams_needed(⟨A, B⟩, target_rel_lift, alpha, power)  streams per arm (rounded up)
//	ratio_cs_low(⟨A, B⟩, n_star, alpha)        always-valid confidence sequence for the
//	ratio_cs_high(⟨A, B⟩, n_star, alpha)       relative lift, tuned to n_star streams
//	ratio_cs_p(⟨A, B⟩, n_star, alpha)          and its always-valid p-value
//	ratio_reason(⟨A, B⟩)                       VARCHAR reason code, NULL when the lift is usable
//
// Other tests:
//
//	ratio_permutation_p(m_A LIST, d_A LIST, m_B LIST, d_B LIST)  randomisation p over
//	                         per-stream numerators and denominators (exact ≤ 10 per arm)
//	srm_p(n_A, n_B, weight_A, weight_B)   exact binomial sample-ratio p-value
//	p_adjust_holm(p, ps LIST)            p's Holm-adjusted value within the family ps
//	p_adjust_bh(p, ps LIST)              … Benjamini–Hochberg
//	p_adjust_bonferroni(p, ps LIST)      … Bonferroni
//
// The p_adjust functions are meant for a window, e.g.
// p_adjust_holm(p_value, list(p_value) over (partition by experiment_id)).
func RegisterFunctions(conn *sql.Conn) error {
	double, err := duckdb.NewTypeInfo(duckdb.TYPE_DOUBLE)
	if err != nil {
		return fmt.Errorf("register sql functions: %w", err)
	}
	varchar, err := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	if err != nil {
		return fmt.Errorf("register sql functions: %w", err)
	}
	list, err := duckdb.NewListInfo(double)
	if err != nil {
		return fmt.Errorf("register sql functions: %w", err)
	}
	info := func(t duckdb.Type) duckdb.TypeInfo {
		switch t {
		case duckdb.TYPE_VARCHAR:
			return varchar
		case listOfDouble:
			return list
		}
		return double
	}
	for _, f := range sqlFunctions() {
		in := make([]duckdb.TypeInfo, len(f.args))
		for i, a := range f.args {
			in[i] = info(a)
		}
		udf := &scalarFunc{in: in, out: info(f.ret), fn: f.fn}
		if err := duckdb.RegisterScalarUDF(conn, f.name, udf); err != nil {
			return fmt.Errorf("register sql function %s: %w", f.name, err)
		}
	}
	if err := registerTextFunctions(conn); err != nil {
		return err
	}
	return registerTimeFunctions(conn)
}

// doubles returns n DOUBLE argument types.
func doubles(n int) []duckdb.Type {
	out := make([]duckdb.Type, n)
	for i := range out {
		out[i] = duckdb.TYPE_DOUBLE
	}
	return out
}

// floats converts the row's DOUBLE arguments; ok is false when one is not a
// float64 (which DuckDB's implicit casts rule out) or NULL.
func floats(vs []driver.Value) ([]float64, bool) {
	out := make([]float64, len(vs))
	for i, v := range vs {
		f, ok := v.(float64)
		if !ok {
			return nil, false
		}
		out[i] = f
	}
	return out, true
}

// number returns x for SQL, or NULL when x is not finite or !ok.
func number(x float64, ok bool) any {
	if !ok || math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return x
}

// doubleFunc wraps a function of n DOUBLEs returning a DOUBLE.
func doubleFunc(name string, n int, fn func(x []float64) (float64, bool)) sqlFunction {
	return sqlFunction{name: name, args: doubles(n), ret: duckdb.TYPE_DOUBLE,
		fn: func(vs []driver.Value) (any, error) {
			x, ok := floats(vs)
			if !ok {
				return nil, nil
			}
			return number(fn(x)), nil
		}}
}

// count converts a DOUBLE stream count to int; ok is false unless it is a
// whole number in range.
func count(x float64) (int, bool) {
	if math.IsNaN(x) || x < 0 || x > 1<<40 || x != math.Trunc(x) {
		return 0, false
	}
	return int(x), true
}

// ratioArgs turns the 12 leading arguments into the two arms.
func ratioArgs(x []float64) (a, b experiments.RatioStat, ok bool) {
	ka, okA := count(x[0])
	kb, okB := count(x[6])
	if !okA || !okB {
		return a, b, false
	}
	a = experiments.RatioStat{K: ka, SumM: x[1], SumD: x[2], SumM2: x[3], SumD2: x[4], SumMD: x[5]}
	b = experiments.RatioStat{K: kb, SumM: x[7], SumD: x[8], SumM2: x[9], SumD2: x[10], SumMD: x[11]}
	return a, b, true
}

// ratioFunc wraps a function of the ratio result at level alpha (the
// argument after the 12 sufficient statistics when withAlpha, else 0.05).
func ratioFunc(name string, withAlpha bool, pick func(experiments.RatioResult) (float64, bool)) sqlFunction {
	n := 12
	if withAlpha {
		n = 13
	}
	return doubleFunc(name, n, func(x []float64) (float64, bool) {
		a, b, ok := ratioArgs(x)
		if !ok {
			return 0, false
		}
		alpha := 0.05
		if withAlpha {
			alpha = x[12]
		}
		return pick(experiments.Ratio(a, b, alpha))
	})
}

// testValue returns a value of t when t is usable.
func testValue(t experiments.Test, v float64) (float64, bool) {
	return v, t.Reason == experiments.OK
}

func sqlFunctions() []sqlFunction {
	fs := []sqlFunction{
		doubleFunc("normal_cdf", 1, func(x []float64) (float64, bool) { return experiments.NormalCDF(x[0]) }),
		doubleFunc("normal_quantile", 1, func(x []float64) (float64, bool) { return experiments.NormalQuantile(x[0]) }),
		doubleFunc("t_cdf", 2, func(x []float64) (float64, bool) { return experiments.TCDF(x[0], x[1]) }),
		doubleFunc("t_sf", 2, func(x []float64) (float64, bool) { return experiments.TSurvival(x[0], x[1]) }),
		doubleFunc("t_p_two_sided", 2, func(x []float64) (float64, bool) { return experiments.TPTwoSided(x[0], x[1]) }),
		doubleFunc("t_quantile", 2, func(x []float64) (float64, bool) { return experiments.TQuantile(x[0], x[1]) }),
		doubleFunc("chi2_sf", 2, func(x []float64) (float64, bool) { return experiments.ChiSquareSurvival(x[0], x[1]) }),

		ratioFunc("ratio_lift_rel", false, func(r experiments.RatioResult) (float64, bool) {
			return testValue(r.Relative, r.Relative.Estimate)
		}),
		ratioFunc("ratio_lift_se", false, func(r experiments.RatioResult) (float64, bool) {
			return testValue(r.Relative, r.Relative.SE)
		}),
		ratioFunc("ratio_lift_p", false, func(r experiments.RatioResult) (float64, bool) {
			return testValue(r.Relative, r.Relative.P)
		}),
		ratioFunc("ratio_lift_ci_low", true, func(r experiments.RatioResult) (float64, bool) {
			return testValue(r.Relative, r.Relative.CI.Low)
		}),
		ratioFunc("ratio_lift_ci_high", true, func(r experiments.RatioResult) (float64, bool) {
			return testValue(r.Relative, r.Relative.CI.High)
		}),
		ratioFunc("ratio_lift_abs", false, func(r experiments.RatioResult) (float64, bool) {
			return testValue(r.Absolute, r.Absolute.Estimate)
		}),
		ratioFunc("ratio_lift_abs_p", false, func(r experiments.RatioResult) (float64, bool) {
			return testValue(r.Absolute, r.Absolute.P)
		}),
		ratioFunc("ratio_lift_abs_ci_low", true, func(r experiments.RatioResult) (float64, bool) {
			return testValue(r.Absolute, r.Absolute.CI.Low)
		}),
		ratioFunc("ratio_lift_abs_ci_high", true, func(r experiments.RatioResult) (float64, bool) {
			return testValue(r.Absolute, r.Absolute.CI.High)
		}),
		ratioFunc("ratio_df", false, func(r experiments.RatioResult) (float64, bool) {
			return testValue(r.Absolute, r.DF)
		}),
		ratioFunc("ratio_fieller_low", true, func(r experiments.RatioResult) (float64, bool) {
			return r.Fieller.Low, r.FiellerReason == experiments.OK
		}),
		ratioFunc("ratio_fieller_high", true, func(r experiments.RatioResult) (float64, bool) {
			return r.Fieller.High, r.FiellerReason == experiments.OK
		}),
		doubleFunc("ratio_mde_rel", 14, func(x []float64) (float64, bool) {
			a, b, ok := ratioArgs(x)
			if !ok {
				return 0, false
			}
			// The target does not change the MDE; any non-zero one will do.
			p := experiments.PlanRatio(a, b, 0.1, x[12], x[13])
			return p.MDE, p.Reason == experiments.OK
		}),
		doubleFunc("ratio_power", 14, func(x []float64) (float64, bool) {
			a, b, ok := ratioArgs(x)
			if !ok {
				return 0, false
			}
			p := experiments.PlanRatio(a, b, x[12], x[13], 0.8)
			return p.Power, p.Reason == experiments.OK
		}),
		doubleFunc("ratio_streams_needed", 15, func(x []float64) (float64, bool) {
			a, b, ok := ratioArgs(x)
			if !ok {
				return 0, false
			}
			p := experiments.PlanRatio(a, b, x[12], x[13], x[14])
			return float64(p.StreamsPerArmCeil), p.Reason == experiments.OK
		}),
		{name: "ratio_reason", args: doubles(12), ret: duckdb.TYPE_VARCHAR,
			fn: func(vs []driver.Value) (any, error) {
				x, ok := floats(vs)
				if !ok {
					return nil, nil
				}
				a, b, ok := ratioArgs(x)
				if !ok {
					return string(experiments.ReasonInvalidInput), nil
				}
				if r := experiments.Ratio(a, b, 0.05).Reason; r != experiments.OK {
					return string(r), nil
				}
				return nil, nil
			}},
		{name: "ratio_permutation_p", args: []duckdb.Type{listOfDouble, listOfDouble, listOfDouble, listOfDouble},
			ret: duckdb.TYPE_DOUBLE, fn: permutationP},
		doubleFunc("srm_p", 4, func(x []float64) (float64, bool) {
			na, okA := count(x[0])
			nb, okB := count(x[1])
			if !okA || !okB {
				return 0, false
			}
			r := experiments.SRM([]int{na, nb}, []float64{x[2], x[3]})
			return r.ExactP, r.Reason == experiments.OK && r.HasExact
		}),
		adjustFunc("p_adjust_holm", experiments.Holm),
		adjustFunc("p_adjust_bh", experiments.BenjaminiHochberg),
		adjustFunc("p_adjust_bonferroni", experiments.Bonferroni),
	}
	for _, c := range []struct {
		name string
		pick func(experiments.Sequence) float64
	}{
		{"ratio_cs_low", func(s experiments.Sequence) float64 { return s.CI.Low }},
		{"ratio_cs_high", func(s experiments.Sequence) float64 { return s.CI.High }},
		{"ratio_cs_p", func(s experiments.Sequence) float64 { return s.P }},
	} {
		fs = append(fs, doubleFunc(c.name, 14, func(x []float64) (float64, bool) {
			a, b, ok := ratioArgs(x)
			if !ok {
				return 0, false
			}
			r := experiments.Ratio(a, b, x[13])
			if r.RelativeNormal.Reason != experiments.OK {
				return 0, false
			}
			s := experiments.ConfidenceSequence(r.RelativeNormal.Estimate, r.RelativeNormal.SE,
				float64(a.K+b.K), x[12], x[13])
			return c.pick(s), s.Reason == experiments.OK
		}))
	}
	return fs
}

// listFloats converts a DOUBLE[] argument; ok is false when it is not a list
// or holds a NULL.
func listFloats(v driver.Value) ([]float64, bool) {
	l, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]float64, len(l))
	for i, x := range l {
		if out[i], ok = x.(float64); !ok {
			return nil, false
		}
	}
	return out, true
}

// permutationP is ratio_permutation_p.
func permutationP(vs []driver.Value) (any, error) {
	var ls [4][]float64
	for i := range ls {
		var ok bool
		if ls[i], ok = listFloats(vs[i]); !ok {
			return nil, nil
		}
	}
	if len(ls[0]) != len(ls[1]) || len(ls[2]) != len(ls[3]) {
		return nil, nil
	}
	arm := func(m, d []float64) []experiments.Stream {
		out := make([]experiments.Stream, len(m))
		for i := range m {
			out[i] = experiments.Stream{M: m[i], D: d[i]}
		}
		return out
	}
	r := experiments.Permutation(arm(ls[0], ls[1]), arm(ls[2], ls[3]), experiments.PermutationOptions{})
	return number(r.P, r.Reason == experiments.OK), nil
}

// adjustFunc wraps a p-value adjustment as f(p, ps): p's adjusted value
// within the family ps (NULL elements of ps are left out; NULL when p is not
// in ps).
func adjustFunc(name string, adjust func([]float64) []float64) sqlFunction {
	return sqlFunction{name: name, args: []duckdb.Type{duckdb.TYPE_DOUBLE, listOfDouble}, ret: duckdb.TYPE_DOUBLE,
		fn: func(vs []driver.Value) (any, error) {
			p, ok := vs[0].(float64)
			l, okL := vs[1].([]any)
			if !ok || !okL {
				return nil, nil
			}
			family := make([]float64, 0, len(l))
			for _, v := range l {
				if f, ok := v.(float64); ok {
					family = append(family, f)
				}
			}
			adj := adjust(family)
			for i, f := range family {
				if f == p {
					return number(adj[i], true), nil
				}
			}
			return nil, nil
		}}
}
