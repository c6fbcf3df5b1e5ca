package ingest

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The Amazon Associates Fee-Orders report (Associates Central › Reports ›
// Download Reports; CSV, tab-delimited, a ZIP of either, or the Fee-Orders
// sheet of the XLSX workbook), see ../shared/reference/formats.md §2 and
// docs/formats.md § amazon-orders. A title line stands above the header;
// one row per ASIN, tracking tag and day; no order id. The export does not
// name the merchant: it comes from --merchant or default_merchant.

func init() {
	register(&Format{
		Name: "amazon-orders", Kind: "orders", Merchant: true, Preamble: 1, Sheets: []string{"Fee-Orders"},
		Identify: []string{"asin", "date", "qty", "price", "tag"},
		Doc:      "Amazon Associates Fee-Orders report (title line, Tag, Price($)); items ordered, pending",
		read:     readAmazonOrders,
	})
}

// amazonStamps are the date layouts seen in Associates reports (§2: "Date
// Shipped is seen as 2024-12-18 00:00:00"; others in fixtures only).
var amazonStamps = stampRules{local: []string{"2006-01-02", "January 2 2006", "January 2, 2006", "01-02-2006"}, excel: true, days: true, expect: "2026-11-05 00:00:00 (time_zones.<format> gives the zone)"}

// amazonRows holds what both Amazon reports share: lenient quoting (inch
// marks in product names are not escaped), the repair of a Name holding
// the delimiter, the Total trailer and the occurrence counter that makes
// the synthetic order ids stable across re-imports.
type amazonRows struct {
	rd   *reader
	name int
	seen map[string]int
}

func newAmazonRows(rd *reader) *amazonRows {
	rd.csv.r.LazyQuotes = true
	return &amazonRows{rd: rd, name: rd.csv.hdr.index("Name", "Product Title"), seen: map[string]int{}}
}

// next advances to the next data row, rejecting broken rows; it returns
// false at the end.
func (a *amazonRows) next() bool {
	rd := a.rd
	for rd.csv.Next() {
		if rj := rd.csv.Err(); rj != nil {
			if extra := len(rd.csv.rec) - rd.csv.cols; extra > 0 && a.name >= 0 && rd.csv.rec != nil {
				// a comma inside Name: glue the pieces back (§2 Quoting)
				rec := rd.csv.rec
				joined := strings.Join(rec[a.name:a.name+extra+1], string(rd.csv.r.Comma))
				rd.csv.rec = append(append(append(rec[:0:0], rec[:a.name]...), joined), rec[a.name+extra+1:]...)
				rd.csv.err = nil
				return true
			}
			rd.rejectCSV(*rj)
			continue
		}
		if first := strings.ToLower(rd.cell(0)); strings.HasPrefix(first, "total") {
			continue // the trailer row
		}
		return true
	}
	return false
}

// orderID builds a stable id from the row's key and its occurrence in the
// file: identical rows are legitimate (two shipments of one ASIN a day).
func (a *amazonRows) orderID(parts ...string) string {
	k := strings.Join(parts, ":")
	a.seen[k]++
	return k + ":" + strconv.Itoa(a.seen[k])
}

// start begins the order of the current row (merchant, currency, status,
// ordered_at) and reads its ASIN and date; it rejects the row and returns
// false when either is missing or unreadable.
func (a *amazonRows) start(o *Record, cur, status string, asinCol, dateCol int, report string) (asin string, t time.Time, ok bool) {
	rd := a.rd
	o.Reset()
	o.Line = rd.csv.line
	o.SetString("merchant_id", rd.merchant)
	o.SetString("currency", cur)
	o.SetString("status", status)
	if asin = rd.cell(asinCol); asin == "" {
		rd.rejectCSV(rd.cellErr(asinCol, valueErr("is empty", "every row of the "+report+" report names its ASIN")))
		return "", t, false
	}
	t, err := rd.orderTime(o, rd.csv.Field(dateCol), amazonStamps)
	if err != nil {
		rd.rejectCSV(rd.cellErr(dateCol, err))
		return "", t, false
	}
	return asin, t, true
}

// currency returns the currency of the money columns or a FileError.
func (a *amazonRows) currency(cols ...int) (string, error) {
	cur := a.rd.headerCurrency(cols...)
	if len(cur) != 3 {
		return "", &FileError{File: a.rd.file, Line: 1 + a.rd.csv.offset, Msg: fmt.Sprintf("%s names no currency (Price instead of Price($)); add it to the money headers, e.g. Price(GBP), Revenue(GBP), Ad Fees(GBP)", a.rd.format.Name)}
	}
	return cur, nil
}

func readAmazonOrders(rd *reader) error {
	h := rd.csv.hdr
	c := map[string]int{"ASIN": h.index("ASIN"), "Date": h.index("Date"), "Qty": h.index("Qty"), "Price": h.index("Price"), "Tag": h.index("Tag", "Tracking ID")}
	if err := rd.requireCols(c); err != nil {
		return err
	}
	rows := newAmazonRows(rd)
	cur, err := rows.currency(c["Price"])
	if err != nil {
		return err
	}
	o := NewRecord(Orders)
	for rows.next() {
		asin, t, ok := rows.start(o, cur, "pending", c["ASIN"], c["Date"], "Fee-Orders")
		if !ok {
			continue
		}
		tag := rd.cell(c["Tag"])
		qty, err := parseInt(rd.cell(c["Qty"]))
		if err == nil && (qty > 1e6 || qty < -1e6) {
			err = valueErr("is not a plausible quantity", "check the Qty column")
		}
		if err != nil {
			rd.rejectCSV(rd.cellErr(c["Qty"], err))
			continue
		}
		price, err := rd.amount(rd.csv.Field(c["Price"]))
		if err != nil {
			rd.rejectCSV(rd.cellErr(c["Price"], err))
			continue
		}
		o.SetInt("items", qty)
		o.SetMoney("net_revenue", qty*price)
		o.SetMoney("gross_revenue", qty*price)
		o.SetString("tracking_id", tag)
		o.SetString("sale_key", amazonSaleKey(tag, asin))
		o.SetString("order_id", rows.orderID("amazon-orders", tag, asin, rd.wallClock(t)))
		if err := rd.write(o); err != nil {
			return err
		}
		rd.accept(1)
	}
	return nil
}

// amazonSaleKey is what ties an Amazon return row to the sale it reverses:
// Amazon exports no order id, so a sale is known by its tracking id and
// ASIN (docs/metrics.md § Returns and corrections).
func amazonSaleKey(tag, asin string) string {
	return strings.ToLower(strings.TrimSpace(tag)) + "|" + strings.ToUpper(strings.TrimSpace(asin))
}
