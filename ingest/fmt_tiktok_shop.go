package ingest

import (
	"strconv"
	"strings"
	"unicode"
)

// The TikTok Shop seller order export (Seller Center › Orders › Export;
// CSV), see ../shared/reference/formats.md §3e and docs/formats.md §
// tiktok-shop. Row 2 describes the fields and is skipped; one row per SKU,
// the order-level cells repeated on each; US dates are MM/DD/YYYY h:mm:ss
// AM in the shop's time zone; cells may hold stray tab characters. The
// export does not name the merchant (--merchant or default_merchant) nor
// the currency (a currency in the header, else the import currency).
// `Tracking ID` is the parcel's shipping number, not an affiliate tracking
// id, and is not read.

// tiktokShopStatus maps Order Status (English and the localised values
// seen in exports) onto the canonical order status.
var tiktokShopStatus = map[string]string{
	"unpaid": "pending", "awaiting payment": "pending", "on hold": "pending", "não pago": "pending",
	"awaiting shipment": "pending", "to ship": "pending", "awaiting collection": "pending", "ready to ship": "pending",
	"shipped": "pending", "in transit": "pending", "partially shipped": "pending",
	"delivered": "approved", "completed": "approved", "concluído": "approved",
	"cancelled": "cancelled", "canceled": "cancelled", "cancelado": "cancelled",
}

func init() {
	register(&Format{
		Name: "tiktok-shop", Kind: "orders", Merchant: true,
		Identify: []string{"order id", "order status", "sku id", "quantity", "sku subtotal after discount", "created time"},
		Doc:      "TikTok Shop seller order export (description row under the header, one row per SKU)",
		read:     readTikTokShop,
	})
}

var tiktokStamps = stampRules{usAMPM: true, local: []string{"2006-01-02 15:04:05"}, excel: true, expect: "11/05/2026 7:12:38 PM"}

type tiktokShopCols struct {
	id, status, qty, after, before, platformDisc, sellerDisc, amount, refund, created, buyer, cancelType int
}

func readTikTokShop(rd *reader) error {
	h := rd.csv.hdr
	c := tiktokShopCols{
		id: h.index("Order ID"), status: h.index("Order Status"), qty: h.index("Quantity"),
		after: h.index("SKU Subtotal After Discount"), before: h.index("SKU Subtotal Before Discount"),
		platformDisc: h.index("SKU Platform Discount"), sellerDisc: h.index("SKU Seller Discount"),
		amount: h.index("Order Amount"), refund: h.index("Order Refund Amount"), created: h.index("Created Time"),
		buyer: h.index("Buyer Username"), cancelType: h.index("Cancelation/Return Type", "Cancellation/Return Type"),
	}
	for _, p := range []string{"buyer username", "buyer message", "recipient", "phone #", "zipcode", "detail address",
		"additional address information", "address line 1", "address line 2", "buyer email"} {
		rd.pii[p] = true
	}
	cur := rd.headerCurrency(c.after, c.amount)
	if len(cur) != 3 {
		return &FileError{File: rd.file, Line: 1 + rd.csv.offset, Msg: "tiktok-shop exports name no currency; write it into a money header, e.g. SKU Subtotal After Discount(USD), or set the import currency"}
	}
	o := NewRecord(Orders)
	id := func(cells []string) string { return exportCell(cellAt(cells, c.id)) }
	return groupRows(rd, id, isDescription, func(group []heldRow) error {
		rd.csv.rec = group[0].cells
		rj := tiktokShopOrder(rd, c, cur, o, group[0].line, func(f func(cells []string, line int) *Reject) *Reject {
			for _, l := range group {
				if rj := f(l.cells, l.line); rj != nil {
					return rj
				}
			}
			return nil
		})
		o.Line = group[0].line
		if rj != nil {
			bad := 0
			for i, l := range group {
				if l.line == rj.Line {
					bad = i
				}
			}
			rd.rejectGroup(group, bad, *rj, func(r heldRow) Reject {
				return Reject{Line: r.line, Column: c.id + 1, Field: h.Raw[c.id], Value: r.cells[c.id],
					What: "belongs to an order rejected at line " + strconv.Itoa(rj.Line), Hint: "fix that row and import the file again"}
			})
			return nil
		}
		if err := rd.write(o); err != nil {
			return err
		}
		rd.accept(len(group))
		return nil
	})
}

