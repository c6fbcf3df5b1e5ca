package ingest

import (
	"strings"
	"testing"
)

func TestParseUTM(t *testing.T) {
	tests := []struct {
		name, url, param string
		want             utm
	}{
		{
			name: "all parameters", param: "utm_content",
			url:  "https://shop.example/p?utm_source=TikTok&utm_medium=Live&utm_campaign=Glow-Live&utm_content=s-2026-11-02-ana&utm_term=serum",
			want: utm{source: "tiktok", medium: "live", campaign: "glow-live", content: "s-2026-11-02-ana", term: "serum", stream: "s-2026-11-02-ana"},
		},
		{
			name: "encoded values", param: "utm_content",
			url:  "https://shop.example/?utm_campaign=Glow%20Drop&utm_term=vitamin+c&utm_content=s%2D1",
			want: utm{campaign: "glow drop", term: "vitamin c", content: "s-1", stream: "s-1"},
		},
		{
			name: "broken escape kept as written", param: "utm_content",
			url:  "https://shop.example/?utm_source=a%zz",
			want: utm{source: "a%zz"},
		},
		{
			name: "fragment is not query", param: "utm_content",
			url:  "https://shop.example/?utm_source=ig#utm_medium=story&utm_content=s-9",
			want: utm{source: "ig"},
		},
		{
			name: "fragment without query", param: "utm_content",
			url:  "https://shop.example/#?utm_source=ig",
			want: utm{},
		},
		{name: "no query", param: "utm_content", url: "https://shop.example/products/x", want: utm{}},
		{name: "empty", param: "utm_content", url: "", want: utm{}},
		{name: "missing values", param: "utm_content", url: "https://x/?utm_source=&utm_medium&foo=bar", want: utm{}},
		{
			name: "custom stream parameter", param: "sid",
			url:  "https://x/?sid=S-7&utm_content=banner",
			want: utm{content: "banner", stream: "S-7"},
		},
		{
			name: "first stream value wins", param: "utm_content",
			url:  "https://x/?utm_content=s-1&utm_content=s-2",
			want: utm{content: "s-2", stream: "s-1"},
		},
		{
			name: "values trimmed", param: "utm_content",
			url:  "https://x/?utm_source=%20tiktok%20&utm_content=+s-1+",
			want: utm{source: "tiktok", content: "s-1", stream: "s-1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseUTM(tt.url, tt.param); got != tt.want {
				t.Errorf("parseUTM(%q, %q) = %+v; want %+v", tt.url, tt.param, got, tt.want)
			}
		})
	}
}

func TestReferrerHost(t *testing.T) {
	for in, want := range map[string]string{
		"https://www.tiktok.com/":         "tiktok.com",
		"https://M.YouTube.com/watch?v=1": "m.youtube.com",
		"instagram.com":                   "instagram.com",
		"":                                "",
		"   ":                             "",
		"http://[::1":                     "",
	} {
		if got := referrerHost(in); got != want {
			t.Errorf("referrerHost(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestBotMatcher(t *testing.T) {
	// the design's list, in its order (../shared/DESIGN.md § Metric definitions)
	design := []string{"bot", "crawler", "spider", "preview", "facebookexternalhit", "slack", "whatsapp",
		"telegram", "discord", "curl", "wget", "python-requests", "go-http-client", "headless"}
	if strings.Join(DefaultBotPatterns, ",") != strings.Join(design, ",") {
		t.Fatalf("DefaultBotPatterns = %q; want the design's list %q", DefaultBotPatterns, design)
	}
	m := newBotMatcher(nil)
	for _, p := range design {
		ua := "Mozilla/5.0 (compatible; X-" + strings.ToUpper(p) + "/1.0)"
		if got := m.match(ua); got != "user agent contains "+p && !strings.HasPrefix(got, "user agent contains ") {
			t.Errorf("match(%q) = %q; want a bot", ua, got)
		}
	}
	tests := []struct {
		extra []string
		ua    string
		want  string
	}{
		{ua: "", want: "empty user agent"},
		{ua: "   ", want: "empty user agent"},
		{ua: "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", want: "user agent contains bot"},
		{ua: "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", want: "user agent contains facebookexternalhit"},
		{ua: "Slackbot-LinkExpanding 1.0", want: "user agent contains bot"},
		{ua: "WhatsApp/2.23.20.0", want: "user agent contains whatsapp"},
		{ua: "curl/8.4.0", want: "user agent contains curl"},
		{ua: "python-requests/2.31.0", want: "user agent contains python-requests"},
		{ua: "Go-http-client/1.1", want: "user agent contains go-http-client"},
		{ua: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0 Safari/537.36", want: "user agent contains headless"},
		{ua: "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148", want: ""},
		{ua: "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0", want: ""},
		{extra: []string{" UptimeMonitor "}, ua: "uptimemonitor/3.1", want: "user agent contains uptimemonitor"},
		{extra: []string{"", "  "}, ua: "Mozilla/5.0 Safari", want: ""}, // empty patterns never match everything
		{extra: []string{"BOT"}, ua: "SomeBot", want: "user agent contains bot"},
	}
	for _, tt := range tests {
		t.Run(tt.ua, func(t *testing.T) {
			if got := newBotMatcher(tt.extra).match(tt.ua); got != tt.want {
				t.Errorf("newBotMatcher(%q).match(%q) = %q; want %q", tt.extra, tt.ua, got, tt.want)
			}
		})
	}
}

func TestHasher(t *testing.T) {
	a, b := newHasher("salt-a"), newHasher("salt-b")
	k1 := a.key("visitor", "198.51.100.7", "Mozilla/5.0")
	if k2 := a.key("visitor", "198.51.100.7", "Mozilla/5.0"); k1 != k2 {
		t.Errorf("key twice with the same salt = %q, %q; want equal", k1, k2)
	}
	if k2 := newHasher("salt-a").key("visitor", "198.51.100.7", "Mozilla/5.0"); k1 != k2 {
		t.Errorf("key from a new hasher with the same salt = %q; want %q", k2, k1)
	}
	if k2 := b.key("visitor", "198.51.100.7", "Mozilla/5.0"); k1 == k2 {
		t.Errorf("key with another salt = %q; want it to differ from %q", k2, k1)
	}
	// parts are separated: ("ab","c") and ("a","bc") must not collide
	if a.key("ab", "c") == a.key("a", "bc") {
		t.Errorf("key(ab, c) = key(a, bc); parts must be separated")
	}
	if len(k1) != 32 || strings.Trim(k1, "0123456789abcdef") != "" {
		t.Errorf("key = %q; want 32 lower-case hex digits", k1)
	}
	for _, raw := range []string{"198.51.100.7", "Mozilla", "liam.q@example.com", "liam"} {
		for _, k := range []string{a.key("visitor", raw, "Mozilla/5.0"), a.email(raw), a.key("pii", raw)} {
			if strings.Contains(k, raw) || strings.Contains(k, strings.ToLower(raw)) {
				t.Errorf("key %q contains the raw input %q", k, raw)
			}
		}
	}
	if e1, e2 := a.email("Liam.Q@Example.com "), a.email("liam.q@example.com"); e1 != e2 {
		t.Errorf("email keys of the same address in other case = %q, %q; want equal", e1, e2)
	}
	if e := a.email("  "); e != "" {
		t.Errorf("email(blank) = %q; want \"\"", e)
	}
	if a.email("x@example.com") == a.key("pii", "x@example.com") {
		t.Errorf("email key equals the generic pii key; they should be domain-separated")
	}
}
