package ingest

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/postlive/postlive/lake"
)

// The generic format: CSV or JSONL whose columns carry the canonical names
// (docs/formats.md § generic). A few input columns hold personal data and are
// turned into keys on the way in: clicks.ip and clicks.user_agent become
// visitor_key, orders.customer_email becomes customer_key, chat.author
// becomes author_key.

// accepted values of enumerated columns
var enums = map[string][]string{
	"drops.structure":             {"limited_quantity", "time_limited", "tiered_bonus"},
	"orders.status":               {"pending", "approved", "refunded", "reversed", "cancelled"},
	"stream_metrics.counter_mode": {"interval", "cumulative"},
	"stream_metrics.granularity":  {"sample", "event", "minute", "session"},
	"chat.kind":                   {"comment", "reaction", "question", "host", "pinned"},
}

// inputs that are not canonical columns but are read by the generic format
var genericExtras = map[string][]string{
	"clicks": {"ip", "user_agent", "referrer"},
	"orders": {"customer_email"},
	"chat":   {"author"},
}

// columns a generic file may not set: lineage and values ingest derives.
var genericDerived = map[string]bool{
	"source_sha256": true, "source_line": true, "import_seq": true, "source_format": true,
	"clicks.is_bot": true, "clicks.bot_reason": true, "clicks.referrer_host": true,
	"clicks.utm_source": true, "clicks.utm_medium": true, "clicks.utm_campaign": true,
	"clicks.utm_content": true, "clicks.utm_term": true, "clicks.is_aggregated": true, "clicks.click_count": true,
	"orders.ordered_until": true,
}

// piiInputs are the generic input columns holding personal data.
var piiInputs = map[string]bool{"ip": true, "user_agent": false, "customer_email": true, "author": true, "email": true}

func init() {
	for _, t := range Tables {
		t := t
		var ident []string
		for _, c := range t.Columns {
			if c.Required && !(t == Clicks && c.Name == "click_id") {
				ident = append(ident, c.Name)
			}
		}
		for _, jsonl := range []bool{false, true} {
			register(&Format{
				Name: "generic", Kind: t.Name, Identify: ident, JSONL: jsonl,
				Doc:  "CSV or JSONL with the canonical column names of " + t.Name,
				read: func(rd *reader) error { return readGeneric(rd, t) },
			})
		}
	}
}

// genericInputs lists the column names a generic file of table t may carry.
func genericInputs(t *Table) []string {
	var out []string
	for _, c := range t.Columns {
		if !genericDerived[c.Name] && !genericDerived[t.Name+"."+c.Name] {
			out = append(out, c.Name)
		}
	}
	return append(out, genericExtras[t.Name]...)
}

// binding ties a position in the input row to what it sets.
type binding struct {
	pos      int
	name     string // canonical or extra input name
	col      int    // canonical column index, -1 for extras
	extra    int    // index of an extra input in genericPlan.extras, -1 for columns
	kind     Kind
	required bool
	rule     textRule // how a text value is checked and normalised
	enum     []string
	field    string // name as written in the file
}

// textRule says how a text cell of a generic file is checked.
type textRule uint8

const (
	textPlain    textRule = iota
	textCode              // coupon codes: trimmed, upper-case
	textCurrency          // ISO 4217
	textEnum              // one of the column's accepted values
	textZone              // an IANA time zone
)

// Extra inputs (genericExtras) are held per row by position, not by name.
const (
	extraIP = iota
	extraUserAgent
	extraReferrer
	extraEmail
	extraAuthor
	numExtras
)

var extraIndex = map[string]int{"ip": extraIP, "user_agent": extraUserAgent, "referrer": extraReferrer, "customer_email": extraEmail, "author": extraAuthor}

type genericPlan struct {
	t        *Table
	binds    []binding
	inputs   map[string]bool
	extras   [numExtras]string // the current row's extra inputs
	required []int             // required columns of t
}