// isDescription tells the description row under the header: its Order ID
// cell is prose, not an id.
func isDescription(id string) bool {
	return strings.ContainsFunc(id, unicode.IsSpace) || strings.ContainsFunc(id, unicode.IsLetter) && len(id) > 24
}

// tiktokShopOrder builds the order from its SKU rows; rows walks them.
func tiktokShopOrder(rd *reader, c tiktokShopCols, cur string, o *Record, firstLine int, rows func(func(cells []string, line int) *Reject) *Reject) *Reject {
	bad := func(i int, err error) *Reject { rj := heldCellErr(rd, i, firstLine, err); return &rj }
	o.Reset()
	o.SetString("merchant_id", rd.merchant)
	o.SetString("currency", cur)
	id := rd.cell(c.id)
	if id == "" {
		return bad(c.id, valueErr("is empty", "every row names its Order ID"))
	}
	o.SetString("order_id", id)
	if _, err := rd.orderTime(o, rd.csv.Field(c.created), tiktokStamps); err != nil {
		return bad(c.created, err)
	}
	raw := strings.ToLower(rd.cell(c.status))
	status, ok := tiktokShopStatus[raw]
	if !ok {
		return bad(c.status, valueErr("is not a known order status", "expected Unpaid, Awaiting shipment, Shipped, Delivered, Completed or Cancelled"))
	}
	var net, gross, disc, items int64
	var hasGross, hasDisc bool
	rj := rows(func(cells []string, line int) *Reject {
		rd.csv.rec = cells
		cellBad := func(i int, err error) *Reject { rj := heldCellErr(rd, i, line, err); return &rj }
		if v := rd.cell(c.qty); v != "" {
			n, err := parseCount(v)
			if err != nil {
				return cellBad(c.qty, err)
			}
			items += n
		}
		if rd.cell(c.after) == "" {
			return cellBad(c.after, valueErr("is empty", "every SKU row has its SKU Subtotal After Discount"))
		}
		v, err := rd.amount(rd.csv.Field(c.after))
		if err == nil && v < 0 {
			err = valueErr("is negative", "SKU subtotals are never negative; check the export")
		}
		if err != nil {
			return cellBad(c.after, err)
		}
		net += v
		for _, p := range []struct {
			col int
			sum *int64
			has *bool
		}{{c.before, &gross, &hasGross}, {c.platformDisc, &disc, &hasDisc}, {c.sellerDisc, &disc, &hasDisc}} {
			if s := rd.cell(p.col); s != "" {
				v, err := rd.amount(s)
				if err != nil {
					return cellBad(p.col, err)
				}
				*p.sum += v
				*p.has = true
			}
		}
		return nil
	})
	if rj != nil {
		return rj
	}
	o.SetMoney("net_revenue", net)
	if hasGross {
		o.SetMoney("gross_revenue", gross)
	}
	if hasDisc {
		o.SetMoney("discount", disc)
	}
	o.SetInt("items", items)
	refunded := int64(0)
	if v := rd.cell(c.refund); v != "" {
		r, err := rd.amount(v)
		if err != nil {
			return bad(c.refund, err)
		}
		refunded = r
	}
	o.SetMoney("refunded", refunded)
	if status != "cancelled" && refunded > 0 && refunded >= net {
		status = "refunded"
	}
	o.SetString("status", status)
	if b := rd.cell(c.buyer); b != "" {
		o.SetString("customer_key", rd.hash.key("tiktok-buyer", strings.ToLower(b)))
	}
	return nil
}
