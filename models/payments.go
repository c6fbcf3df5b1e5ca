package models

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Payment is one payout line covered by a payment the operator recorded
// (`postlive payouts --mark-paid`, kept in the workspace's payouts-paid.csv):
// the payment, the line it covered and the amount of the line it paid. The
// SQL models read them from the table payout_payments; creator_statement
// counts a line as paid only for the amount a recorded payment covered
// (docs/payouts.md § Money by state).
type Payment struct {
	// ID names the payment (all its lines share it), e.g. 2026-12-20/ana/USD.
	ID string
	// PaidOn is the day the money was sent (UTC midnight).
	PaidOn time.Time
	// Affiliate, Currency and Period are the line's creator, currency and
	// payout period as they were when the payment was recorded.
	Affiliate, Currency, Period string
	// LineID is payout_lines.line_id.
	LineID string
	// Amount is the part of the line the payment covered, decimal text
	// ("12.50") so that it reaches DuckDB exactly.
	Amount string
	// Reference is the operator's note: a bank or PayPal batch reference.
	Reference string
	// RecordedAt is when the payment was recorded.
	RecordedAt time.Time
}

// writePaymentSettings writes payout_payments, one row per payment × line.
func writePaymentSettings(ctx context.Context, db *sql.DB, ps []Payment) error {
	if _, err := db.ExecContext(ctx, `create table payout_payments (
    payment_id varchar not null, paid_on timestamp not null, affiliate_id varchar not null,
    currency varchar not null, period varchar not null, line_id varchar not null,
    amount decimal(18, 2) not null, reference varchar, recorded_at timestamp not null,
    primary key (payment_id, line_id))`); err != nil {
		return fmt.Errorf("write payout payments: %w", err)
	}
	// many rows per statement: a workspace holds one row per paid line
	const batch = 500
	for start := 0; start < len(ps); start += batch {
		part := ps[start:min(start+batch, len(ps))]
		q := "insert into payout_payments values "
		args := make([]any, 0, 9*len(part))
		for i, p := range part {
			if i > 0 {
				q += ", "
			}
			q += "(?, ?, ?, ?, ?, ?, ?::decimal(18, 2), ?, ?)"
			var ref any
			if p.Reference != "" {
				ref = p.Reference
			}
			args = append(args, p.ID, p.PaidOn.UTC(), p.Affiliate, p.Currency, p.Period, p.LineID, p.Amount, ref, p.RecordedAt.UTC())
		}
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("write payout payments: %w", err)
		}
	}
	return nil
}
