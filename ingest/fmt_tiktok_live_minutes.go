package ingest

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The TikTok Shop per-minute LIVE performance (Partner API GET
// /analytics/202510/shop_lives/{live_id}/performance_per_minutes, saved as
// the JSON response), see ../shared/reference/formats.md §5a and
// docs/formats.md § tiktok-live-minutes. The document holds `overall`
// (start_time, end_time, duration, gmv) and `intervals` (timestamp, gmv
// {amount, currency}, sku_orders, customers, items_sold), Unix seconds in
// UTC. Each interval becomes a stream_metrics row with granularity
// "minute" carrying orders and revenue; the stream is a top-level
// "stream_id" when the user adds one, else the plan's TikTok stream running
// at overall.start_time.

var tiktokMinutesHead = regexp.MustCompile(`"intervals"\s*:`)

func init() {
	register(&Format{
		Name: "tiktok-live-minutes", Kind: "stream_metrics",
		Sniff: func(first, head []byte) bool {
			return bytes.HasPrefix(bytes.TrimSpace(first), []byte("{")) && tiktokMinutesHead.Match(head)
		},
		Doc:  "TikTok Shop per-minute LIVE performance JSON (overall, intervals: timestamp, gmv, sku_orders)",
		read: readTikTokLiveMinutes,
	})
}

// tiktokMinutesDoc is the response; numbers may be strings or numbers.
type tiktokMinutesDoc struct {
	StreamID string          `json:"stream_id"`
	Data     json.RawMessage `json:"data"`
}

type tiktokMinutesData struct {
	LiveID  json.RawMessage `json:"live_id"`
	Overall struct {
		StartTime json.Number `json:"start_time"`
	} `json:"overall"`
	Intervals []json.RawMessage `json:"intervals"`
}

type tiktokMinutesInterval struct {
	Timestamp json.Number `json:"timestamp"`
	GMV       *struct {
		Amount   json.Number `json:"amount"`
		Currency string      `json:"currency"`
	} `json:"gmv"`
	SKUOrders *json.Number `json:"sku_orders"`
}

func readTikTokLiveMinutes(rd *reader) error {
	var buf bytes.Buffer
	lines := 0
	for rd.lines.Next() {
		if rj := rd.lines.err; rj != nil {
			return &FileError{File: rd.file, Line: rj.Line, Msg: "has a line that " + rj.What + "; a per-minute performance response has short lines; check the file"}
		}
		for lines < rd.lines.line-1 { // keep line numbers: blank lines were skipped
			buf.WriteByte('\n')
			lines++
		}
		buf.WriteString(rd.lines.text)
		buf.WriteByte('\n')
		lines++
		if buf.Len() > 64<<20 {
			return &FileError{File: rd.file, Msg: "is larger than 64 MB; a per-minute performance response is far smaller; check the file"}
		}
	}
	doc := buf.Bytes()
	lineAt := func(off int) int { return bytes.Count(doc[:max(0, min(off, len(doc)))], []byte("\n")) + 1 }
	var top tiktokMinutesDoc
	var data tiktokMinutesData
	err := json.Unmarshal(doc, &top)
	if err == nil {
		body := top.Data
		if len(body) == 0 {
			body = doc // the data object saved on its own
		}
		d := json.NewDecoder(bytes.NewReader(body))
		d.UseNumber()
		err = d.Decode(&data)
	}
	if err != nil {
		return &FileError{File: rd.file, Line: 1, Msg: "is not a performance_per_minutes response (" + err.Error() + "); save the API's JSON response as it is"}
	}
	stream := strings.TrimSpace(top.StreamID)
	if stream == "" {
		start, err := unixSeconds(data.Overall.StartTime)
		if err != nil {
			return &FileError{File: rd.file, Line: 1, Msg: "has no overall.start_time to find its stream; add \"stream_id\" naming the plan's stream at the top of the document"}
		}
		id, why := newStreamMatcher(rd).match(start, "", "")
		if id == "" {
			for range data.Intervals {
				rd.reject(Reject{Line: 1, Column: 1, What: "starts at " + start.Format(time.RFC3339) + " and " + why,
					Hint: "import the stream plan (streams) first, or add \"stream_id\" naming the plan's stream at the top of the document"}, nil, nil)
			}
			return nil
		}
		stream = id
	}
	rec := NewRecord(StreamMetrics)
	cursor := 0
	for _, raw := range data.Intervals {
		line := 1
		if i := bytes.Index(doc[cursor:], raw); i >= 0 {
			line = lineAt(cursor + i)
			cursor += i + len(raw)
		}
		bad := func(field, value, what, hint string) {
			rd.reject(Reject{Line: line, Column: 1, Field: field, Value: value, What: what, Hint: hint}, []string{string(raw)}, []string{"interval"})
		}
		var iv tiktokMinutesInterval
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if err := d.Decode(&iv); err != nil {
			bad("", "", "is not an interval object ("+err.Error()+")", "each interval is {\"timestamp\":…,\"gmv\":{\"amount\":\"1.00\",\"currency\":\"USD\"},\"sku_orders\":1}")
			continue
		}
		ts, err := unixSeconds(iv.Timestamp)
		if err != nil {
			bad("timestamp", iv.Timestamp.String(), "is not a Unix time in seconds", "the API writes timestamps like 1793923200")
			continue
		}
		rec.Reset()
		rec.Line = line
		rec.SetString("stream_id", stream)
		rec.SetTime("ts", ts)
		rec.SetString("granularity", "minute")
		if iv.SKUOrders != nil {
			n, err := parseCount(iv.SKUOrders.String())
			if err != nil {
				bad("sku_orders", iv.SKUOrders.String(), "is not a count", "sku_orders is a whole number")
				continue
			}
			rec.SetInt("orders", n)
		}
		if iv.GMV != nil && iv.GMV.Amount != "" {
			cents, err := parseMoney(iv.GMV.Amount.String(), '.')
			cur := strings.ToUpper(strings.TrimSpace(iv.GMV.Currency))
			if err == nil && (len(cur) != 3 || strings.IndexFunc(cur, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0) {
				err = valueErr("has no currency", "gmv carries its currency, like {\"amount\":\"12.50\",\"currency\":\"USD\"}")
			}
			if err != nil {
				ev, _ := err.(*errValue)
				bad("gmv.amount", iv.GMV.Amount.String(), ev.what, ev.hint)
				continue
			}
			rec.SetMoney("revenue", cents)
			rec.SetString("currency", cur)
		}
		if err := rd.write(rec); err != nil {
			return err
		}
		rd.accept(1)
	}
	return nil
}

// unixSeconds reads a Unix time in seconds (a JSON number or string).
func unixSeconds(n json.Number) (time.Time, error) {
	v, err := strconv.ParseInt(strings.Trim(n.String(), `"`), 10, 64)
	if err != nil || v < 1e8 || v > 1e11 {
		return time.Time{}, valueErr("is not a Unix time", "")
	}
	return time.Unix(v, 0).UTC(), nil
}
