package models

import "time"

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
