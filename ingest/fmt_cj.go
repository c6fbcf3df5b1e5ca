package ingest

// The CJ (Commission Junction) publisher commission detail (Members ›
// Reports › Commission Detail, or the Commission Detail API's records as
// CSV), see ../shared/reference/formats.md §3c and docs/formats.md § cj.
// The UI's header strings are not documented (§3c [none]): the API names
// are the canonical ones (commissionId, actionStatus, orderId, sid,
// eventDate, saleAmountPubCurrency, pubCommissionAmountPubCurrency) and
// title-case variants (Commission ID, Action Status, Order ID, SID, Event
// Date, Sale Amount, Publisher Commission) are aliases. Corrections arrive
// as new records with negative amounts, so each record is its own row
// (order_id = commissionId, order_name = orderId).

// cjStatus maps actionStatus onto the canonical order status.
var cjStatus = map[string]string{
	"new": "pending", "extended": "pending", "locked": "approved", "closed": "approved",
}

func init() {
	register(&Format{
		Name: "cj", Kind: "orders",
		Identify: []string{"commissionid|commission id", "actionstatus|action status", "eventdate|event date",
			"saleamountpubcurrency|saleamountusd|saleamount|sale amount"},
		Doc:  "CJ commission detail (commissionId, orderId, sid, eventDate, saleAmount, pubCommissionAmount, actionStatus)",
		read: readCJ,
	})
}

var cjStamps = stampRules{expect: "2018-05-03T22:31:48Z"}

func readCJ(rd *reader) error {
	h := rd.csv.hdr
	c := map[string]int{
		"commissionId": h.index("commissionId", "Commission ID"),
		"eventDate":    h.index("eventDate", "Event Date"),
		"saleAmount":   h.index("saleAmountPubCurrency", "saleAmountUsd", "saleAmount", "Sale Amount"),
	}
	if err := rd.requireCols(c); err != nil {
		return err
	}
	usd := h.Norm[c["saleAmount"]] == "saleamountusd"
	commission := h.index("pubCommissionAmountPubCurrency", "pubCommissionAmountUsd", "pubCommissionAmount", "Publisher Commission", "Commission Amount")
	if usd {
		commission = h.index("pubCommissionAmountUsd")
	}
	return readAffiliate(rd, affiliateCols{
		id: c["commissionId"], orderName: h.index("orderId", "Order ID"), sale: c["saleAmount"], commission: commission,
		date: c["eventDate"], status: h.index("actionStatus", "Action Status"), statuses: cjStatus,
		tracking: []int{h.index("sid", "SID", "Sub ID")}, coupon: h.index("coupon", "Coupon"),
		currency: h.index("pubCurrency", "Publisher Currency", "currency"),
		merchant: h.index("advertiserName", "Advertiser Name", "advertiserId", "Advertiser ID"),
		stamps:   cjStamps, negative: true, usd: usd,
	})
}
