package ingest

import (
	"fmt"
	"strings"
)

// The impact.com partner action listing (Reports › Action Listing; CSV),
// see ../shared/reference/formats.md §3a and docs/formats.md § impact. One
// row per action; columns are user-selectable and capitalised differently
// between reports (Action Id / Action ID), so every column is looked up by
// its aliases, including the Partner Actions API names (Id, Amount, State,
// EventDate, SubId1, Oid, PromoCode).

// impactStatus maps the action status onto the canonical order status.
var impactStatus = map[string]string{
	"pending": "pending", "n/a": "pending", "n/a (media source)": "pending",
	"approved": "approved", "locked": "approved", "cleared": "approved", "invoiced": "approved", "paid": "approved",
	"reversed": "reversed", "rejected": "reversed", "declined": "reversed",
}

func init() {
	register(&Format{
		Name: "impact", Kind: "orders",
		Identify: []string{"action id|id", "sale amount|amount", "payout", "action date|eventdate|event date"},
		Doc:      "impact.com partner action listing (Action Id, Sub Id 1, Sale Amount, Payout, Action Date, Status)",
		read:     readImpact,
	})
}

// impactStamps: the API writes ISO 8601 with an offset; the UI CSV layout
// is not documented (formats.md §3a [none]), so local and slash layouts are
// read too, the latter only when day and month order is certain.
var impactStamps = stampRules{local: []string{"2006-01-02"}, expect: "2024-09-10T10:42:38-07:00"}

func readImpact(rd *reader) error {
	h := rd.csv.hdr
	c := map[string]int{
		"Action Id":   h.index("Action Id", "Id"),
		"Sale Amount": h.index("Sale Amount", "Amount"),
		"Action Date": h.index("Action Date", "EventDate", "Event Date"),
	}
	if err := rd.requireCols(c); err != nil {
		return err
	}
	payout, status := h.index("Payout"), h.index("Status", "State", "Action Status")
	oid, promo := h.index("Oid", "Order Id", "Order ID"), h.index("Promo Code", "PromoCode")
	sub1, shared := h.index("Sub Id 1", "SubId1", "Sub ID1"), h.index("Shared Id", "SharedId")
	curCol := h.index("Currency")
	campaign := h.index("Campaign Name", "CampaignName", "Brand", "Campaign Id", "CampaignId")
	return readAffiliate(rd, affiliateCols{
		id: c["Action Id"], orderName: oid, sale: c["Sale Amount"], commission: payout, date: c["Action Date"],
		status: status, statuses: impactStatus, tracking: []int{sub1, shared}, coupon: promo, currency: curCol,
		merchant: campaign, stamps: impactStamps, negative: false,
	})
}

// readAffiliate reads every row of an affiliate network's export (impact,
// CJ) into an order, and a redemption when the order used a code.
func readAffiliate(rd *reader, c affiliateCols) error {
	o := NewRecord(Orders)
	red := NewRecord(Redemptions)
	for rd.csv.Next() {
		if rj := rd.csv.Err(); rj != nil {
			rd.rejectCSV(*rj)
			continue
		}
		o.Reset()
		o.Line = rd.csv.line
		if rj := fillAffiliateOrder(rd, o, c); rj != nil {
			rd.rejectCSV(*rj)
			continue
		}
		if err := rd.write(o); err != nil {
			return err
		}
		if o.Get("net_revenue").I >= 0 { // a correction (a negative CJ row) is no new redemption
			if err := deriveRedemption(rd, o, red); err != nil {
				return err
			}
		}
		rd.accept(1)
	}
	return nil
}

// affiliateCols are the positions an affiliate network's action or
// commission row is read from (-1: not in the file).
type affiliateCols struct {
	id, orderName, sale, commission, date, status, coupon, currency, merchant int
	tracking                                                                  []int // first non-empty wins
	statuses                                                                  map[string]string
	stamps                                                                    stampRules
	negative                                                                  bool // corrections arrive as negative rows
	usd                                                                       bool // the amounts are in USD (CJ *Usd columns)
}

// fillAffiliateOrder reads one network row into o.
func fillAffiliateOrder(rd *reader, o *Record, c affiliateCols) *Reject {
	bad := func(i int, err error) *Reject { rj := rd.cellErr(i, err); return &rj }
	merchant := rd.opt.Merchant
	if merchant == "" && c.merchant >= 0 {
		merchant = rd.cell(c.merchant)
	}
	if merchant == "" {
		col := max(c.merchant, c.id)
		return bad(col, valueErr("names no merchant", "pass --merchant ID or export the Campaign/Advertiser column"))
	}
	o.SetString("merchant_id", merchant)
	id := rd.cell(c.id)
	if id == "" {
		return bad(c.id, valueErr("is empty", "every action needs its id"))
	}
	o.SetString("order_id", id)
	if c.orderName >= 0 {
		o.SetString("order_name", rd.cell(c.orderName))
		if n := rd.cell(c.orderName); c.negative && n != "" {
			// CJ: a correction is a record of its own carrying the
			// original sale's orderId; it reverses that sale
			o.SetString("sale_key", n)
		}
	}
	if _, err := rd.orderTime(o, rd.csv.Field(c.date), c.stamps); err != nil {
		return bad(c.date, err)
	}
	if rd.cell(c.sale) == "" {
		return bad(c.sale, valueErr("is empty", "every action needs its sale amount"))
	}
	sale, err := rd.amount(rd.csv.Field(c.sale))
	if err == nil && sale < 0 && !c.negative {
		err = valueErr("is negative", "reversals are reported through the status (REVERSED), not negative amounts")
	}
	if err != nil {
		return bad(c.sale, err)
	}
	o.SetMoney("net_revenue", sale)
	if c.commission >= 0 && rd.cell(c.commission) != "" {
		com, err := rd.amount(rd.csv.Field(c.commission))
		if err != nil {
			return bad(c.commission, err)
		}
		o.SetMoney("commission", com)
	}
	cur := ""
	switch {
	case c.usd:
		cur = "USD"
	case c.currency >= 0 && rd.cell(c.currency) != "":
		cur = strings.ToUpper(rd.cell(c.currency))
	default:
		cur = rd.headerCurrency(c.sale, c.commission)
	}
	if len(cur) != 3 || strings.IndexFunc(cur, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0 {
		col := c.sale
		if c.currency >= 0 {
			col = c.currency
		}
		return bad(col, valueErr("has no currency code", "export the Currency column or name it in the header, e.g. Sale Amount (USD)"))
	}
	o.SetString("currency", cur)
	if c.status >= 0 {
		raw := strings.ToLower(rd.cell(c.status))
		st, ok := c.statuses[raw]
		if !ok {
			var known []string
			for k := range c.statuses {
				known = append(known, k)
			}
			sortStrings(known)
			return bad(c.status, valueErr("is not a known status", fmt.Sprintf("expected one of %s (case-insensitive)", strings.Join(known, ", "))))
		}
		o.SetString("status", st)
	} else {
		o.SetString("status", "pending")
	}
	for _, i := range c.tracking {
		if v := rd.cell(i); i >= 0 && v != "" {
			o.SetString("tracking_id", v)
			break
		}
	}
	if c.coupon >= 0 {
		if code := normalizeCode(rd.cell(c.coupon)); code != "" {
			o.SetString("coupon_code", code)
		}
	}
	return nil
}
