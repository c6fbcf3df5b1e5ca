package reports

import (
	"context"
	"database/sql"
	"fmt"
)

// The queries below only select, cast and sort mart columns: every metric is
// computed by the SQL models (sql/marts), the reports present them. Numbers are
// cast to DOUBLE (money is DECIMAL(18,2), exact in a double at these sizes) and
// text to VARCHAR so the report does not depend on the exact integer widths.

type expRow struct {
	ExperimentID, TestedVariable, Metric, Variant, Control, Method, Warning string
	Streams, Numerator, Denominator, Value, LiftAbs, LiftRel                sql.NullFloat64
	CILow, CIHigh, PValue, PValueAdjusted, MDERel, StreamsNeeded            sql.NullFloat64
	Significant                                                             sql.NullBool

	// Optional columns: NULL when experiment_results does not have them.
	ControlStreams, ControlValue, Alpha, Power, TargetLiftRel, NeedLow, NeedHigh sql.NullFloat64
	IsPrimary                                                                    sql.NullBool

	// The Bayesian decision (optional columns too).
	Decision Decision
}

type experiment struct {
	ID, TestedVariable, Control string
	Rows                        []expRow
	Streams                     []*stream
	Plan                        *expPlan // nil: not planned with postlive plan
}

type warehouse struct {
	streams       []*stream
	streamTotals  []streamTotal
	byID          map[string]*stream
	experiments   []*experiment
	merchants     []*merchant
	hasExp        bool
	hasCompliance bool
	// hasCommission: commission_totals and commission_reconciliation exist;
	// hasLeaks: coupon_leaks; hasHistory: order_status_history.
	hasCommission, hasLeaks, hasHistory bool
	// partCols caches the columns of the streamParts' tables (nil: an
	// optional table the warehouse does not have).
	partCols map[string]map[string]bool
}

func experimentQuery(has map[string]bool) string {
	opt := func(col, typ string) string {
		if has[col] {
			return "cast(" + col + " as " + typ + ")"
		}
		return "cast(null as " + typ + ")"
	}
	// the warnings one per element, split on the unit separator (a
	// warning's own text may hold "; "); a mart without the list has only
	// the joined warning
	warnings := `coalesce(array_to_string(warnings, chr(31)), '')`
	if !has["warnings"] {
		warnings = `coalesce(replace(cast(warning as varchar), '; ', chr(31)), '')`
	}
	// whether the streams bound the lift (DecisionSentence); unknown
	// without likelihood_se
	bounded := `cast(null as boolean)`
	if has["likelihood_se"] {
		bounded = `likelihood_se is not null`
	}
	return `
select cast(experiment_id as varchar), coalesce(cast(tested_variable as varchar), ''), cast(metric as varchar),
    cast(variant as varchar), coalesce(cast(control as varchar), ''), coalesce(cast(method as varchar), ''),
    ` + warnings + `,
    cast(streams as double), cast(numerator as double), cast(denominator as double), cast(value as double),
    cast(lift_abs as double), cast(lift_rel as double), cast(ci_low as double), cast(ci_high as double),
    cast(p_value as double), cast(p_value_adjusted as double), cast(mde_rel as double),
    cast(streams_needed as double), cast(significant as boolean),
    ` + opt("control_streams", "double") + `, ` + opt("control_value", "double") + `, ` + opt("alpha", "double") + `,
    ` + opt("power", "double") + `, ` + opt("target_lift_rel", "double") + `, ` + opt("streams_needed_low", "double") + `,
    ` + opt("streams_needed_high", "double") + `, ` + opt("is_primary", "boolean") + `,
    ` + opt("reason", "varchar") + `, ` + opt("chance_to_beat_control", "double") + `,
    ` + opt("expected_loss_variant", "double") + `, ` + opt("expected_loss_control", "double") + `,
    ` + opt("expected_loss_variant_per_stream", "double") + `, ` + opt("expected_loss_control_per_stream", "double") + `,
    ` + opt("prior_source", "varchar") + `, ` + opt("prior_sd", "double") + `, ` + opt("prior_experiments", "double") + `,
    ` + bounded + `
from experiment_results
order by experiment_id,
    case metric when 'rpv' then 0 when 'cvr_click' then 1 when 'ctr' then 2 when 'aov' then 3 else 4 end,
    metric, variant`
}

