package reports

import (
	"context"
	"database/sql"
	"fmt"
)

type stream struct {
	ID, Affiliate, Host, Merchant, Platform, Title, Timezone     string
	ExperimentID, Variant, TestedVariable, ViewerBasis, Currency string

	StartedAt, EndedAt sql.NullTime

	DurationMin, Viewers, PeakConcurrent, AvgConcurrent                 sql.NullFloat64
	Clicks, ClicksDuring, CTR, Orders, OrdersDuring, OrdersAfter        sql.NullFloat64
	Revenue, RevenueDuring, RevenueAfter, CVRClick, CVRViewer, RPV, AOV sql.NullFloat64
	AdSpend, CPA, ROAS, Commission, NewCustomerShare                    sql.NullFloat64
	// RevenueTimingUnknown is revenue of orders known only by their day
	// that cannot be put before or after the stream's end (in neither side
	// of the split); RevenueDayGrained all day-grained revenue (stream_kpis,
	// docs/metrics.md § Orders of a whole day).
	RevenueTimingUnknown, RevenueDayGrained sql.NullFloat64

	// Tier and Followers come from stream_kpis.follower_tier and followers
	// when the mart has them.
	Tier      string
	Followers sql.NullFloat64

	// Baselines, Minutes and Compliance are the stream's rows of the
	// streamParts: loaded for the streams whose pages are rendered (all,
	// but in a night). Digests holds, by part, DuckDB's hash of those rows
	// for every stream; it stands for them in the page's inputs.
	Baselines  map[string]baseline `hash:"-"`
	Minutes    []minute            `hash:"-"`
	Compliance []complianceCheck   `hash:"-"`
	Digests    map[string]string
	Drops      []drop
}

// complianceCheck is one row of stream_compliance.
type complianceCheck struct {
	Check, Status, Detail string
}

// baseline is one row of stream_baselines: a KPI against the host's
// earlier streams on the same platform.
type baseline struct {
	Value, Baseline, ChangeAbs, ChangeRel sql.NullFloat64
	Streams                               int64
	Comparison                            string // similar_length, same_platform or ""
	UsualLow, UsualHigh                   sql.NullFloat64
	Flag                                  string // above, below, within, too_few, no_value
	// MinStreams is how many earlier streams stream_baselines needs before
	// it flags anything (its min_streams: the rule lives in the SQL only).
	MinStreams sql.NullInt64
}

type minute struct {
	Minute                                       int64
	At                                           sql.NullTime
	Viewers, Likes, Comments, Shares, Engagement sql.NullFloat64
	Clicks, Orders, Revenue                      sql.NullFloat64
	InDrop, IsPeak                               bool
	// DurationS is the seconds the minute covers: under 60 for a last
	// minute cut at ended_at (NULL when the mart has no duration_s)
	DurationS sql.NullFloat64
}

type drop struct {
	ID, StreamID, CouponCode                        string
	StartsAt, EndsAt, SoldOutAt                     sql.NullTime
	QuantityLimit, RedemptionsInWindow, SellThrough sql.NullFloat64
	BeforeWindow, AfterWindow, OverQuantity, Bonus  sql.NullFloat64
	RevenueInWindow                                 sql.NullFloat64
}

func streamKPIsQuery(has map[string]bool) string {
	opt := func(col string) string {
		if has[col] {
			return "cast(" + col + " as double)"
		}
		return "cast(null as double)"
	}
	return `
select
    cast(stream_id as varchar), coalesce(cast(affiliate_id as varchar), ''), coalesce(cast(host as varchar), ''),
    coalesce(cast(merchant_id as varchar), ''), coalesce(cast(platform as varchar), ''), coalesce(cast(title as varchar), ''),
    coalesce(cast(timezone as varchar), ''), coalesce(cast(experiment_id as varchar), ''), coalesce(cast(variant as varchar), ''),
    coalesce(cast(tested_variable as varchar), ''), coalesce(cast(viewer_basis as varchar), ''), coalesce(cast(currency as varchar), ''),
    cast(started_at as timestamp), cast(ended_at as timestamp),
    cast(duration_min as double), cast(viewers as double), cast(peak_concurrent as double), cast(avg_concurrent as double),
    cast(clicks as double), cast(clicks_during as double), cast(ctr as double),
    cast(orders as double), cast(orders_during as double), cast(orders_after as double),
    cast(revenue as double), cast(revenue_during as double), cast(revenue_after as double),
    cast(cvr_click as double), cast(cvr_viewer as double), cast(rpv as double), cast(aov as double),
    cast(ad_spend as double), cast(cpa as double), cast(roas as double), cast(commission as double),
    cast(new_customer_share as double), ` + opt("revenue_timing_unknown") + `, ` + opt("revenue_day_grained") + `
from stream_kpis
order by started_at, stream_id`
}

