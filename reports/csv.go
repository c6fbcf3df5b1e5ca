package reports

import (
	"bytes"
	"database/sql"
	"encoding/csv"
	"strconv"
	"strings"

	"github.com/postlive/postlive/escape"
)

// csvHeader is the header of merchant-<id>-reconciliation.csv: the columns of
// coupon_reconciliation (docs/reconciliation.md § Columns), timestamps in UTC
// (RFC 3339), money with a dot, booleans true/false, empty for NULL. It is
// the column list of `postlive reconcile --out` too, which selects them
// through ReconciliationColumns.
var csvHeader = []string{"merchant_id", "order_id", "order_name", "coupon_code", "drop_id", "stream_id", "redeemed_at",
	"status",
	"rank_in_window", "bonus_eligible", "net_revenue", "commission_expected", "commission_reported", "commission_gap",
	"commission_reason", "order_status", "approved_first_seen_at", "reversed_first_seen_at", "credited_stream_id",
	"has_click", "leak_signal", "code_leaked"}

// ReconciliationColumns are the columns of the merchant reconciliation CSV,
// in order: the one list `postlive reconcile` selects from
// coupon_reconciliation.
func ReconciliationColumns() []string {
	return append([]string(nil), csvHeader...)
}

func csvTime(t sql.NullTime) string {
	if !t.Valid {
		return ""
	}
	return t.Time.UTC().Format("2006-01-02T15:04:05Z")
}

func csvBool(b sql.NullBool) string {
	if !b.Valid {
		return ""
	}
	return strconv.FormatBool(b.Bool)
}

func csvNum(v sql.NullFloat64, decimals int) string {
	if !v.Valid {
		return ""
	}
	return strconv.FormatFloat(v.Float64, 'f', decimals, 64)
}

func reconciliationCSV(rows []redemption) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.Write(csvHeader); err != nil {
		return nil, err
	}
	for _, x := range rows {
		rec := []string{
			escape.CSV(x.MerchantID), escape.CSV(x.OrderID), escape.CSV(x.OrderName.String), escape.CSV(x.CouponCode),
			escape.CSV(x.DropID), escape.CSV(x.StreamID), csvTime(x.RedeemedAt), escape.CSV(x.Status),
			csvNum(x.RankInWindow, 0), csvBool(x.BonusEligible), plainMoney(x.NetRevenue), plainMoney(x.CommissionExpected),
			plainMoney(x.CommissionReported), plainMoney(x.CommissionGap),
			escape.CSV(x.CommissionReason.String), escape.CSV(x.OrderStatus.String), csvTime(x.ApprovedFirstSeen),
			csvTime(x.ReversedFirstSeen), escape.CSV(x.CreditedStreamID.String), csvBool(x.HasClick),
			escape.CSV(x.LeakSignal.String), csvBool(x.CodeLeaked),
		}
		for i, c := range rec {
			rec[i] = strings.ToValidUTF8(c, "\uFFFD")
		}
		if err := w.Write(rec); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}