func planGeneric(t *Table, names []string) (*genericPlan, []string) {
	p := &genericPlan{t: t, inputs: map[string]bool{}}
	for i, c := range t.Columns {
		if c.Required {
			p.required = append(p.required, i)
		}
	}
	allowed := map[string]bool{}
	for _, n := range genericInputs(t) {
		allowed[n] = true
	}
	var unknown []string
	for i, raw := range names {
		n := normName(raw)
		n = strings.ReplaceAll(n, " ", "_")
		if n == "email" && t == Orders {
			n = "customer_email"
		}
		if !allowed[n] {
			unknown = append(unknown, raw)
			continue
		}
		b := binding{pos: i, name: n, col: -1, extra: -1, field: raw}
		if idx, ok := t.index[n]; ok {
			b.col = idx
			b.kind = t.Columns[idx].Kind
			b.required = t.Columns[idx].Required
			b.enum = enums[t.Name+"."+n]
			switch {
			case strings.HasSuffix(n, "coupon_code"):
				b.rule = textCode
			case n == "currency":
				b.rule = textCurrency
			case b.enum != nil:
				b.rule = textEnum
			case n == "timezone":
				b.rule = textZone
			}
		} else {
			b.extra = extraIndex[n]
		}
		p.binds = append(p.binds, b)
		p.inputs[n] = true
	}
	return p, unknown
}

func readGeneric(rd *reader, t *Table) error {
	for _, n := range genericExtras[t.Name] {
		if piiInputs[n] {
			rd.pii[n] = true
		}
	}
	rd.pii["customer_email"], rd.pii["email"] = true, true
	rec := NewRecord(t)
	red := NewRecord(Redemptions)
	write := func() error {
		if err := rd.write(rec); err != nil {
			return err
		}
		if t == Orders {
			return deriveRedemption(rd, rec, red)
		}
		return nil
	}
	if rd.csv != nil {
		plan, unknown := planGeneric(t, rd.csv.hdr.Raw)
		if len(unknown) > 0 {
			what, it := "column", "it"
			if len(unknown) > 1 {
				what, it = "columns", "them"
			}
			return &FileError{File: rd.file, Line: 1 + rd.csv.offset, Column: indexOf(rd.csv.hdr.Raw, unknown[0]) + 1,
				Msg: fmt.Sprintf("unknown %s %s for %s; rename %s to one of %s, or remove %s", what, quoteList(unknown), t.Name, it, strings.Join(genericInputs(t), ", "), it)}
		}
		if miss := missingRequired(t, plan); len(miss) > 0 {
			return &FileError{File: rd.file, Line: 1 + rd.csv.offset, Msg: fmt.Sprintf("the header lacks required column %s for %s", quoteList(miss), t.Name)}
		}
		if n := fillWorkers(rd.opt); n > 1 && t != Orders {
			return readGenericParallel(rd, t, plan, n) // orders write two records a row: sequential
		}
		where := func(i int) (int, int) { return rd.csv.fieldLine(i), i + 1 }
		for rd.csv.Next() {
			if rj := rd.csv.Err(); rj != nil {
				rd.rejectCSV(*rj)
				continue
			}
			rec.Reset()
			rec.Line = rd.csv.line
			if rj := plan.fill(rd, rec, rd.csv.rec, where); rj != nil {
				rd.rejectCSV(*rj)
				continue
			}
			if err := write(); err != nil {
				return err
			}
			rd.accept(1)
		}
		return nil
	}
	j := rd.jsonl
	for j.Next() {
		if j.err != nil {
			rd.reject(*j.err, []string{j.raw}, nil) // nil: the line's cells are not known
			continue
		}
		plan, unknown := planGeneric(t, j.keys)
		if len(unknown) > 0 {
			i := indexOf(j.keys, unknown[0])
			rd.reject(Reject{Line: j.line, Column: j.cols[i], Field: unknown[0], Value: j.vals[i], What: "is not a column of " + t.Name,
				Hint: "use the canonical names: " + strings.Join(genericInputs(t), ", ")}, j.vals, j.keys)
			continue
		}
		if miss := missingRequired(t, plan); len(miss) > 0 {
			rd.reject(Reject{Line: j.line, Column: 1, What: fmt.Sprintf("lacks required key %s", quoteList(miss)), Hint: "every line needs the required keys of " + t.Name}, j.vals, j.keys)
			continue
		}
		rec.Reset()
		rec.Line = j.line
		if rj := plan.fill(rd, rec, j.vals, func(i int) (int, int) { return j.line, j.cols[i] }); rj != nil {
			rd.reject(*rj, j.vals, j.keys)
			continue
		}
		if err := write(); err != nil {
			return err
		}
		rd.accept(1)
	}
	return nil
}

func indexOf(ss []string, s string) int {
	for i, x := range ss {
		if x == s {
			return i
		}
	}
	return 0
}

func missingRequired(t *Table, p *genericPlan) []string {
	var miss []string
	for _, c := range t.Columns {
		if c.Required && !p.inputs[c.Name] && !(t == Clicks && c.Name == "click_id") {
			miss = append(miss, c.Name)
		}
	}
	if t == Clicks && !p.inputs["url"] && !p.inputs["stream_id"] && !p.inputs["link_id"] {
		miss = append(miss, "url")
	}
	return miss
}

