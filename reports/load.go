package reports

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
)

// The queries below only select, cast and sort mart columns: every metric is
// computed by the SQL models (sql/marts), the reports present them. Numbers are
// cast to DOUBLE (money is DECIMAL(18,2), exact in a double at these sizes) and
// text to VARCHAR so the report does not depend on the exact integer widths.

type stream struct {
	ID, Affiliate, Host, Merchant, Platform, Title, Timezone     string
	ExperimentID, Variant, TestedVariable, ViewerBasis, Currency string

	StartedAt, EndedAt sql.NullTime

	DurationMin, Viewers, PeakConcurrent, AvgConcurrent                 sql.NullFloat64
	Clicks, ClicksDuring, CTR, Orders, OrdersDuring, OrdersAfter        sql.NullFloat64
	Revenue, RevenueDuring, RevenueAfter, CVRClick, CVRViewer, RPV, AOV sql.NullFloat64
	AdSpend, CPA, ROAS, Commission, NewCustomerShare                    sql.NullFloat64

	// Tier and Followers come from stream_kpis.follower_tier and followers
	// when the mart has them.
	Tier      string
	Followers sql.NullFloat64

	Baselines  map[string]baseline
	Minutes    []minute
	Drops      []drop
	Compliance []complianceCheck
}

// complianceCheck is one row of stream_compliance.
type complianceCheck struct {
	Check, Status, Detail string
}

