package reports

import (
	"context"
	"database/sql"
	"sort"
)

type redemption struct {
	MerchantID, OrderID, CouponCode, DropID, StreamID, Status string
	RedeemedAt                                                sql.NullTime
	RankInWindow                                              sql.NullFloat64
	BonusEligible                                             sql.NullBool
	NetRevenue, CommissionExpected, CommissionReported        sql.NullFloat64
	CommissionGap                                             sql.NullFloat64

	// Optional columns: empty or NULL when coupon_reconciliation does not have them.
	OrderName, CommissionReason, OrderStatus, CreditedStreamID, LeakSignal sql.NullString
	ApprovedFirstSeen, ReversedFirstSeen                                   sql.NullTime
	HasClick, CodeLeaked                                                   sql.NullBool
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

type statusTotal struct {
	Status                                                  string // "" = all statuses
	Redemptions                                             int64
	NetRevenue, CommissionExpected, CommissionReported, Gap sql.NullFloat64
}

// revenueBy is one bar of a merchant's revenue chart: the net revenue of the
// redemptions of one stream or one drop (void and duplicate ones left out).
type revenueBy struct {
	Key         string // stream_id or drop_id
	Redemptions int64
	NetRevenue  sql.NullFloat64
}

// revenueByQuery sums net revenue per merchant and stream, and per merchant
// and drop (kind 'stream' or 'drop'): sums and counts only.
const revenueByQuery = `
select coalesce(cast(merchant_id as varchar), ''), 'stream', cast(stream_id as varchar), count(*), cast(sum(net_revenue) as double)
from coupon_reconciliation
where stream_id is not null and status not in ('void', 'duplicate')
group by merchant_id, stream_id
union all
select coalesce(cast(merchant_id as varchar), ''), 'drop', cast(drop_id as varchar), count(*), cast(sum(net_revenue) as double)
from coupon_reconciliation
where drop_id is not null and status not in ('void', 'duplicate')
group by merchant_id, drop_id
order by 1, 2, 3`

type merchant struct {
	ID       string
	Currency string
	// ByStream and ByDrop are the merchant's net revenue per stream and per
	// drop, for the revenue charts.
	ByStream, ByDrop []revenueBy
	// Timezone is the store's time zone as postlive knows it: the one most
	// of the merchant's streams name (IANA), "" for none (then UTC).
	Timezone string
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
    cast(commission_gap as double), ` + opt("order_name", "varchar") + `,
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

// loadMerchants reads coupon_reconciliation, its totals and the commission
// marts into one merchant per merchant id, with the streams and drops
// (of drops, every drop of drop_performance) that belong to it.
func (w *warehouse) loadMerchants(ctx context.Context, db *sql.DB, drops []drop) error {
	var err error
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
		return err
	}
	err = queryEach(ctx, db, "coupon_reconciliation", reconciliationQuery(reconHas), func(r *sql.Rows) error {
		var x redemption
		if err := r.Scan(&x.MerchantID, &x.OrderID, &x.CouponCode, &x.DropID, &x.StreamID, &x.Status,
			&x.RedeemedAt, &x.RankInWindow, &x.BonusEligible, &x.NetRevenue, &x.CommissionExpected,
			&x.CommissionReported, &x.CommissionGap, &x.OrderName, &x.CommissionReason, &x.OrderStatus, &x.CreditedStreamID,
			&x.LeakSignal, &x.ApprovedFirstSeen, &x.ReversedFirstSeen, &x.HasClick, &x.CodeLeaked); err != nil {
			return err
		}
		m := getMerchant(x.MerchantID)
		m.Rows = append(m.Rows, x)
		return nil
	})
	if err != nil {
		return err
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
		return err
	}
	err = queryEach(ctx, db, "coupon_reconciliation revenue", revenueByQuery, func(r *sql.Rows) error {
		var id, kind string
		var x revenueBy
		if err := r.Scan(&id, &kind, &x.Key, &x.Redemptions, &x.NetRevenue); err != nil {
			return err
		}
		m := getMerchant(id)
		if kind == "stream" {
			m.ByStream = append(m.ByStream, x)
		} else {
			m.ByDrop = append(m.ByDrop, x)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := w.loadCommissions(ctx, db, getMerchant); err != nil {
		return err
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
		zones := map[string]int{}
		for _, s := range m.Streams {
			if s.Timezone != "" {
				zones[s.Timezone]++
			}
		}
		for z, n := range zones {
			if n > zones[m.Timezone] || n == zones[m.Timezone] && z < m.Timezone {
				m.Timezone = z
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

	return nil
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