// fill parses the row's cells into rec; it returns the first problem.
func (p *genericPlan) fill(rd *reader, rec *Record, vals []string, where func(int) (line, col int)) *Reject {
	p.extras = [numExtras]string{}
	problem := func(b *binding, v string, what, hint string) *Reject {
		line, col := where(b.pos)
		return &Reject{Line: line, Column: col, Field: b.field, Value: v, What: what, Hint: hint}
	}
	for i := range p.binds {
		b := &p.binds[i]
		raw := vals[b.pos]
		v := cleanCell(raw)
		if b.col < 0 {
			p.extras[b.extra] = v
			continue
		}
		if v == "" {
			if b.required {
				return problem(b, raw, "is empty", "fill in "+b.name+": every "+strings.TrimSuffix(p.t.Name, "s")+" row needs it")
			}
			continue
		}
		if err := setValue(rd, rec, b, v); err != nil {
			ev, ok := err.(*errValue)
			if !ok {
				ev = &errValue{what: err.Error()}
			}
			return problem(b, raw, ev.what, ev.hint)
		}
	}
	if rj := p.finish(rd, rec, where); rj != nil {
		return rj
	}
	for _, i := range p.required {
		if !rec.Vals[i].Valid {
			return &Reject{Line: rec.Line, Column: 1, Field: p.t.Columns[i].Name, What: "is missing", Hint: "fill in " + p.t.Columns[i].Name}
		}
	}
	return nil
}

