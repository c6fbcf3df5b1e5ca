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
// Experiments (one call per comparison, named fields; see
// registerExperimentFunctions):
//
//	experiment_compare(units LIST, alpha, target_lift_rel, target_power)  STRUCT
//	srm_exact_p(counts LIST, weights LIST)  exact sample-ratio p-value of the arms'
//	                         stream counts against the planned weights (binomial
//	                         for two arms, multinomial for more)
//	p_adjust_holm(p, ps LIST)            p's Holm-adjusted value within the family ps
//	p_adjust_bh(p, ps LIST)              … Benjamini–Hochberg
//	p_adjust_bonferroni(p, ps LIST)      … Bonferroni
//
// The p_adjust functions are meant for a window, e.g.
// p_adjust_holm(p_value, list(p_value) over (partition by experiment_id)).
func RegisterFunctions(conn *sql.Conn) error { return registerFunctions(conn, nil) }

// registerFunctions registers the functions; experiment_compare answers
// from m where it can (nil: it computes every call).
func registerFunctions(conn *sql.Conn, m *memo) error {
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
	if err := registerExperimentFunctions(conn, m); err != nil {
		return err
	}
	if err := registerDecisionFunction(conn); err != nil {
		return err
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

func sqlFunctions() []sqlFunction {
	fs := []sqlFunction{
		doubleFunc("normal_cdf", 1, func(x []float64) (float64, bool) { return experiments.NormalCDF(x[0]) }),
		doubleFunc("normal_quantile", 1, func(x []float64) (float64, bool) { return experiments.NormalQuantile(x[0]) }),
		doubleFunc("t_cdf", 2, func(x []float64) (float64, bool) { return experiments.TCDF(x[0], x[1]) }),
		doubleFunc("t_sf", 2, func(x []float64) (float64, bool) { return experiments.TSurvival(x[0], x[1]) }),
		doubleFunc("t_p_two_sided", 2, func(x []float64) (float64, bool) { return experiments.TPTwoSided(x[0], x[1]) }),
		doubleFunc("t_quantile", 2, func(x []float64) (float64, bool) { return experiments.TQuantile(x[0], x[1]) }),
		doubleFunc("chi2_sf", 2, func(x []float64) (float64, bool) { return experiments.ChiSquareSurvival(x[0], x[1]) }),

		{name: "srm_exact_p", args: []duckdb.Type{listOfDouble, listOfDouble}, ret: duckdb.TYPE_DOUBLE, fn: srmExactP},
		adjustFunc("p_adjust_holm", experiments.Holm),
		adjustFunc("p_adjust_bh", experiments.BenjaminiHochberg),
		adjustFunc("p_adjust_bonferroni", experiments.Bonferroni),
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

// srmExactP is srm_exact_p: NULL unless the counts are whole, the weights
// positive and the exact test could be enumerated.
func srmExactP(vs []driver.Value) (any, error) {
	counts, ok := listFloats(vs[0])
	weights, okW := listFloats(vs[1])
	if !ok || !okW || len(counts) != len(weights) {
		return nil, nil
	}
	n := make([]int, len(counts))
	for i, c := range counts {
		if n[i], ok = count(c); !ok {
			return nil, nil
		}
	}
	r := experiments.SRM(n, weights)
	return number(r.ExactP, r.Reason == experiments.OK && r.HasExact), nil
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
