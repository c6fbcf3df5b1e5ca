package ingest

import (
	"fmt"
	"strings"
)

// The Shopify orders export (Admin › Orders › Export), see
// ../shared/reference/formats.md §1a and docs/formats.md § shopify. One row
// per line item; the order-level cells are filled on the first row of each
// order only, continuation rows repeat `Name`. The export does not name the
// merchant: it comes from --merchant or default_merchant.

// shopifyStatus maps `Financial Status` onto the canonical order status.
var shopifyStatus = map[string]string{
	"paid": "approved", "partially_refunded": "approved",
	"pending": "pending", "authorized": "pending", "partially_paid": "pending",
	"refunded": "refunded", "voided": "cancelled", "expired": "cancelled",
}

func init() {
	register(&Format{
		Name: "shopify", Kind: "orders", Merchant: true,
		Identify: []string{"name", "financial status", "created at", "subtotal", "currency", "lineitem quantity"},
		Doc:      "Shopify orders export (Admin › Orders › Export), one row per line item",
		read:     readShopify,
	})
}

type shopifyCols struct {
	name, id, email, status, currency, subtotal, discountCode, discountAmount, createdAt,
	cancelledAt, refunded, qty, price, lineDiscount int
}

func readShopify(rd *reader) error {
	h := rd.csv.hdr
	c := shopifyCols{
		name: h.index("Name"), id: h.index("Id"), email: h.index("Email"), status: h.index("Financial Status"),
		currency: h.index("Currency"), subtotal: h.index("Subtotal"), discountCode: h.index("Discount Code"),
		discountAmount: h.index("Discount Amount"), createdAt: h.index("Created at"),
		cancelledAt: h.index("Cancelled at", "Canceled at"), refunded: h.index("Refunded Amount"),
		qty: h.index("Lineitem quantity"), price: h.index("Lineitem price"), lineDiscount: h.index("Lineitem discount"),
	}
	for _, pii := range []string{"email", "billing name", "billing street", "billing address1", "billing address2",
		"billing phone", "billing zip", "billing company", "shipping name", "shipping street", "shipping address1",
		"shipping address2", "shipping phone", "shipping zip", "shipping company", "phone", "notes", "note attributes",
		"payment reference", "payment references", "payment id", "device id", "employee", "receipt number"} {
		rd.pii[pii] = true
	}
	order := NewRecord(Orders)
	red := NewRecord(Redemptions)
	name := func(cells []string) string { return cleanCell(cellAt(cells, c.name)) }
	return groupRows(rd, name, nil, func(group []heldRow) error {
		if rj := shopifyOrder(rd, c, group, order); rj != nil {
			first := group[0]
			rd.rejectGroup(group, 0, *rj, func(r heldRow) Reject {
				return Reject{Line: r.line, Column: c.name + 1, Field: h.Raw[c.name], Value: r.cells[c.name],
					What: fmt.Sprintf("belongs to order %s, which was rejected at line %d", first.cells[c.name], first.line),
					Hint: "fix the order's first row and import the file again"}
			})
			return nil
		}
		if err := rd.write(order); err != nil {
			return err
		}
		if err := deriveRedemption(rd, order, red); err != nil {
			return err
		}
		rd.accept(len(group))
		return nil
	})
}