func tableColumns(ctx context.Context, db *sql.DB, table string) (map[string]bool, error) {
	rows, err := db.QueryContext(ctx, `select column_name from information_schema.columns
        where table_catalog = current_database() and table_schema = current_schema() and table_name = ?`, table)
	if err != nil {
		return nil, fmt.Errorf("look up columns of %s: %w", table, err)
	}
	defer rows.Close()
	has := map[string]bool{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		has[c] = true
	}
	return has, rows.Err()
}

func tableExists(ctx context.Context, db *sql.DB, name string) (bool, error) {
	var n int
	err := db.QueryRowContext(ctx,
		`select count(*) from information_schema.tables
        where table_catalog = current_database() and table_schema = current_schema() and table_name = ?`, name).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("look up table %s: %w", name, err)
	}
	return n > 0, nil
}

func queryEach(ctx context.Context, db *sql.DB, what, q string, scan func(*sql.Rows) error, args ...any) error {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("read %s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return fmt.Errorf("read %s: %w", what, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read %s: %w", what, err)
	}
	return nil
}

// load reads the marts; with parts, also every stream's streamParts
// (without, only their digests: loadParts reads them for the streams a
// caller renders).
func load(ctx context.Context, db *sql.DB, parts bool) (*warehouse, error) {
	for _, t := range []string{"stream_kpis", "stream_baselines", "stream_minute", "drop_performance", "coupon_reconciliation"} {
		ok, err := tableExists(ctx, db, t)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("mart %s is missing from the warehouse; run `postlive build` first", t)
		}
	}
	w := &warehouse{byID: map[string]*stream{}}
	drops, err := w.loadStreams(ctx, db)
	if err != nil {
		return nil, err
	}
	if err := w.loadMerchants(ctx, db, drops); err != nil {
		return nil, err
	}
	if err := w.loadExperiments(ctx, db); err != nil {
		return nil, err
	}
	if err := w.loadPlans(ctx, db); err != nil {
		return nil, err
	}
	if parts {
		if err := w.loadParts(ctx, db, nil); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// loadExperiments reads experiment_results, when the warehouse has it, into
// one experiment per experiment id with the streams of its arms.
func (w *warehouse) loadExperiments(ctx context.Context, db *sql.DB) error {
	var err error
	w.hasExp, err = tableExists(ctx, db, "experiment_results")
	if err != nil {
		return err
	}
	if w.hasExp {
		has, err := tableColumns(ctx, db, "experiment_results")
		if err != nil {
			return err
		}
		byExp := map[string]*experiment{}
		err = queryEach(ctx, db, "experiment_results", experimentQuery(has), func(r *sql.Rows) error {
			var x expRow
			if err := r.Scan(&x.ExperimentID, &x.TestedVariable, &x.Metric, &x.Variant, &x.Control, &x.Method,
				&x.Warning, &x.Streams, &x.Numerator, &x.Denominator, &x.Value, &x.LiftAbs, &x.LiftRel,
				&x.CILow, &x.CIHigh, &x.PValue, &x.PValueAdjusted, &x.MDERel, &x.StreamsNeeded,
				&x.Significant, &x.ControlStreams, &x.ControlValue, &x.Alpha, &x.Power, &x.TargetLiftRel,
				&x.NeedLow, &x.NeedHigh, &x.IsPrimary, &x.Decision.Reason, &x.Decision.Chance,
				&x.Decision.LossVariant, &x.Decision.LossControl, &x.Decision.LossVariantPerStream,
				&x.Decision.LossControlPerStream, &x.Decision.PriorSource, &x.Decision.PriorSD,
				&x.Decision.PriorExperiments, &x.Decision.Bounded); err != nil {
				return err
			}
			x.Decision.Metric, x.Decision.Variant, x.Decision.Control = x.Metric, x.Variant, x.Control
			x.Decision.Streams, x.Decision.ControlStreams, x.Decision.StreamsNeeded = x.Streams, x.ControlStreams, x.StreamsNeeded
			e := byExp[x.ExperimentID]
			if e == nil {
				e = &experiment{ID: x.ExperimentID, TestedVariable: x.TestedVariable, Control: x.Control}
				byExp[x.ExperimentID] = e
				w.experiments = append(w.experiments, e)
			}
			e.Rows = append(e.Rows, x)
			return nil
		})
		if err != nil {
			return err
		}
		for _, s := range w.streams {
			if e := byExp[s.ExperimentID]; e != nil {
				e.Streams = append(e.Streams, s)
			}
		}
	}
	return nil
}

func (w *warehouse) experiment(id string) *experiment {
	for _, e := range w.experiments {
		if e.ID == id {
			return e
		}
	}
	return nil
}
