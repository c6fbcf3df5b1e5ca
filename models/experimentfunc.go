package models

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
	"math"

	"github.com/marcboeker/go-duckdb"

	"github.com/postlive/postlive/experiments"
)

// comparisonField is one field of the STRUCT that experiment_compare returns.
type comparisonField struct {
	name string
	typ  duckdb.Type
}

// comparisonFields are the named results of one comparison, in the order of
// the STRUCT (docs/statistics.md § experiment_results explains each).
var comparisonFields = []comparisonField{
	{"reason", duckdb.TYPE_VARCHAR},
	{"method", duckdb.TYPE_VARCHAR},
	{"blocks", duckdb.TYPE_BIGINT},
	{"streams_used", duckdb.TYPE_BIGINT},
	{"lift_rel", duckdb.TYPE_DOUBLE},
	{"lift_rel_unadjusted", duckdb.TYPE_DOUBLE},
	{"log_ratio", duckdb.TYPE_DOUBLE},
	{"log_ratio_se", duckdb.TYPE_DOUBLE},
	{"statistic", duckdb.TYPE_DOUBLE},
	{"df", duckdb.TYPE_DOUBLE},
	{"p_value", duckdb.TYPE_DOUBLE},
	{"p_value_exact", duckdb.TYPE_BOOLEAN},
	{"assignments", duckdb.TYPE_BIGINT},
	{"p_value_mcse", duckdb.TYPE_DOUBLE},
	{"ci_low", duckdb.TYPE_DOUBLE},
	{"ci_high", duckdb.TYPE_DOUBLE},
	{"variance_reduction", duckdb.TYPE_DOUBLE},
	{"lift_abs", duckdb.TYPE_DOUBLE},
	{"lift_abs_ci_low", duckdb.TYPE_DOUBLE},
	{"lift_abs_ci_high", duckdb.TYPE_DOUBLE},
	{"welch_lift_rel_se", duckdb.TYPE_DOUBLE},
	{"welch_df", duckdb.TYPE_DOUBLE},
	{"welch_p_value", duckdb.TYPE_DOUBLE},
	{"welch_ci_low", duckdb.TYPE_DOUBLE},
	{"welch_ci_high", duckdb.TYPE_DOUBLE},
	{"fieller_low", duckdb.TYPE_DOUBLE},
	{"fieller_high", duckdb.TYPE_DOUBLE},
	{"power", duckdb.TYPE_DOUBLE},
	{"mde_rel", duckdb.TYPE_DOUBLE},
	{"streams_needed", duckdb.TYPE_BIGINT},
	{"streams_needed_low", duckdb.TYPE_BIGINT},
	{"streams_needed_high", duckdb.TYPE_BIGINT},
}

// unitFields are the fields of one element of experiment_compare's list.
var unitFields = []comparisonField{
	{"is_variant", duckdb.TYPE_BOOLEAN},
	{"host", duckdb.TYPE_VARCHAR},
	{"numerator", duckdb.TYPE_DOUBLE},
	{"denominator", duckdb.TYPE_DOUBLE},
	{"pre_numerator", duckdb.TYPE_DOUBLE},
	{"pre_denominator", duckdb.TYPE_DOUBLE},
	{"planned", duckdb.TYPE_BOOLEAN},
}

// structInfo builds a STRUCT type from fields.
func structInfo(fields []comparisonField) (duckdb.TypeInfo, error) {
	entries := make([]duckdb.StructEntry, len(fields))
	for i, f := range fields {
		t, err := duckdb.NewTypeInfo(f.typ)
		if err != nil {
			return nil, err
		}
		if entries[i], err = duckdb.NewStructEntry(t, f.name); err != nil {
			return nil, err
		}
	}
	return duckdb.NewStructInfo(entries[0], entries[1:]...)
}

// registerExperimentFunctions registers
//
//	experiment_compare(units, alpha, target_lift_rel, target_power) → STRUCT
//
// which analyses one comparison of experiment_results: units is the list of
// the two arms' streams, {is_variant, host, numerator, denominator,
// pre_numerator, pre_denominator, planned} (experiment_units; host is the
// unit's block, planned says it is a plan's block), and the result's
// named fields are the randomisation analysis (experiments.Analyse: method,
// p_value, ci_low, ci_high, …), the delta-method Welch figures
// (experiments.Ratio: welch_*, lift_abs*, fieller_*) and the plan
// (experiments.PlanLog: power, mde_rel, streams_needed*). A field is NULL
// when its statistic is undefined; reason says why there is no result.
//
// With a memo, a call whose arguments were analysed before is answered from
// it (models/memo.go).
func registerExperimentFunctions(conn *sql.Conn, m *memo) error {
	compare := func(vs []driver.Value) (any, error) {
		return m.call("experiment_compare", comparisonFields, vs, experimentCompare)
	}
	return registerListFunction(conn, "experiment_compare", unitFields, comparisonFields, 0, 3, compare)
}

