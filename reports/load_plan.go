package reports

import (
	"context"
	"database/sql"
)

// expPlan is a planned experiment's pre-registration and how its streams
// fared (experiment_plan_adherence, experiment_deviations).
type expPlan struct {
	PlannedAt, Hash, BlockBy, PrimaryMetric string
	Edited                                  bool
	Seed                                    int64
	Alpha, MinEffect                        float64
	Arms                                    []planArm
	Deviations                              []planDeviation
}

type planArm struct {
	Variant                                           string
	Weight                                            float64
	Planned, AsPlanned, Other, Missing, ToCome, Extra int64
}

type planDeviation struct {
	StreamID, Kind, Detail string
}

// loadPlans adds each planned experiment's plan (when the warehouse has the
// marts: one built before postlive plan has not).
func (w *warehouse) loadPlans(ctx context.Context, db *sql.DB) error {
	for _, t := range []string{"experiment_plan_adherence", "experiment_deviations"} {
		ok, err := tableExists(ctx, db, t)
		if err != nil || !ok {
			return err
		}
	}
	err := queryEach(ctx, db, "experiment_plan_adherence", `
select cast(experiment_id as varchar), cast(variant as varchar), cast(weight as double),
    cast(planned_streams as bigint), cast(ran_as_planned as bigint), cast(other_variant as bigint),
    cast(missing as bigint), cast(to_come as bigint), cast(extra as bigint),
    strftime(planned_at, '%Y-%m-%d %H:%M'), coalesce(cast(plan_sha256 as varchar), ''), cast(is_edited as boolean),
    replace(cast(block_by as varchar), ',', ' × '), cast(seed as bigint), cast(primary_metric as varchar),
    cast(alpha as double), cast(min_effect as double)
from experiment_plan_adherence
order by experiment_id, arm_order`, func(r *sql.Rows) error {
		var id string
		var a planArm
		var p expPlan
		if err := r.Scan(&id, &a.Variant, &a.Weight, &a.Planned, &a.AsPlanned, &a.Other, &a.Missing, &a.ToCome, &a.Extra,
			&p.PlannedAt, &p.Hash, &p.Edited, &p.BlockBy, &p.Seed, &p.PrimaryMetric, &p.Alpha, &p.MinEffect); err != nil {
			return err
		}
		e := w.experiment(id)
		if e == nil {
			return nil
		}
		if e.Plan == nil {
			e.Plan = &p
		}
		e.Plan.Arms = append(e.Plan.Arms, a)
		return nil
	})
	if err != nil {
		return err
	}
	return queryEach(ctx, db, "experiment_deviations", `
select cast(experiment_id as varchar), cast(stream_id as varchar), cast(deviation as varchar), cast(detail as varchar)
from experiment_deviations
order by experiment_id, deviation, stream_id`, func(r *sql.Rows) error {
		var id string
		var d planDeviation
		if err := r.Scan(&id, &d.StreamID, &d.Kind, &d.Detail); err != nil {
			return err
		}
		if e := w.experiment(id); e != nil && e.Plan != nil {
			e.Plan.Deviations = append(e.Plan.Deviations, d)
		}
		return nil
	})
}