const tierQuery = `
select cast(stream_id as varchar), coalesce(cast(follower_tier as varchar), ''), cast(followers as double)
from stream_kpis`

const dropsQuery = `
select cast(drop_id as varchar), cast(stream_id as varchar), coalesce(cast(coupon_code as varchar), ''),
    cast(starts_at as timestamp), cast(ends_at as timestamp), cast(sold_out_at as timestamp),
    cast(quantity_limit as double), cast(redemptions_in_window as double), cast(sell_through as double),
    cast(before_window as double), cast(after_window as double), cast(over_quantity as double),
    cast(bonus_awarded as double), cast(revenue_in_window as double)
from drop_performance
order by stream_id, starts_at, drop_id`

// reconciliationQuery selects the contract columns of coupon_reconciliation
// and, where the table has them, the commission reason, status dates and leak

// streamTotal is one row of the index's totals: the streams of a currency,
// their viewers, orders and revenue summed (sums and counts only, no ratios).
type streamTotal struct {
	Currency                 string
	Streams                  int64
	Viewers, Orders, Revenue sql.NullFloat64
}

const streamTotalsQuery = `
select coalesce(cast(currency as varchar), ''), count(*), cast(sum(viewers) as double), cast(sum(orders) as double),
    cast(sum(revenue) as double)
from stream_kpis
group by 1
order by 1`

// loadStreams reads stream_kpis with its tiers, compliance checks, baselines,
// minutes and drops into w; it returns every drop of drop_performance.
func (w *warehouse) loadStreams(ctx context.Context, db *sql.DB) ([]drop, error) {
	has, err := tableColumns(ctx, db, "stream_kpis")
	if err != nil {
		return nil, err
	}
	err = queryEach(ctx, db, "stream_kpis", streamKPIsQuery(has), func(r *sql.Rows) error {
		s := &stream{Baselines: map[string]baseline{}}
		err := r.Scan(&s.ID, &s.Affiliate, &s.Host, &s.Merchant, &s.Platform, &s.Title, &s.Timezone,
			&s.ExperimentID, &s.Variant, &s.TestedVariable, &s.ViewerBasis, &s.Currency,
			&s.StartedAt, &s.EndedAt,
			&s.DurationMin, &s.Viewers, &s.PeakConcurrent, &s.AvgConcurrent,
			&s.Clicks, &s.ClicksDuring, &s.CTR, &s.Orders, &s.OrdersDuring, &s.OrdersAfter,
			&s.Revenue, &s.RevenueDuring, &s.RevenueAfter, &s.CVRClick, &s.CVRViewer, &s.RPV, &s.AOV,
			&s.AdSpend, &s.CPA, &s.ROAS, &s.Commission, &s.NewCustomerShare,
			&s.RevenueTimingUnknown, &s.RevenueDayGrained)
		if err != nil {
			return err
		}
		if _, dup := w.byID[s.ID]; dup {
			return fmt.Errorf("stream_kpis has stream_id %q twice", s.ID)
		}
		w.byID[s.ID] = s
		w.streams = append(w.streams, s)
		return nil
	})
	if err != nil {
		return nil, err
	}
	kpiCols, err := tableColumns(ctx, db, "stream_kpis")
	if err != nil {
		return nil, err
	}
	if kpiCols["follower_tier"] && kpiCols["followers"] {
		err = queryEach(ctx, db, "stream_kpis tiers", tierQuery, func(r *sql.Rows) error {
			var id, tier string
			var followers sql.NullFloat64
			if err := r.Scan(&id, &tier, &followers); err != nil {
				return err
			}
			if s := w.byID[id]; s != nil {
				s.Tier, s.Followers = tier, followers
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if w.hasCompliance, err = tableExists(ctx, db, "stream_compliance"); err != nil {
		return nil, err
	}
	if err := w.digestParts(ctx, db); err != nil {
		return nil, err
	}
	var drops []drop
	err = queryEach(ctx, db, "drop_performance", dropsQuery, func(r *sql.Rows) error {
		var d drop
		if err := r.Scan(&d.ID, &d.StreamID, &d.CouponCode, &d.StartsAt, &d.EndsAt, &d.SoldOutAt,
			&d.QuantityLimit, &d.RedemptionsInWindow, &d.SellThrough, &d.BeforeWindow, &d.AfterWindow,
			&d.OverQuantity, &d.Bonus, &d.RevenueInWindow); err != nil {
			return err
		}
		if s := w.byID[d.StreamID]; s != nil {
			s.Drops = append(s.Drops, d)
		}
		drops = append(drops, d)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = queryEach(ctx, db, "stream_kpis totals", streamTotalsQuery, func(r *sql.Rows) error {
		var t streamTotal
		if err := r.Scan(&t.Currency, &t.Streams, &t.Viewers, &t.Orders, &t.Revenue); err != nil {
			return err
		}
		w.streamTotals = append(w.streamTotals, t)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return drops, nil
}
