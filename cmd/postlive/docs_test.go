package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestFormatsDocAgrees: docs/formats.md § Formats by kind is the table
// import --help and probe --help print, from the same registry.
func TestFormatsDocAgrees(t *testing.T) {
	p := filepath.Join("..", "..", "docs", "formats.md")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- begin: formats (generated) -->\n", "<!-- end: formats -->"
	doc := string(b)
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	if i < 0 || j < i {
		t.Fatalf("%s lacks the markers %q … %q", p, begin, end)
	}
	want := formatMarkdown()
	if got := doc[i+len(begin) : j]; got != want {
		if os.Getenv("POSTLIVE_UPDATE_DOCS") == "1" {
			if err := os.WriteFile(p, []byte(doc[:i+len(begin)]+want+doc[j:]), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Errorf("%s § Formats by kind differs from the format registry; run POSTLIVE_UPDATE_DOCS=1 go test ./cmd/postlive -run TestFormatsDocAgrees\ngot:\n%s\nwant:\n%s", p, got, want)
	}
	// and the help shows the same rows
	for _, cmd := range []string{"import", "probe"} {
		_, out, _ := postlive(t, cmd, "--help")
		for _, r := range formatRows() {
			line := regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(r.kind) + `\s+` + regexp.QuoteMeta(r.name) + `\s+` + regexp.QuoteMeta(r.layout) + `\s+` + regexp.QuoteMeta(r.doc) + `$`)
			if !line.MatchString(out) {
				t.Errorf("%s --help lacks the row %s/%s (%s)", cmd, r.kind, r.name, r.layout)
			}
		}
	}
	// each format once per kind; tiktok-live-minutes is JSON, access-log lines
	seen := map[string]bool{}
	for _, r := range formatRows() {
		if seen[r.kind+"/"+r.name] {
			t.Errorf("%s/%s listed twice", r.kind, r.name)
		}
		seen[r.kind+"/"+r.name] = true
		switch r.name {
		case "tiktok-live-minutes":
			if r.layout != "JSON" {
				t.Errorf("tiktok-live-minutes layout %q; want JSON", r.layout)
			}
		case "generic":
			if r.layout != "CSV, JSONL" {
				t.Errorf("generic %s layout %q; want CSV, JSONL", r.kind, r.layout)
			}
		}
	}
}

// TestDocLinks: every relative link in the repository's Markdown resolves
// to a file or folder inside the repository, and every #anchor to a heading
// of its target.
func TestDocLinks(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		name := d.Name()
		if d.IsDir() && p != root && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "demo" || name == "bin" || name == "testdata") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(name, ".md") {
			files = append(files, p)
		}
		return nil
	})
	if len(files) < 10 {
		t.Fatalf("only %d Markdown files found under %s", len(files), root)
	}
	link := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	// a path in a code span that names a document of the repository
	// (`docs/formats.md`) must exist too
	span := regexp.MustCompile("`((?:docs|fixtures|bench|reports|sql|cmd)/[A-Za-z0-9_./-]+\\.md)`")
	checked := 0
	for _, f := range files {
		b, _ := os.ReadFile(f)
		text := stripCode(string(b))
		rel, _ := filepath.Rel(root, f)
		for _, m := range span.FindAllStringSubmatch(text, -1) {
			checked++
			if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(m[1]))); err != nil {
				t.Errorf("%s: names %s, which is not in the repository", rel, m[1])
			}
		}
		for _, m := range link.FindAllStringSubmatch(text, -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			path, anchor, _ := strings.Cut(target, "#")
			dest := f
			if path != "" {
				dest = filepath.Join(filepath.Dir(f), filepath.FromSlash(path))
			}
			checked++
			if r, err := filepath.Rel(root, dest); err != nil || strings.HasPrefix(r, "..") {
				t.Errorf("%s: link %s points outside the repository", rel, target)
				continue
			}
			if _, err := os.Stat(dest); err != nil {
				t.Errorf("%s: link %s: no such file in the repository", rel, target)
				continue
			}
			if anchor != "" && strings.HasSuffix(dest, ".md") {
				if !hasAnchor(dest, anchor) {
					t.Errorf("%s: link %s: %s has no heading for #%s", rel, target, filepath.Base(dest), anchor)
				}
			}
		}
	}
	if checked < 20 {
		t.Errorf("only %d links checked; the pattern misses links", checked)
	}
}

var fence = regexp.MustCompile("(?s)```.*?```")

// stripCode removes fenced code blocks (their brackets are not links).
func stripCode(s string) string { return fence.ReplaceAllString(s, "") }

// hasAnchor reports whether a Markdown file has a heading whose GitHub
// anchor is a.
func hasAnchor(path, a string) bool {
	b, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	counts := map[string]int{}
	for _, line := range strings.Split(stripCode(string(b)), "\n") {
		if !strings.HasPrefix(line, "#") {
			continue
		}
		h := strings.TrimSpace(strings.TrimLeft(line, "#"))
		slug := githubSlug(h)
		if n := counts[slug]; n > 0 {
			counts[slug]++
			slug = slug + "-" + itoa(n)
		} else {
			counts[slug] = 1
		}
		if slug == a {
			return true
		}
	}
	return false
}

// githubSlug is GitHub's heading anchor: lower case, markup and punctuation
// dropped, spaces as hyphens.
func githubSlug(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127 && r != '§' && r != '—' && r != '–' && r != '›' && r != '…':
			b.WriteRune(r)
		}
	}
	return b.String()
}
