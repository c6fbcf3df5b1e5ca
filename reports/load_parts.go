package reports

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
)

// streamPart is the rows of one mart that only a stream's own page reads,
// many per stream (a night's cost would otherwise follow the history):
// every stream carries the part's digest, DuckDB's hash of the rows the
// part's query selects for it, and Write loads the rows themselves only
// for the streams whose pages it renders. The query is the one owner of
// both: the digest is computed from it.
type streamPart struct {
	name, table string
	// optional: a warehouse without the table has no rows of the part
	optional bool
	// query selects stream_id (named so) and the columns the page reads,
	// with filter (a WHERE clause on stream_id, or ""), ordered by
	// stream_id and selected columns only: the rows' order follows from
	// their content, which is all the digest sees.
	query func(has map[string]bool, filter string) string
	scan  func(r *sql.Rows, w *warehouse) error
}

var streamParts = []streamPart{
	{name: "compliance", table: "stream_compliance", optional: true,
		query: func(_ map[string]bool, filter string) string {
			return `
select cast(stream_id as varchar) as stream_id, cast(check_order as bigint) as check_order,
    cast(check_name as varchar) as check_name, coalesce(cast(status as varchar), '') as status,
    coalesce(cast(detail as varchar), '') as detail
from stream_compliance ` + filter + `
order by stream_id, check_order, check_name`
		},
		scan: func(r *sql.Rows, w *warehouse) error {
			var id string
			var order int64
			var c complianceCheck
			if err := r.Scan(&id, &order, &c.Check, &c.Status, &c.Detail); err != nil {
				return err
			}
			if s := w.byID[id]; s != nil {
				s.Compliance = append(s.Compliance, c)
			}
			return nil
		}},
	{name: "baselines", table: "stream_baselines",
		query: func(has map[string]bool, filter string) string {
			minStreams := "cast(null as bigint)"
			if has["min_streams"] {
				minStreams = "cast(min_streams as bigint)"
			}
			return `
select cast(stream_id as varchar) as stream_id, cast(kpi as varchar) as kpi, cast(value as double), cast(baseline as double),
    coalesce(cast(baseline_streams as bigint), 0), cast(change_abs as double), cast(change_rel as double),
    coalesce(cast(comparison as varchar), ''), cast(usual_low as double), cast(usual_high as double), cast(flag as varchar),
    ` + minStreams + `
from stream_baselines ` + filter + `
order by stream_id, kpi`
		},
		scan: func(r *sql.Rows, w *warehouse) error {
			var id, kpi string
			var b baseline
			if err := r.Scan(&id, &kpi, &b.Value, &b.Baseline, &b.Streams, &b.ChangeAbs, &b.ChangeRel, &b.Comparison, &b.UsualLow, &b.UsualHigh, &b.Flag, &b.MinStreams); err != nil {
				return err
			}
			if s := w.byID[id]; s != nil {
				s.Baselines[kpi] = b
			}
			return nil
		}},
	{name: "minutes", table: "stream_minute",
		// duration_s where the mart has it
		query: func(has map[string]bool, filter string) string {
			duration := "cast(null as double)"
			if has["duration_s"] {
				duration = "cast(duration_s as double)"
			}
			return `
select cast(stream_id as varchar) as stream_id, cast(minute as bigint) as minute, cast(minute_at as timestamp),
    cast(viewers as double), cast(likes as double), cast(comments as double), cast(shares as double),
    cast(engagement_rate as double), cast(clicks as double), cast(orders as double), cast(revenue as double),
    coalesce(cast(in_drop as boolean), false), coalesce(cast(is_peak as boolean), false), ` + duration + `
from stream_minute ` + filter + `
order by stream_id, minute`
		},
		scan: func(r *sql.Rows, w *warehouse) error {
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
		}},
}

// partColumns returns the columns of p's table, nil when an optional
// table is missing.
func (w *warehouse) partColumns(ctx context.Context, db *sql.DB, p streamPart) (map[string]bool, error) {
	if w.partCols == nil {
		w.partCols = map[string]map[string]bool{}
	}
	if has, ok := w.partCols[p.table]; ok {
		return has, nil
	}
	ok, err := tableExists(ctx, db, p.table)
	if err != nil {
		return nil, err
	}
	var has map[string]bool
	if ok {
		if has, err = tableColumns(ctx, db, p.table); err != nil {
			return nil, err
		}
	} else if !p.optional {
		return nil, fmt.Errorf("mart %s is missing from the warehouse; run `postlive build` first", p.table)
	}
	w.partCols[p.table] = has
	return has, nil
}

// digestParts gives every stream the digest of each part: the sum of
// DuckDB's hash of each row the part's query selects for it ("" for no rows).
func (w *warehouse) digestParts(ctx context.Context, db *sql.DB) error {
	for _, s := range w.streams {
		s.Digests = map[string]string{}
	}
	for _, p := range streamParts {
		has, err := w.partColumns(ctx, db, p)
		if err != nil {
			return err
		}
		if has == nil {
			continue
		}
		q := `select stream_id, cast(count(*) as varchar) || ' ' || cast(sum(hash(q)) as varchar) from (` + p.query(has, "") + `) q group by stream_id`
		err = queryEach(ctx, db, p.table+" digests", q, func(r *sql.Rows) error {
			var id, d string
			if err := r.Scan(&id, &d); err != nil {
				return err
			}
			if s := w.byID[id]; s != nil {
				s.Digests[p.name] = d
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// loadParts reads the rows of every part for the streams ids names, or for
// every stream when ids is nil.
func (w *warehouse) loadParts(ctx context.Context, db *sql.DB, ids []string) error {
	if ids != nil && len(ids) == 0 {
		return nil
	}
	filter, args := "", []any{}
	if ids != nil {
		b, err := json.Marshal(ids)
		if err != nil {
			return err
		}
		filter, args = `where stream_id in (select unnest(from_json(?, '["VARCHAR"]')))`, []any{string(b)}
	}
	for _, p := range streamParts {
		has, err := w.partColumns(ctx, db, p)
		if err != nil {
			return err
		}
		if has == nil {
			continue
		}
		if err := queryEach(ctx, db, p.table, p.query(has, filter), func(r *sql.Rows) error { return p.scan(r, w) }, args...); err != nil {
			return err
		}
	}
	return nil
}