type baseline struct {
	Value, Baseline, ChangeAbs, ChangeRel sql.NullFloat64
	Streams                               int64
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

type redemption struct {
	MerchantID, OrderID, CouponCode, DropID, StreamID, Status string
	RedeemedAt                                                sql.NullTime
	RankInWindow                                              sql.NullFloat64
	BonusEligible                                             sql.NullBool
	NetRevenue, CommissionExpected, CommissionReported        sql.NullFloat64
	CommissionGap                                             sql.NullFloat64

	// Optional columns: empty or NULL when coupon_reconciliation does not have them.
	CommissionReason, OrderStatus, CreditedStreamID, LeakSignal sql.NullString
	ApprovedFirstSeen, ReversedFirstSeen                        sql.NullTime
	HasClick, CodeLeaked                                        sql.NullBool
}

// commissionTotal is a row of commission_totals.
type commissionTotal struct {
	Affiliate, Currency                                      string // Affiliate "" = no stream credited
	Orders, Gaps                                             int64
	Expected, Reported, Gap                                  sql.NullFloat64
	Missing, OnReversed, RateMismatch, AmountMismatch, NotAt int64
}

// commissionGap is a commission_reconciliation row whose reason is not ok.
type commissionGap struct {
	OrderID, OrderName, Affiliate, StreamID, DropID, Status, Reason, Currency string
	OrderedAt, ApprovedFirstSeen, ReversedFirstSeen                           sql.NullTime
	NetRevenue, Rate, Expected, Reported, Gap, ReportedRate                   sql.NullFloat64
}

// codeLeak is a coupon_leaks row with at least one leak signal.
type codeLeak struct {
	DropID, StreamID, CouponCode                            string
	StartsAt, EndsAt, LeakAfterAt, FirstLeakAt              sql.NullTime
	Redemptions, BeforeWindow, LongAfter, NoClick, Leaks    sql.NullFloat64
	LeakShare, LeakDiscount, LeakNetRevenue, LeakCommission sql.NullFloat64
	IsLeaked                                                bool
}

// reversal is an order_status_history row of status reversed.
type reversal struct {
	OrderID, OrderName, PreviousStatus, StreamID, Affiliate, Currency string
	FirstSeenAt, OrderedAt                                            sql.NullTime
	NetRevenue                                                        sql.NullFloat64
}

type expRow struct {
	ExperimentID, TestedVariable, Metric, Variant, Control, Method, Warning string
	Streams, Numerator, Denominator, Value, LiftAbs, LiftRel                sql.NullFloat64
	CILow, CIHigh, PValue, PValueAdjusted, MDERel, StreamsNeeded            sql.NullFloat64
	Significant                                                             sql.NullBool

	// Optional columns: NULL when experiment_results does not have them.
	ControlStreams, ControlValue, Alpha, Power, TargetLiftRel, CSLow, CSHigh sql.NullFloat64
	IsPrimary                                                                sql.NullBool
}

type experiment struct {
	ID, TestedVariable, Control string
	Rows                        []expRow
	Streams                     []*stream
}

type statusTotal struct {
	Status                                                  string // "" = all statuses
	Redemptions                                             int64
	NetRevenue, CommissionExpected, CommissionReported, Gap sql.NullFloat64
}

type merchant struct {
	ID       string
	Currency string
	Streams  []*stream
	Drops    []drop
	Rows     []redemption
	Totals   []statusTotal

	// From the commission and leak marts, when the warehouse has them.
	CommissionTotals []commissionTotal
	Gaps             []commissionGap
	Leaks            []codeLeak
	Reversals        []reversal
}

type warehouse struct {
	streams       []*stream
	byID          map[string]*stream
	experiments   []*experiment
	merchants     []*merchant
	hasExp        bool
	hasCompliance bool
	// hasCommission: commission_totals and commission_reconciliation exist;
	// hasLeaks: coupon_leaks; hasHistory: order_status_history.
	hasCommission, hasLeaks, hasHistory bool
}

const streamKPIsQuery = `
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
    cast(new_customer_share as double)
from stream_kpis
order by started_at, stream_id`

const tierQuery = `
select cast(stream_id as varchar), coalesce(cast(follower_tier as varchar), ''), cast(followers as double)
from stream_kpis`

const complianceQuery = `
select cast(stream_id as varchar), cast(check_name as varchar), coalesce(cast(status as varchar), ''),
    coalesce(cast(detail as varchar), '')
from stream_compliance
order by stream_id, check_order, check_name`

const baselinesQuery = `
select cast(stream_id as varchar), cast(kpi as varchar), cast(value as double), cast(baseline as double),
    coalesce(cast(baseline_streams as bigint), 0), cast(change_abs as double), cast(change_rel as double)
from stream_baselines
order by stream_id, kpi`

// minutesQuery selects stream_minute; duration_s where the mart has it.
func minutesQuery(has map[string]bool) string {
	duration := "cast(null as double)"
	if has["duration_s"] {
		duration = "cast(duration_s as double)"
	}
	return `
select cast(stream_id as varchar), cast(minute as bigint), cast(minute_at as timestamp),
    cast(viewers as double), cast(likes as double), cast(comments as double), cast(shares as double),
    cast(engagement_rate as double), cast(clicks as double), cast(orders as double), cast(revenue as double),
    coalesce(cast(in_drop as boolean), false), coalesce(cast(is_peak as boolean), false), ` + duration + `
from stream_minute
order by stream_id, minute`
}

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
// columns (NULL when it does not).
func reconciliationQuery(has map[string]bool) string {
	opt := func(col, typ string) string {
		if has[col] {
			return "cast(" + col + " as " + typ + ")"
		}
		return "cast(null as " + typ + ")"
	}
	return `
select coalesce(cast(merchant_id as varchar), ''), coalesce(cast(order_id as varchar), ''), coalesce(cast(coupon_code as varchar), ''),
    coalesce(cast(drop_id as varchar), ''), coalesce(cast(stream_id as varchar), ''), coalesce(cast(status as varchar), ''),
    cast(redeemed_at as timestamp), cast(rank_in_window as double), cast(bonus_eligible as boolean),
    cast(net_revenue as double), cast(commission_expected as double), cast(commission_reported as double),
    cast(commission_gap as double),
    ` + opt("commission_reason", "varchar") + `, ` + opt("order_status", "varchar") + `, ` + opt("credited_stream_id", "varchar") + `,
    ` + opt("leak_signal", "varchar") + `, ` + opt("approved_first_seen_at", "timestamp") + `, ` + opt("reversed_first_seen_at", "timestamp") + `,
    ` + opt("has_click", "boolean") + `, ` + opt("code_leaked", "boolean") + `
from coupon_reconciliation
order by merchant_id, redeemed_at, order_id, coupon_code, status`
}

const commissionTotalsQuery = `
select coalesce(cast(merchant_id as varchar), ''), coalesce(cast(affiliate_id as varchar), ''), coalesce(cast(currency as varchar), ''),
    cast(orders as bigint),
    cast(orders_missing_in_report + orders_reported_on_reversed + orders_rate_mismatch + orders_amount_mismatch + orders_not_attributed as bigint),
    cast(commission_expected as double), cast(commission_reported as double), cast(commission_gap as double),
    cast(orders_missing_in_report as bigint), cast(orders_reported_on_reversed as bigint), cast(orders_rate_mismatch as bigint),
    cast(orders_amount_mismatch as bigint), cast(orders_not_attributed as bigint)
from commission_totals
order by merchant_id, affiliate_id nulls last, currency`

// The orders whose commission does not reconcile: every reason but ok and
// not_reported_by_source (nothing to compare).
const commissionGapsQuery = `
select coalesce(cast(merchant_id as varchar), ''), coalesce(cast(order_id as varchar), ''), coalesce(cast(order_name as varchar), ''),
    coalesce(cast(affiliate_id as varchar), ''), coalesce(cast(stream_id as varchar), ''), coalesce(cast(drop_id as varchar), ''),
    coalesce(cast(status as varchar), ''), cast(reason as varchar), coalesce(cast(currency as varchar), ''),
    cast(ordered_at as timestamp), cast(approved_first_seen_at as timestamp), cast(reversed_first_seen_at as timestamp),
    cast(net_revenue as double), cast(commission_rate as double), cast(commission_expected as double),
    cast(commission_reported as double), cast(commission_gap as double), cast(reported_rate as double)
from commission_reconciliation
where reason not in ('ok', 'not_reported_by_source')
order by merchant_id, ordered_at, order_id`

const codeLeaksQuery = `
select coalesce(cast(merchant_id as varchar), ''), cast(drop_id as varchar), coalesce(cast(stream_id as varchar), ''),
    coalesce(cast(coupon_code as varchar), ''),
    cast(starts_at as timestamp), cast(ends_at as timestamp), cast(leak_after_at as timestamp), cast(first_leak_at as timestamp),
    cast(redemptions as double), cast(before_window as double), cast(long_after_window as double), cast(no_click as double),
    cast(leak_redemptions as double), cast(leak_share as double), cast(leak_discount as double),
    cast(leak_net_revenue as double), cast(leak_commission_expected as double), coalesce(cast(is_leaked as boolean), false)
from coupon_leaks
where leak_redemptions > 0
order by merchant_id, starts_at, drop_id`

const reversalsQuery = `
select coalesce(cast(merchant_id as varchar), ''), coalesce(cast(order_id as varchar), ''), coalesce(cast(order_name as varchar), ''),
    coalesce(cast(previous_status as varchar), ''), coalesce(cast(stream_id as varchar), ''), coalesce(cast(affiliate_id as varchar), ''),
    coalesce(cast(currency as varchar), ''), cast(first_seen_at as timestamp), cast(ordered_at as timestamp), cast(net_revenue as double)
from order_status_history
where status = 'reversed'
order by merchant_id, first_seen_at desc, order_id`

// Totals per merchant and status, and per merchant (status NULL): the footer of
// the reconciliation table. Sums of money and counts only, no ratios.
const reconciliationTotalsQuery = `
select coalesce(cast(merchant_id as varchar), ''), cast(status as varchar), count(*),
    cast(sum(net_revenue) as double), cast(sum(commission_expected) as double),
    cast(sum(commission_reported) as double), cast(sum(commission_gap) as double)
from coupon_reconciliation
group by grouping sets ((merchant_id, status), (merchant_id))
order by 1, 2 nulls last`

// experimentQuery selects the contract columns of experiment_results and, where
// the table has them, the optional extras (optional lists them); a missing
// extra is selected as NULL.
func experimentQuery(has map[string]bool) string {
	opt := func(col, typ string) string {
		if has[col] {
			return "cast(" + col + " as " + typ + ")"
		}
		return "cast(null as " + typ + ")"
	}
	return `
select cast(experiment_id as varchar), coalesce(cast(tested_variable as varchar), ''), cast(metric as varchar),
    cast(variant as varchar), coalesce(cast(control as varchar), ''), coalesce(cast(method as varchar), ''),
    coalesce(cast(warning as varchar), ''),
    cast(streams as double), cast(numerator as double), cast(denominator as double), cast(value as double),
    cast(lift_abs as double), cast(lift_rel as double), cast(ci_low as double), cast(ci_high as double),
    cast(p_value as double), cast(p_value_adjusted as double), cast(mde_rel as double),
    cast(streams_needed as double), cast(significant as boolean),
    ` + opt("control_streams", "double") + `, ` + opt("control_value", "double") + `, ` + opt("alpha", "double") + `,
    ` + opt("power", "double") + `, ` + opt("target_lift_rel", "double") + `, ` + opt("cs_low", "double") + `,
    ` + opt("cs_high", "double") + `, ` + opt("is_primary", "boolean") + `
from experiment_results
order by experiment_id,
    case metric when 'rpv' then 0 when 'cvr_click' then 1 when 'ctr' then 2 when 'aov' then 3 else 4 end,
    metric, variant`
}

func tableColumns(ctx context.Context, db *sql.DB, table string) (map[string]bool, error) {
	rows, err := db.QueryContext(ctx, `select column_name from information_schema.columns where table_name = ?`, table)
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
		`select count(*) from information_schema.tables where table_name = ?`, name).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("look up table %s: %w", name, err)
	}
	return n > 0, nil
}