// registerListFunction registers the scalar SQL function name whose
// arguments are doublesBefore DOUBLEs, a LIST of STRUCTs with the fields
// in, then doublesAfter DOUBLEs, and whose result is a STRUCT with the
// fields out.
func registerListFunction(conn *sql.Conn, name string, in, out []comparisonField, doublesBefore, doublesAfter int, fn func([]driver.Value) (any, error)) error {
	elem, err := structInfo(in)
	if err != nil {
		return fmt.Errorf("register %s: %w", name, err)
	}
	list, err := duckdb.NewListInfo(elem)
	if err != nil {
		return fmt.Errorf("register %s: %w", name, err)
	}
	result, err := structInfo(out)
	if err != nil {
		return fmt.Errorf("register %s: %w", name, err)
	}
	double, err := duckdb.NewTypeInfo(duckdb.TYPE_DOUBLE)
	if err != nil {
		return fmt.Errorf("register %s: %w", name, err)
	}
	args := make([]duckdb.TypeInfo, 0, doublesBefore+1+doublesAfter)
	for range doublesBefore {
		args = append(args, double)
	}
	args = append(args, list)
	for range doublesAfter {
		args = append(args, double)
	}
	f := &scalarFunc{in: args, out: result, fn: fn}
	if err := duckdb.RegisterScalarUDF(conn, name, f); err != nil {
		return fmt.Errorf("register sql function %s: %w", name, err)
	}
	return nil
}

// experimentCompare is experiment_compare.
func experimentCompare(vs []driver.Value) (any, error) {
	l, ok := vs[0].([]any)
	alpha, okA := vs[1].(float64)
	target, okT := vs[2].(float64)
	power, okP := vs[3].(float64)
	if !ok || !okA || !okT || !okP {
		return nil, nil
	}
	units := make([]experiments.Unit, 0, len(l))
	var a, b experiments.RatioStat
	planned := false
	for _, x := range l {
		m, ok := x.(map[string]any)
		if !ok {
			return nil, nil
		}
		u := experiments.Unit{}
		u.Variant, _ = m["is_variant"].(bool)
		u.Host, _ = m["host"].(string)
		u.M, _ = m["numerator"].(float64)
		u.D, _ = m["denominator"].(float64)
		u.PreM, _ = m["pre_numerator"].(float64)
		u.PreD, _ = m["pre_denominator"].(float64)
		if p, _ := m["planned"].(bool); p {
			planned = true
		}
		units = append(units, u)
		s := &a
		if u.Variant {
			s = &b
		}
		s.K++
		s.SumM += u.M
		s.SumD += u.D
		s.SumM2 += u.M * u.M
		s.SumD2 += u.D * u.D
		s.SumMD += u.M * u.D
	}
	return comparisonRow(units, a, b, alpha, target, power, planned), nil
}

// comparisonRow computes the named results of one comparison; planned:
// the units' hosts are the blocks of a pre-registered plan, which the
// analysis re-randomises within (experiments.AnalysisOptions.PlanBlocks).
func comparisonRow(units []experiments.Unit, a, b experiments.RatioStat, alpha, target, power float64, planned bool) map[string]any {
	row := make(map[string]any, len(comparisonFields))
	for _, f := range comparisonFields {
		row[f.name] = nil
	}
	r := experiments.Ratio(a, b, alpha)
	if r.Absolute.Reason == experiments.OK {
		row["lift_abs"] = r.Absolute.Estimate
		row["lift_abs_ci_low"] = r.Absolute.CI.Low
		row["lift_abs_ci_high"] = r.Absolute.CI.High
	}
	if r.Relative.Reason == experiments.OK {
		row["lift_rel_unadjusted"] = r.Relative.Estimate
		row["welch_lift_rel_se"] = r.Relative.SE
		row["welch_df"] = r.DF
		row["welch_p_value"] = r.Relative.P
		row["welch_ci_low"] = r.Relative.CI.Low
		row["welch_ci_high"] = r.Relative.CI.High
	}
	if r.FiellerTReason == experiments.OK {
		row["fieller_low"] = r.FiellerT.Low
		row["fieller_high"] = r.FiellerT.High
	}
	opt := experiments.AnalysisOptions{Alpha: alpha, PlanBlocks: planned}
	an := experiments.Analyse(units, opt)
	if an.Reason != experiments.OK {
		row["reason"] = string(an.Reason)
		return row
	}
	row["method"] = an.Method
	row["blocks"] = int64(an.Blocks)
	row["streams_used"] = int64(an.StreamsUsed)
	row["lift_rel"] = an.Lift
	row["log_ratio"] = an.LogRatio
	row["log_ratio_se"] = an.SE
	row["statistic"] = an.Stat
	row["df"] = an.DF
	row["p_value"] = an.P
	row["p_value_exact"] = an.Exact
	row["assignments"] = int64(an.Assignments)
	row["p_value_mcse"] = an.MCSE
	// An open side: the lower bound is −100 %, an open upper bound NULL.
	if !opt.NoInterval {
		row["ci_low"] = an.CI.Low
		if !math.IsInf(an.CI.High, 1) {
			row["ci_high"] = an.CI.High
		}
	}
	if an.Method == experiments.MethodCUPED {
		row["variance_reduction"] = an.VarianceReduction
	}
	kA, kB := a.K, b.K
	if an.Method == experiments.MethodBlocked {
		kA, kB = an.ArmStreams[0], an.ArmStreams[1]
	}
	if p := experiments.PlanLog(an, kA, kB, target, alpha, power); p.Reason == experiments.OK {
		row["power"] = p.Power
		row["mde_rel"] = p.MDE
		row["streams_needed"] = int64(p.StreamsNeeded)
		row["streams_needed_low"] = int64(p.StreamsLow)
		row["streams_needed_high"] = int64(p.StreamsHigh)
	}
	return row
}
