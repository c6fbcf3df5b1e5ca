package ingest

import (
	"strings"
)

// The Meta Ads Manager export, see ../shared/reference/formats.md §6a. Only
// the chosen columns appear; the currency sits in the header, e.g.
// `Amount spent (USD)`. A row covers `Reporting starts`..`Reporting ends`
// (one day with a daily breakdown, or the `Day` column).

func init() {
	register(&Format{
		Name: "meta-ads", Kind: "spend",
		Identify: []string{"reporting starts", "campaign name", "amount spent"},
		Doc:      "Meta Ads Manager export (Reporting starts, Campaign name, Amount spent (USD))",
		read:     readMetaAds,
	})
}

func readMetaAds(rd *reader) error {
	h := rd.csv.hdr
	start, end, day := h.index("Reporting starts"), h.index("Reporting ends"), h.index("Day")
	campaign, amount, curCol := h.index("Campaign name"), h.index("Amount spent"), h.index("Currency")
	headerCur := h.Currency[amount]
	rec := NewRecord(Spend)
	for rd.csv.Next() {
		if rj := rd.csv.Err(); rj != nil {
			rd.rejectCSV(*rj)
			continue
		}
		rec.Reset()
		rec.Line = rd.csv.line
		dcol := start
		if day >= 0 && cleanCell(rd.csv.Field(day)) != "" {
			dcol = day
		}
		d, err := parseDate(rd.csv.Field(dcol))
		if err != nil {
			rd.rejectCSV(rd.cellErr(dcol, err))
			continue
		}
		if end >= 0 && dcol == start && cleanCell(rd.csv.Field(end)) != "" {
			e, err := parseDate(rd.csv.Field(end))
			if err != nil {
				rd.rejectCSV(rd.cellErr(end, err))
				continue
			}
			if e < d {
				rd.rejectCSV(rd.cellErr(end, valueErr("is before Reporting starts", "check the reporting dates")))
				continue
			}
		}
		rec.SetInt("spend_date", d)
		if cleanCell(rd.csv.Field(amount)) == "" {
			rd.rejectCSV(rd.cellErr(amount, valueErr("is empty", "export Amount spent for every row")))
			continue
		}
		cents, err := parseMoney(rd.csv.Field(amount), '.')
		if err == nil && cents < 0 {
			err = valueErr("is negative", "spend cannot be below zero; check the row in Ads Manager and export it again")
		}
		if err != nil {
			rd.rejectCSV(rd.cellErr(amount, err))
			continue
		}
		rec.SetMoney("amount", cents)
		cur := headerCur
		if curCol >= 0 && cleanCell(rd.csv.Field(curCol)) != "" {
			cur = strings.ToUpper(cleanCell(rd.csv.Field(curCol)))
		}
		if len(cur) != 3 {
			rd.rejectCSV(rd.cellErr(amount, valueErr("has no currency", "keep the currency in the header, e.g. Amount spent (USD), or export the Currency column")))
			continue
		}
		rec.SetString("currency", cur)
		rec.SetString("platform", "meta")
		rec.SetString("campaign", cleanCell(rd.csv.Field(campaign)))
		if err := rd.write(rec); err != nil {
			return err
		}
		rd.accept(1)
	}
	return nil
}
