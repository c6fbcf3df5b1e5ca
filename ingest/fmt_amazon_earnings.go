package ingest

// The Amazon Associates Fee-Earnings report (same delivery as Fee-Orders),
// see ../shared/reference/formats.md §2 and docs/formats.md §
// amazon-earnings. One row per ASIN, tracking ID and ship date; returns
// and refunds are separate rows with negative Revenue and Ad Fees, kept as
// rows with a negative net_revenue so that they reduce revenue.

func init() {
	register(&Format{
		Name: "amazon-earnings", Kind: "orders", Merchant: true, Preamble: 1, Sheets: []string{"Fee-Earnings"},
		Identify: []string{"asin", "tracking id", "date shipped", "revenue", "ad fees"},
		Doc:      "Amazon Associates Fee-Earnings report (title line, Tracking ID, Revenue($), Ad Fees($)); items shipped, returns negative",
		read:     readAmazonEarnings,
	})
}

func readAmazonEarnings(rd *reader) error {
	h := rd.csv.hdr
	c := map[string]int{"ASIN": h.index("ASIN"), "Tracking ID": h.index("Tracking ID", "Tag"), "Date Shipped": h.index("Date Shipped"),
		"Revenue": h.index("Revenue"), "Ad Fees": h.index("Ad Fees")}
	if err := rd.requireCols(c); err != nil {
		return err
	}
	shipped, returns := h.index("Items Shipped"), h.index("Returns")
	rows := newAmazonRows(rd)
	cur, err := rows.currency(c["Revenue"], c["Ad Fees"], h.index("Price"))
	if err != nil {
		return err
	}
	o := NewRecord(Orders)
	count := func(i int) (int64, *Reject) {
		v := rd.cell(i)
		if i < 0 || v == "" {
			return 0, nil
		}
		n, err := parseInt(v)
		if err == nil && (n > 1e6 || n < -1e6) {
			err = valueErr("is not a plausible count", "check the column")
		}
		if err != nil {
			rj := rd.cellErr(i, err)
			return 0, &rj
		}
		if n < 0 {
			n = -n // some marketplaces write returns as negative counts
		}
		return n, nil
	}
	for rows.next() {
		asin, t, ok := rows.start(o, cur, "approved", c["ASIN"], c["Date Shipped"], "Fee-Earnings")
		if !ok {
			continue
		}
		tag := rd.cell(c["Tracking ID"])
		if rd.cell(c["Revenue"]) == "" {
			rd.rejectCSV(rd.cellErr(c["Revenue"], valueErr("is empty", "every row of the Fee-Earnings report has its Revenue")))
			continue
		}
		rev, err := rd.amount(rd.csv.Field(c["Revenue"]))
		if err != nil {
			rd.rejectCSV(rd.cellErr(c["Revenue"], err))
			continue
		}
		o.SetMoney("net_revenue", rev)
		if v := rd.cell(c["Ad Fees"]); v != "" {
			fee, err := rd.amount(v)
			if err != nil {
				rd.rejectCSV(rd.cellErr(c["Ad Fees"], err))
				continue
			}
			o.SetMoney("commission", fee)
		}
		ns, rj := count(shipped)
		if rj != nil {
			rd.rejectCSV(*rj)
			continue
		}
		nr, rj := count(returns)
		if rj != nil {
			rd.rejectCSV(*rj)
			continue
		}
		if shipped >= 0 || returns >= 0 {
			o.SetInt("items", ns-nr)
		}
		kind := "shipped"
		if rev < 0 || (nr > 0 && ns == 0) {
			kind = "returned"
		}
		if rd.returnsOnly && kind != "returned" {
			// a shipment of a sale the workbook's Fee-Orders sheet holds
			rd.accept(1)
			continue
		}
		o.SetString("tracking_id", tag)
		o.SetString("sale_key", amazonSaleKey(tag, asin))
		o.SetString("order_id", rows.orderID("amazon-earnings", tag, asin, rd.wallClock(t), kind))
		if err := rd.write(o); err != nil {
			return err
		}
		rd.accept(1)
	}
	return nil
}
