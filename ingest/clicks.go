package ingest

import (
	"net/url"
	"strings"
)

// DefaultBotPatterns are the user-agent substrings of the design's bot list,
// matched case-insensitively. Users add their own in config (bots.patterns).
var DefaultBotPatterns = []string{
	"bot", "crawler", "spider", "preview", "facebookexternalhit", "slack", "whatsapp",
	"telegram", "discord", "curl", "wget", "python-requests", "go-http-client", "headless",
}

// botMatcher flags bot user agents.
type botMatcher struct {
	patterns []string
	reasons  []string          // "user agent contains <pattern>", built once
	seen     map[string]string // user agent → reason; exports repeat a few hundred agents
}

// maxSeenAgents bounds the cache of match results.
const maxSeenAgents = 8192

func newBotMatcher(extra []string) *botMatcher {
	m := &botMatcher{}
	seen := map[string]bool{}
	for _, p := range append(append([]string{}, DefaultBotPatterns...), extra...) {
		p = strings.ToLower(strings.TrimSpace(p))
		if p != "" && !seen[p] {
			seen[p] = true
			m.patterns = append(m.patterns, p)
			m.reasons = append(m.reasons, "user agent contains "+p)
		}
	}
	return m
}

// match returns the reason a user agent counts as a bot, or "".
func (m *botMatcher) match(ua string) string {
	ua = strings.TrimSpace(ua)
	if ua == "" {
		return "empty user agent"
	}
	if r, ok := m.seen[ua]; ok {
		return r
	}
	reason := ""
	lower := strings.ToLower(ua)
	for i, p := range m.patterns {
		if strings.Contains(lower, p) {
			reason = m.reasons[i]
			break
		}
	}
	if m.seen == nil || len(m.seen) >= maxSeenAgents {
		m.seen = make(map[string]string, 256)
	}
	m.seen[strings.Clone(ua)] = reason
	return reason
}

// utm holds the tracking parameters of a click URL.
type utm struct {
	source, medium, campaign, content, term string
	stream                                  string // value of the configured stream parameter
}

// utmCache remembers the tracking parameters of the last URL parsed: click
// URLs repeat row after row (a stream's product links), and parseUTM
// depends on the URL and the stream parameter alone.
type utmCache struct {
	url, param string
	m          utm
	ok         bool
}

func (c *utmCache) parse(rawURL, streamParam string) utm {
	if c.ok && rawURL == c.url && streamParam == c.param {
		return c.m
	}
	c.url, c.param, c.m, c.ok = rawURL, streamParam, parseUTM(rawURL, streamParam), true
	return c.m
}

// parseUTM reads the utm_* parameters (values lower-cased, as GA4 treats
// them case-sensitively and users mix cases) and the stream parameter (kept
// as written: it is an id). It scans the raw query without building a map.
func parseUTM(rawURL, streamParam string) utm {
	var u utm
	q := rawURL
	if i := strings.IndexByte(q, '#'); i >= 0 {
		q = q[:i] // a fragment is not sent to the server: "?" in it is no query
	}
	if i := strings.IndexByte(q, '?'); i >= 0 {
		q = q[i+1:]
	} else {
		return u
	}
	for q != "" {
		var kv string
		if i := strings.IndexByte(q, '&'); i >= 0 {
			kv, q = q[:i], q[i+1:]
		} else {
			kv, q = q, ""
		}
		k, v, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(k, "utm_") && k != streamParam {
			continue
		}
		if escaped(v) {
			if dv, err := url.QueryUnescape(v); err == nil {
				v = dv
			}
		}
		v = strings.TrimSpace(v)
		if k == streamParam && u.stream == "" {
			u.stream = v
		}
		switch k {
		case "utm_source":
			u.source = strings.ToLower(v)
		case "utm_medium":
			u.medium = strings.ToLower(v)
		case "utm_campaign":
			u.campaign = strings.ToLower(v)
		case "utm_content":
			u.content = v
		case "utm_term":
			u.term = v
		}
	}
	return u
}

// escaped tells whether a query value holds an escape or a plus.
func escaped(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] == '%' || v[i] == '+' {
			return true
		}
	}
	return false
}

// hostCache remembers the hosts of referrer URLs: exports repeat a handful
// of referrers (the platforms' pages) on every click.
type hostCache struct {
	seen map[string]string
}

// maxSeenHosts bounds the cache of referrer hosts.
const maxSeenHosts = 8192

// host returns referrerHost(ref), from the cache when ref was seen.
func (c *hostCache) host(ref string) string {
	if h, ok := c.seen[ref]; ok {
		return h
	}
	h := referrerHost(ref)
	if c.seen == nil || len(c.seen) >= maxSeenHosts {
		c.seen = make(map[string]string, 64)
	}
	c.seen[strings.Clone(ref)] = h
	return h
}

// referrerHost returns the host of a referrer URL, or the value itself when
// it is already a bare host.
func referrerHost(ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	if !strings.Contains(ref, "://") {
		ref = "https://" + ref
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	return strings.ToLower(strings.TrimPrefix(u.Hostname(), "www."))
}