func setValue(rd *reader, rec *Record, b *binding, v string) error {
	val := &rec.Vals[b.col]
	switch b.kind {
	case String:
		switch b.rule {
		case textCode:
			v = normalizeCode(v)
		case textCurrency:
			v = strings.ToUpper(v)
			if len(v) != 3 || strings.ToUpper(v) != v || strings.IndexFunc(v, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0 {
				return valueErr("is not a currency code", "use an ISO 4217 code like USD")
			}
		case textEnum:
			v = strings.ToLower(v)
			if !contains(b.enum, v) {
				return valueErr("is not an accepted value", "use one of "+strings.Join(b.enum, ", "))
			}
		case textZone:
			if _, err := loadZone(v); err != nil {
				return valueErr("is not a time zone", "use an IANA name like America/New_York")
			}
		}
		*val = Value{Valid: true, S: v}
	case Int:
		n, err := parseInt(v)
		if err != nil {
			return err
		}
		if n < 0 {
			return valueErr("is negative", "counts cannot be below zero")
		}
		*val = Value{Valid: true, I: n}
	case Float:
		f, err := parseFloat(v)
		if err != nil {
			return err
		}
		if b.name == "commission_rate" && (f < 0 || f > 1) {
			return valueErr("is not a rate between 0 and 1", "write 10 % as 0.10")
		}
		if f < 0 {
			return valueErr("is negative", "this value cannot be below zero")
		}
		*val = FloatValue(f)
	case Bool:
		x, err := parseBool(v)
		if err != nil {
			return err
		}
		*val = Value{Valid: true, B: x}
	case Money:
		c, err := parseMoney(v, '.')
		if err != nil {
			return err
		}
		if c < 0 {
			return valueErr("is negative", "amounts in this file cannot be below zero; record refunds in the refunded column")
		}
		*val = Value{Valid: true, I: c}
	case Time:
		t, err := parseTime(v, rd.loc, rd.tzKey)
		if err != nil {
			return err
		}
		*val = Value{Valid: true, I: t.UnixMicro()}
	case Date:
		d, err := parseDate(v)
		if err != nil {
			return err
		}
		*val = Value{Valid: true, I: d}
	}
	return nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// finish derives the values that come from several inputs and checks rules
// spanning columns.
func (p *genericPlan) finish(rd *reader, rec *Record, where func(int) (int, int)) *Reject {
	after := func(a, b string) *Reject {
		ia, ib := p.t.Col(a), p.t.Col(b)
		if rec.Vals[ia].Valid && rec.Vals[ib].Valid && rec.Vals[ib].I <= rec.Vals[ia].I {
			bi := p.bindingOf(b)
			line, col := rec.Line, 1
			if bi != nil {
				line, col = where(bi.pos)
			}
			return &Reject{Line: line, Column: col, Field: b, Value: fmtMicros(rec.Vals[ib].I), What: "is not after " + a, Hint: "check the two timestamps and their UTC offsets"}
		}
		return nil
	}
	switch p.t {
	case Streams:
		return after("started_at", "ended_at")
	case Drops:
		return after("starts_at", "ends_at")
	case Clicks:
		c, v := &clickCols, rec.Vals
		ua := absentDash(p.extras[extraUserAgent])
		if ip := p.extras[extraIP]; ip != "" || ua != "" {
			if !v[c.visitorKey].Valid {
				v[c.visitorKey] = Value{Valid: true, S: rd.hash.key("visitor", ip, ua)}
			}
		}
		reason := rd.bots.match(ua)
		v[c.isBot] = Value{Valid: true, B: reason != ""}
		if reason != "" {
			v[c.botReason] = Value{Valid: true, S: reason}
		}
		v[c.isAggregated] = Value{Valid: true, B: false}
		v[c.clickCount] = Value{Valid: true, I: 1}
		if ref := absentDash(p.extras[extraReferrer]); ref != "" {
			if h := rd.hosts.host(ref); h != "" {
				v[c.referrerHost] = Value{Valid: true, S: h}
			}
		}
		if u := v[c.url]; u.Valid {
			m := rd.utms.parse(u.S, rd.opt.StreamParam)
			for i, s := range [...]string{m.source, m.medium, m.campaign, m.content, m.term} {
				if s != "" {
					v[c.utm[i]] = Value{Valid: true, S: s}
				}
			}
			if !v[c.streamID].Valid && m.stream != "" {
				v[c.streamID] = Value{Valid: true, S: m.stream}
			}
		}
		if !v[c.clickID].Valid {
			v[c.clickID] = Value{Valid: true, S: lake.FileID(rd.fileSHA()) + ":" + strconv.Itoa(rec.Line)}
		}
	case Orders:
		if e := p.extras[extraEmail]; e != "" && !rec.Get("customer_key").Valid {
			rec.SetString("customer_key", rd.hash.email(e))
		}
	case Chat:
		if a := p.extras[extraAuthor]; a != "" && !rec.Get("author_key").Valid {
			rec.SetString("author_key", rd.hash.key("author", strings.ToLower(a)))
		}
		if !rec.Get("seq").Valid {
			rec.SetInt("seq", int64(rec.Line))
		}
		if k := rec.Get("kind"); k.Valid && k.S == "host" && !rec.Get("is_host").Valid {
			rec.SetBool("is_host", true)
		}
	}
	return nil
}

// clickCols are the positions of the click columns the generic format
// derives, looked up once instead of by name on every row.
var clickCols = struct {
	visitorKey, isBot, botReason, isAggregated, clickCount, referrerHost, url, streamID, clickID int
	utm                                                                                          [5]int // source, medium, campaign, content, term
}{
	visitorKey: Clicks.Col("visitor_key"), isBot: Clicks.Col("is_bot"), botReason: Clicks.Col("bot_reason"),
	isAggregated: Clicks.Col("is_aggregated"), clickCount: Clicks.Col("click_count"), referrerHost: Clicks.Col("referrer_host"),
	url: Clicks.Col("url"), streamID: Clicks.Col("stream_id"), clickID: Clicks.Col("click_id"),
	utm: [5]int{Clicks.Col("utm_source"), Clicks.Col("utm_medium"), Clicks.Col("utm_campaign"), Clicks.Col("utm_content"), Clicks.Col("utm_term")},
}

func (p *genericPlan) bindingOf(name string) *binding {
	for i := range p.binds {
		if p.binds[i].name == name {
			return &p.binds[i]
		}
	}
	return nil
}

// deriveRedemption writes the redemption an order with a coupon code implies.
func deriveRedemption(rd *reader, order, red *Record) error {
	code := order.Get("coupon_code")
	if !code.Valid {
		return nil
	}
	red.Reset()
	red.Line = order.Line
	red.SetString("merchant_id", order.Get("merchant_id").S)
	red.SetString("coupon_code", code.S)
	red.SetString("order_id", order.Get("order_id").S)
	red.Vals[Redemptions.Col("redeemed_at")] = order.Get("ordered_at")
	red.Vals[Redemptions.Col("discount_amount")] = order.Get("discount")
	return rd.write(red)
}

// absentDash reads the "-" that web servers (nginx, Apache) and many click
// exports write for an absent user agent or referrer as absent: a "-" user
// agent is an empty one, so the bot rule applies to it.
func absentDash(s string) string {
	if t := strings.TrimSpace(s); t == "-" || t == "" {
		return ""
	}
	return s
}
