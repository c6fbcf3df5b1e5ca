package workspace

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/postlive/postlive/escape"
	"github.com/postlive/postlive/lake"
	"github.com/postlive/postlive/models"
)

// PaymentsFile is the workspace's record of the payouts the operator has
// paid (`postlive payouts --mark-paid`): one row per payout line a payment
// covered. It is the only place postlive learns that money was paid; the
// build hands it to the SQL models (models.Settings.Payments), so it is part
// of what BuildKey names.
const PaymentsFile = "payouts-paid.csv"

// paymentColumns is the header of payouts-paid.csv, in order.
var paymentColumns = []string{"payment_id", "paid_on", "affiliate_id", "currency", "period", "line_id", "amount", "reference", "recorded_at"}

var (
	amountPattern = regexp.MustCompile(`^-?[0-9]+(\.[0-9]{1,2})?$`)
	periodPattern = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])$`)
)

// PaymentsPath is payouts-paid.csv.
func (w *Workspace) PaymentsPath() string { return filepath.Join(w.Dir, PaymentsFile) }

// Payments reads payouts-paid.csv; a missing file is no payments. Every
// problem is reported at once (a *ConfigError), as FILE:LINE:COLUMN: problem; fix.
func (w *Workspace) Payments() ([]models.Payment, error) { return readPayments(w.PaymentsPath()) }

// AppendPayments adds ps to payouts-paid.csv (creating it with its header),
// written to a temporary file and renamed, so a crash leaves the old record
// or the new one.
func (w *Workspace) AppendPayments(ps []models.Payment) error {
	return appendPayments(w.PaymentsPath(), ps)
}

func readPayments(path string) ([]models.Payment, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(bytes.NewReader(raw))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err == io.EOF {
		return nil, nil
	}
	if err != nil {
		return nil, &ConfigError{Problems: []string{fmt.Sprintf("%s: %v; restore it from a backup or fix it by hand", path, err)}}
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	if strings.Join(header, ",") != strings.Join(paymentColumns, ",") {
		return nil, &ConfigError{Problems: []string{fmt.Sprintf("%s:1:1: the header is %q; want %s", path, strings.Join(header, ","), strings.Join(paymentColumns, ","))}}
	}
	var out []models.Payment
	var problems []string
	seen := map[string]int{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", path, err))
			break
		}
		if len(rec) != len(paymentColumns) {
			problems = append(problems, fmt.Sprintf("%s:%d:1: %d fields; want %d (%s)", path, line, len(rec), len(paymentColumns), strings.Join(paymentColumns, ",")))
			continue
		}
		bad := func(col int, format string, args ...any) {
			_, c := r.FieldPos(col)
			problems = append(problems, fmt.Sprintf("%s:%d:%d: %s: %s", path, line, c, paymentColumns[col], fmt.Sprintf(format, args...)))
		}
		for i := range rec {
			rec[i] = escape.UnCSV(rec[i])
		}
		p := models.Payment{ID: rec[0], Affiliate: rec[2], Currency: rec[3], Period: rec[4], LineID: rec[5], Amount: rec[6], Reference: rec[7]}
		for _, col := range []int{0, 2, 5} {
			if rec[col] == "" {
				bad(col, "empty; every payment names its id, creator and payout line")
			}
		}
		if p.PaidOn, err = time.Parse("2006-01-02", rec[1]); err != nil {
			bad(1, "%q is not a date; write it like 2026-12-20", rec[1])
		}
		if !IsCurrency(p.Currency) {
			bad(3, "%q is not an ISO 4217 code like USD", p.Currency)
		}
		if !periodPattern.MatchString(p.Period) {
			bad(4, "%q is not a payout period; write it like 2026-11", p.Period)
		}
		if !amountPattern.MatchString(p.Amount) {
			bad(6, "%q is not an amount; write it like 12.50 or -3.00", p.Amount)
		}
		if p.RecordedAt, err = time.Parse(time.RFC3339, rec[8]); err != nil {
			bad(8, "%q is not a time; write it like 2026-12-20T10:00:00Z", rec[8])
		} else if !p.PaidOn.IsZero() && p.PaidOn.After(p.RecordedAt) {
			bad(1, "%s is after the payment was recorded (%s); a payment is recorded once it is made", rec[1], rec[8])
		}
		key := p.ID + "\x00" + p.LineID
		if first, dup := seen[key]; dup {
			bad(5, "payment %s covers line %s twice (first on line %d); remove one", p.ID, p.LineID, first)
		}
		seen[key] = line
		out = append(out, p)
	}
	if len(problems) > 0 {
		return nil, &ConfigError{Problems: problems}
	}
	return out, nil
}

func appendPayments(path string, ps []models.Payment) error {
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	f, err := lake.Create(path)
	if err != nil {
		return err
	}
	if len(old) > 0 {
		f.Write(old)
		if old[len(old)-1] != '\n' {
			f.Write([]byte("\n"))
		}
	}
	cw := csv.NewWriter(f)
	if len(old) == 0 {
		cw.Write(paymentColumns)
	}
	for _, p := range ps {
		cw.Write([]string{escape.CSV(p.ID), p.PaidOn.UTC().Format("2006-01-02"), escape.CSV(p.Affiliate), p.Currency, p.Period,
			escape.CSV(p.LineID), p.Amount, escape.CSV(p.Reference), p.RecordedAt.UTC().Format(time.RFC3339)})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		f.Abort()
		return err
	}
	return f.Commit()
}