func queryEach(ctx context.Context, db *sql.DB, what, q string, scan func(*sql.Rows) error) error {
	rows, err := db.QueryContext(ctx, q)
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

func load(ctx context.Context, db *sql.DB) (*warehouse, error) {
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
	err := queryEach(ctx, db, "stream_kpis", streamKPIsQuery, func(r *sql.Rows) error {
		s := &stream{Baselines: map[string]baseline{}}
		err := r.Scan(&s.ID, &s.Affiliate, &s.Host, &s.Merchant, &s.Platform, &s.Title, &s.Timezone,
			&s.ExperimentID, &s.Variant, &s.TestedVariable, &s.ViewerBasis, &s.Currency,
			&s.StartedAt, &s.EndedAt,
			&s.DurationMin, &s.Viewers, &s.PeakConcurrent, &s.AvgConcurrent,
			&s.Clicks, &s.ClicksDuring, &s.CTR, &s.Orders, &s.OrdersDuring, &s.OrdersAfter,
			&s.Revenue, &s.RevenueDuring, &s.RevenueAfter, &s.CVRClick, &s.CVRViewer, &s.RPV, &s.AOV,
			&s.AdSpend, &s.CPA, &s.ROAS, &s.Commission, &s.NewCustomerShare)
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
	if w.hasCompliance {
		err = queryEach(ctx, db, "stream_compliance", complianceQuery, func(r *sql.Rows) error {
			var id string
			var c complianceCheck
			if err := r.Scan(&id, &c.Check, &c.Status, &c.Detail); err != nil {
				return err
			}
			if s := w.byID[id]; s != nil {
				s.Compliance = append(s.Compliance, c)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	err = queryEach(ctx, db, "stream_baselines", baselinesQuery, func(r *sql.Rows) error {
		var id, kpi string
		var b baseline
		if err := r.Scan(&id, &kpi, &b.Value, &b.Baseline, &b.Streams, &b.ChangeAbs, &b.ChangeRel); err != nil {
			return err
		}
		if s := w.byID[id]; s != nil {
			s.Baselines[kpi] = b
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	minuteCols, err := tableColumns(ctx, db, "stream_minute")
	if err != nil {
		return nil, err
	}
	err = queryEach(ctx, db, "stream_minute", minutesQuery(minuteCols), func(r *sql.Rows) error {
		var id string
		var m minute
		if err := r.Scan(&id, &m.Minute, &m.At, &m.Viewers, &m.Likes, &m.Comments, &m.Shares,
			&m.Engagement, &m.Clicks, &m.Orders, &m.Revenue, &m.InDrop, &m.IsPeak, &m.DurationS); err != nil {
			return err
		}
		if s := w.byID[id]; s != nil {
			s.Minutes = append(s.Minutes, m)
		}
		return nil
	})
	if err != nil {
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
	merchants := map[string]*merchant{}
	getMerchant := func(id string) *merchant {
		m := merchants[id]
		if m == nil {
			m = &merchant{ID: id}
			merchants[id] = m
		}
		return m
	}
	for _, s := range w.streams {
		if s.Merchant != "" {
			m := getMerchant(s.Merchant)
			m.Streams = append(m.Streams, s)
		}
	}
	reconHas, err := tableColumns(ctx, db, "coupon_reconciliation")
	if err != nil {
		return nil, err
	}
	err = queryEach(ctx, db, "coupon_reconciliation", reconciliationQuery(reconHas), func(r *sql.Rows) error {
		var x redemption
		if err := r.Scan(&x.MerchantID, &x.OrderID, &x.CouponCode, &x.DropID, &x.StreamID, &x.Status,
			&x.RedeemedAt, &x.RankInWindow, &x.BonusEligible, &x.NetRevenue, &x.CommissionExpected,
			&x.CommissionReported, &x.CommissionGap, &x.CommissionReason, &x.OrderStatus, &x.CreditedStreamID,
			&x.LeakSignal, &x.ApprovedFirstSeen, &x.ReversedFirstSeen, &x.HasClick, &x.CodeLeaked); err != nil {
			return err
		}
		m := getMerchant(x.MerchantID)
		m.Rows = append(m.Rows, x)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = queryEach(ctx, db, "coupon_reconciliation totals", reconciliationTotalsQuery, func(r *sql.Rows) error {
		var id string
		var status sql.NullString
		var t statusTotal
		if err := r.Scan(&id, &status, &t.Redemptions, &t.NetRevenue, &t.CommissionExpected,
			&t.CommissionReported, &t.Gap); err != nil {
			return err
		}
		t.Status = status.String
		m := getMerchant(id)
		m.Totals = append(m.Totals, t)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := w.loadCommissions(ctx, db, getMerchant); err != nil {
		return nil, err
	}
	// A merchant's drops: those of its streams, plus any drop its redemptions name.
	for _, m := range merchants {
		want := map[string]bool{}
		for _, s := range m.Streams {
			want[s.ID] = true
		}
		named := map[string]bool{}
		for _, x := range m.Rows {
			if x.DropID != "" {
				named[x.DropID] = true
			}
		}
		for _, d := range drops {
			if want[d.StreamID] || named[d.ID] {
				m.Drops = append(m.Drops, d)
			}
		}
		for _, s := range m.Streams {
			if s.Currency != "" {
				m.Currency = s.Currency
				break
			}
		}
	}
	for _, m := range merchants {
		if m.ID == "" && len(m.Rows) == 0 && len(m.Gaps) == 0 && len(m.CommissionTotals) == 0 {
			continue
		}
		w.merchants = append(w.merchants, m)
	}
	sort.Slice(w.merchants, func(i, j int) bool { return w.merchants[i].ID < w.merchants[j].ID })

	w.hasExp, err = tableExists(ctx, db, "experiment_results")
	if err != nil {
		return nil, err
	}
	if w.hasExp {
		has, err := tableColumns(ctx, db, "experiment_results")
		if err != nil {
			return nil, err
		}
		byExp := map[string]*experiment{}
		err = queryEach(ctx, db, "experiment_results", experimentQuery(has), func(r *sql.Rows) error {
			var x expRow
			if err := r.Scan(&x.ExperimentID, &x.TestedVariable, &x.Metric, &x.Variant, &x.Control, &x.Method,
				&x.Warning, &x.Streams, &x.Numerator, &x.Denominator, &x.Value, &x.LiftAbs, &x.LiftRel,
				&x.CILow, &x.CIHigh, &x.PValue, &x.PValueAdjusted, &x.MDERel, &x.StreamsNeeded,
				&x.Significant, &x.ControlStreams, &x.ControlValue, &x.Alpha, &x.Power, &x.TargetLiftRel,
				&x.CSLow, &x.CSHigh, &x.IsPrimary); err != nil {
				return err
			}
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
			return nil, err
		}
		for _, s := range w.streams {
			if e := byExp[s.ExperimentID]; e != nil {
				e.Streams = append(e.Streams, s)
			}
		}
	}
	return w, nil
}

// loadCommissions reads the commission, leak and status-history marts into
// each merchant, for each of them the warehouse has (a warehouse built before
// they existed has none, and the merchant pages leave their sections out).
func (w *warehouse) loadCommissions(ctx context.Context, db *sql.DB, getMerchant func(string) *merchant) error {
	var err error
	for _, x := range []struct {
		flag   *bool
		tables []string
	}{
		{&w.hasCommission, []string{"commission_totals", "commission_reconciliation"}},
		{&w.hasLeaks, []string{"coupon_leaks"}},
		{&w.hasHistory, []string{"order_status_history"}},
	} {
		*x.flag = true
		for _, t := range x.tables {
			ok, err := tableExists(ctx, db, t)
			if err != nil {
				return err
			}
			*x.flag = *x.flag && ok
		}
	}
	if w.hasCommission {
		err = queryEach(ctx, db, "commission_totals", commissionTotalsQuery, func(r *sql.Rows) error {
			var id string
			var t commissionTotal
			if err := r.Scan(&id, &t.Affiliate, &t.Currency, &t.Orders, &t.Gaps, &t.Expected, &t.Reported, &t.Gap,
				&t.Missing, &t.OnReversed, &t.RateMismatch, &t.AmountMismatch, &t.NotAt); err != nil {
				return err
			}
			m := getMerchant(id)
			m.CommissionTotals = append(m.CommissionTotals, t)
			return nil
		})
		if err != nil {
			return err
		}
		err = queryEach(ctx, db, "commission_reconciliation", commissionGapsQuery, func(r *sql.Rows) error {
			var id string
			var g commissionGap
			if err := r.Scan(&id, &g.OrderID, &g.OrderName, &g.Affiliate, &g.StreamID, &g.DropID, &g.Status, &g.Reason,
				&g.Currency, &g.OrderedAt, &g.ApprovedFirstSeen, &g.ReversedFirstSeen, &g.NetRevenue, &g.Rate,
				&g.Expected, &g.Reported, &g.Gap, &g.ReportedRate); err != nil {
				return err
			}
			m := getMerchant(id)
			m.Gaps = append(m.Gaps, g)
			return nil
		})
		if err != nil {
			return err
		}
	}
	if w.hasLeaks {
		err = queryEach(ctx, db, "coupon_leaks", codeLeaksQuery, func(r *sql.Rows) error {
			var id string
			var l codeLeak
			if err := r.Scan(&id, &l.DropID, &l.StreamID, &l.CouponCode, &l.StartsAt, &l.EndsAt, &l.LeakAfterAt,
				&l.FirstLeakAt, &l.Redemptions, &l.BeforeWindow, &l.LongAfter, &l.NoClick, &l.Leaks, &l.LeakShare,
				&l.LeakDiscount, &l.LeakNetRevenue, &l.LeakCommission, &l.IsLeaked); err != nil {
				return err
			}
			m := getMerchant(id)
			m.Leaks = append(m.Leaks, l)
			return nil
		})
		if err != nil {
			return err
		}
	}
	if w.hasHistory {
		err = queryEach(ctx, db, "order_status_history", reversalsQuery, func(r *sql.Rows) error {
			var id string
			var x reversal
			if err := r.Scan(&id, &x.OrderID, &x.OrderName, &x.PreviousStatus, &x.StreamID, &x.Affiliate, &x.Currency,
				&x.FirstSeenAt, &x.OrderedAt, &x.NetRevenue); err != nil {
				return err
			}
			m := getMerchant(id)
			m.Reversals = append(m.Reversals, x)
			return nil
		})
		if err != nil {
			return err
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
