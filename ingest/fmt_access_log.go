package ingest

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Web server access logs in the nginx/Apache combined (or common) format,
// see ../shared/reference/formats.md §4b–4c and docs/formats.md §
// access-log: one request per line, no header, recognised from the first
// line. A request whose URL carries a utm_ parameter or the stream
// parameter (clicks.stream_param) is a click; other requests (assets,
// pages without tracking) are read and accepted but not written. The IP
// address and user agent become visitor_key exactly as in generic click
// files; the IP never reaches the lake or the rejects.

// accessLine matches `IP IDENT USER [TIME] "REQUEST" STATUS BYTES "REFERER" "UA"`;
// the referrer and user agent are missing in the common format.
var accessLine = regexp.MustCompile(`^(\S+) \S+ \S+ \[([^\]]+)\] "((?:[^"\\]|\\.)*)" (\d{3}|-) (\d+|-)(?: "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)")?`)

func init() {
	register(&Format{
		Name: "access-log", Kind: "clicks",
		Sniff: func(first, _ []byte) bool { return accessLine.Match(first) },
		Doc:   "nginx/Apache combined log lines; requests with UTM or stream parameters are clicks",
		read:  readAccessLog,
	})
}

// unescapeLog undoes the escaping of quoted log fields (\" and \\ by
// Apache, \x22 by nginx).
func unescapeLog(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			if s[i+1] == 'x' && i+3 < len(s) {
				if v, err := strconv.ParseUint(s[i+2:i+4], 16, 8); err == nil {
					b.WriteByte(byte(v))
					i += 3
					continue
				}
			}
			b.WriteByte(s[i+1])
			i++
			continue
		}
		b.WriteByte(s[i])
	}
	return strings.ToValidUTF8(b.String(), "\ufffd")
}

func readAccessLog(rd *reader) error {
	l := rd.lines
	rec := NewRecord(Clicks)
	plan := &genericPlan{t: Clicks}
	where := func(int) (int, int) { return l.line, 1 }
	// the rejects hold the line with its IP address replaced by its key
	masked := func() []string {
		ip, rest, _ := strings.Cut(l.text, " ")
		return []string{"key:" + rd.hash.key("pii", ip) + " " + rest}
	}
	for l.Next() {
		if l.err != nil {
			rd.reject(*l.err, []string{"key:" + rd.hash.key("pii", l.text)}, []string{"line"})
			continue
		}
		m := accessLine.FindStringSubmatch(l.text)
		if m == nil {
			// where the IP address and the rest are is not known: the
			// reject keeps the line's key only
			rd.reject(Reject{Line: l.line, Column: 1, What: "is not a combined log line",
				Hint: `expected IP - USER [05/Nov/2026:19:00:00 -0500] "GET /path?utm_content=s5 HTTP/1.1" 302 0 "REFERER" "USER AGENT"`}, []string{"key:" + rd.hash.key("pii", l.text)}, []string{"line"})
			continue
		}
		ts, err := time.Parse("02/Jan/2006:15:04:05 -0700", m[2])
		if err != nil {
			rd.reject(Reject{Line: l.line, Column: strings.Index(l.text, "[") + 2, Field: "time", Value: m[2], What: "is not a log timestamp",
				Hint: "expected 05/Nov/2026:19:00:00 -0500 ($time_local, %t)"}, masked(), []string{"line"})
			continue
		}
		method, target, _ := strings.Cut(unescapeLog(m[3]), " ")
		target, _, _ = strings.Cut(target, " ")
		if method != "GET" && method != "HEAD" || !isTrackedURL(target, rd.opt.StreamParam) {
			rd.accept(1) // not a click: read, valid, not written
			continue
		}
		rec.Reset()
		rec.Line = l.line
		rec.SetTime("ts", ts.UTC())
		rec.SetString("url", strings.ToValidUTF8(target, "\ufffd"))
		plan.extras = [numExtras]string{}
		plan.extras[extraIP] = m[1]
		plan.extras[extraUserAgent] = unescapeLog(m[7])
		if ref := unescapeLog(m[6]); ref != "-" {
			plan.extras[extraReferrer] = ref
		}
		if rj := plan.finish(rd, rec, where); rj != nil {
			rd.reject(*rj, masked(), []string{"line"})
			continue
		}
		if err := rd.write(rec); err != nil {
			return err
		}
		rd.accept(1)
	}
	return nil
}

// isTrackedURL tells a request for a tracked link: its query has a utm_
// parameter or the stream parameter.
func isTrackedURL(target, streamParam string) bool {
	_, q, ok := strings.Cut(target, "?")
	if !ok {
		return false
	}
	for _, kv := range strings.Split(q, "&") {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "utm_") || k == streamParam {
			return true
		}
	}
	return false
}