// shopifyOrder builds the canonical order from the rows of one order.
func shopifyOrder(rd *reader, c shopifyCols, group []heldRow, o *Record) *Reject {
	first := group[0]
	h := rd.csv.hdr
	cell := func(i int) string {
		if i < 0 {
			return ""
		}
		return first.cells[i]
	}
	bad := func(i int, err error) *Reject {
		rj := Reject{Line: first.line, Column: i + 1, Field: h.Raw[i], Value: first.cells[i]}
		if ev, ok := err.(*errValue); ok {
			rj.What, rj.Hint = ev.what, ev.hint
		} else {
			rj.What = err.Error()
		}
		return &rj
	}
	o.Reset()
	o.Line = first.line
	o.SetString("merchant_id", rd.merchant)
	name := cleanCell(cell(c.name))
	id := cleanProtected(cell(c.id))
	if id == "" {
		id = name
	}
	if id == "" {
		return bad(c.name, valueErr("is empty", "every order needs its Name or Id"))
	}
	o.SetString("order_id", id)
	o.SetString("order_name", name)

	if strings.TrimSpace(cell(c.createdAt)) == "" {
		return bad(c.createdAt, valueErr("is empty", "the first row of each order needs Created at; re-export the orders"))
	}
	t, err := parseTime(cell(c.createdAt), rd.loc, rd.tzKey)
	if err != nil {
		return bad(c.createdAt, err)
	}
	o.SetTime("ordered_at", t)

	cur := strings.ToUpper(cleanCell(cell(c.currency)))
	if len(cur) != 3 {
		return bad(c.currency, valueErr("is not a currency code", "the first row of each order needs its ISO 4217 Currency"))
	}
	o.SetString("currency", cur)

	money := func(col int, dst string, required bool) *Reject {
		v := cleanCell(cell(col))
		if v == "" {
			if required {
				return bad(col, valueErr("is empty", "the first row of each order needs "+h.Raw[col]))
			}
			return nil
		}
		cents, err := parseMoney(v, '.')
		if err != nil {
			return bad(col, err)
		}
		if cents < 0 {
			return bad(col, valueErr("is negative", "Shopify amounts are never negative; check the export"))
		}
		o.SetMoney(dst, cents)
		return nil
	}
	if rj := money(c.subtotal, "net_revenue", true); rj != nil {
		return rj
	}
	if c.discountAmount >= 0 {
		if rj := money(c.discountAmount, "discount", false); rj != nil {
			return rj
		}
	}
	if c.refunded >= 0 {
		if rj := money(c.refunded, "refunded", false); rj != nil {
			return rj
		}
	}
	if !o.Get("refunded").Valid {
		o.SetMoney("refunded", 0)
	}

	st := strings.ToLower(cleanCell(cell(c.status)))
	status, ok := shopifyStatus[st]
	if !ok {
		return bad(c.status, valueErr("is not a Shopify financial status", "expected one of paid, partially_refunded, pending, authorized, partially_paid, refunded, voided, expired"))
	}
	if c.cancelledAt >= 0 && cleanCell(cell(c.cancelledAt)) != "" {
		if _, err := parseTime(cell(c.cancelledAt), rd.loc, rd.tzKey); err != nil {
			return bad(c.cancelledAt, err)
		}
		status = "cancelled"
	}
	o.SetString("status", status)

	if code := normalizeCode(cell(c.discountCode)); code != "" {
		o.SetString("coupon_code", code)
	}
	if e := cell(c.email); e != "" {
		o.SetString("customer_key", rd.hash.email(e))
	}

	var items, gross int64
	for _, l := range group {
		q := cleanCell(l.cells[c.qty])
		if q == "" {
			continue
		}
		n, err := parseInt(q)
		if err != nil || n < 0 {
			if err == nil {
				err = valueErr("is negative", "quantities cannot be below zero")
			}
			rj := Reject{Line: l.line, Column: c.qty + 1, Field: h.Raw[c.qty], Value: l.cells[c.qty]}
			rj.What, rj.Hint = err.(*errValue).what, err.(*errValue).hint
			return &rj
		}
		items += n
		if c.price >= 0 && cleanCell(l.cells[c.price]) != "" {
			p, err := parseMoney(l.cells[c.price], '.')
			if err != nil {
				rj := Reject{Line: l.line, Column: c.price + 1, Field: h.Raw[c.price], Value: l.cells[c.price]}
				rj.What, rj.Hint = err.(*errValue).what, err.(*errValue).hint
				return &rj
			}
			gross += n * p
		}
	}
	o.SetInt("items", items)
	o.SetMoney("gross_revenue", gross)
	return nil
}
