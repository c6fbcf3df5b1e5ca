package ingest

import (
	"strings"
	"time"
)

// The TikTok Ads Manager custom report (Reporting › Custom reports; CSV,
// or the XLSX download), see ../shared/reference/formats.md §6b and
// docs/formats.md § tiktok-ads. Only the chosen columns appear; headers are
// capitalised variously and may be localised (Korean aliases). Days are the
// advertiser account's calendar days, stored as they are (like meta-ads);
// hourly rows are placed on the UTC day of their hour using the account
// time zone from time_zones.tiktok-ads without daylight saving time (the
// account zone is fixed at registration and has no DST, §6b).

func init() {
	register(&Format{
		Name: "tiktok-ads", Kind: "spend",
		Identify: []string{"by day|date|day|by hour|hour|일별|날짜", "campaign name|캠페인 이름", "cost|spend|비용"},
		Doc:      "TikTok Ads Manager custom report (By Day, Campaign name, Cost (USD)); account days, no DST",
		read:     readTikTokAds,
	})
}

// standardZone is loc without daylight saving time: its smaller offset of
// the year (January and July compared), as a fixed zone.
func standardZone(loc *time.Location, year int) *time.Location {
	_, jan := time.Date(year, 1, 1, 12, 0, 0, 0, loc).Zone()
	_, jul := time.Date(year, 7, 1, 12, 0, 0, 0, loc).Zone()
	off := min(jan, jul)
	return time.FixedZone("", off)
}

func readTikTokAds(rd *reader) error {
	h := rd.csv.hdr
	day := h.index("By Day", "Date", "Day", "By Hour", "Hour", "일별", "날짜")
	campaign := h.index("Campaign name", "캠페인 이름")
	cost := h.index("Cost", "Spend", "비용")
	curCol := h.index("Currency", "통화")
	rec := NewRecord(Spend)
	for rd.csv.Next() {
		if rj := rd.csv.Err(); rj != nil {
			rd.rejectCSV(*rj)
			continue
		}
		rec.Reset()
		rec.Line = rd.csv.line
		if first := strings.ToLower(rd.cell(0)); strings.HasPrefix(first, "total") {
			continue // the summary row of the report
		}
		raw := rd.cell(day)
		var d int64
		var err error
		if len(raw) > 10 { // an hour: "2026-11-05 19:00:00"
			var t time.Time
			t, err = time.Parse("2006-01-02 15:04:05", raw)
			if err != nil {
				t, err = time.Parse("2006-01-02 15:04", raw)
			}
			switch {
			case err != nil:
				err = valueErr("is not a day or hour", "expected 2026-11-05 or 2026-11-05 19:00:00 in the account's time zone")
			case rd.loc == nil:
				err = valueErr("is an hour in the ad account's time zone", "set "+rd.tzKey+" in postlive.yaml to the account's zone (TikTok applies no daylight saving time)")
			default:
				local := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), 0, 0, standardZone(rd.loc, t.Year()))
				u := local.UTC()
				d = time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC).Unix() / 86400
			}
		} else {
			d, err = parseDate(raw)
		}
		if err != nil {
			rd.rejectCSV(rd.cellErr(day, err))
			continue
		}
		rec.SetInt("spend_date", d)
		if rd.cell(cost) == "" {
			rd.rejectCSV(rd.cellErr(cost, valueErr("is empty", "export Cost for every row (0 when nothing was spent)")))
			continue
		}
		cents, err := rd.amount(rd.csv.Field(cost))
		if err == nil && cents < 0 {
			err = valueErr("is negative", "spend cannot be below zero")
		}
		if err != nil {
			rd.rejectCSV(rd.cellErr(cost, err))
			continue
		}
		rec.SetMoney("amount", cents)
		cur := h.Currency[cost]
		if v := rd.cell(curCol); v != "" {
			cur = strings.ToUpper(v)
		}
		if cur == "" {
			cur = strings.ToUpper(rd.opt.Currency)
		}
		if len(cur) != 3 {
			rd.rejectCSV(rd.cellErr(cost, valueErr("has no currency", "export the Currency column or keep it in the header, e.g. Cost (USD)")))
			continue
		}
		rec.SetString("currency", cur)
		rec.SetString("platform", "tiktok")
		rec.SetString("campaign", rd.cell(campaign))
		if err := rd.write(rec); err != nil {
			return err
		}
		rd.accept(1)
	}
	return nil
}
