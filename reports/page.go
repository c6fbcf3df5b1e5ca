package reports

import (
	"bytes"
	"html/template"
	"strings"
	"time"
	_ "time/tzdata" // stream time zones display the same on machines without zoneinfo
)

var pageTemplate = template.Must(template.New("page.html.tmpl").Funcs(template.FuncMap{
	"inc": func(i int) int { return i + 1 },
}).ParseFS(templateFiles, "templates/*.tmpl"))

// page is what templates/page.html.tmpl renders.
type page struct {
	Title     string
	Kind      string // stream, experiment, merchant, index, statement
	Generated string
	CSP       string
	Bundle    template.JS // empty on pages without charts
	Init      template.JS
	Sort      template.JS
	Charts    []chart

	Stream     *streamView
	Experiment *experimentView
	Merchant   *merchantView
	Index      *indexView
	Statement  *statementView // statement.go

	// Static is a page to attach to an e-mail: no chart library, each
	// chart shown as its table, a note where the interactive page is.
	Static bool
	File   string // the name of the interactive page (Static only)
}

var (
	initHash = cspHash(initCharts)
	sortHash = cspHash(sortTables)
)

type renderer struct {
	opt    Options
	w      *warehouse
	bundle template.JS
	locs   map[string]*time.Location
	files  *files
	// static renders pages to attach (page.Static).
	static bool
	// creators are the statements of r.statements, for the index.
	creators []*creatorStatement
	// dir and verdicts are built once for the page inputs (inputs.go).
	dir      *streamDirectory
	verdicts map[string]*experiment
}

func newRenderer(opt Options, w *warehouse, bundle template.JS) *renderer {
	return &renderer{opt: opt, w: w, bundle: bundle, locs: map[string]*time.Location{}, files: newFiles(w)}
}

func (r *renderer) loc(tz string) *time.Location {
	if l, ok := r.locs[tz]; ok {
		return l
	}
	l := time.UTC
	if tz != "" {
		if x, err := time.LoadLocation(tz); err == nil {
			l = x
		}
	}
	r.locs[tz] = l
	return l
}

func (r *renderer) currency(c string) string {
	if c == "" {
		return r.opt.Currency
	}
	return c
}

func (r *renderer) render(p *page) ([]byte, error) {
	p.Generated = generatedStamp(r.opt.Now)
	p.Sort = sortTables
	hashes := []string{sortHash}
	p.Static = r.static
	for i := range p.Charts {
		p.Charts[i].Static = r.static
	}
	if len(p.Charts) > 0 && !r.static {
		p.Bundle = r.bundle
		p.Init = initCharts
		hashes = append(hashes, bundleCSP, initHash)
	}
	// No network at all: nothing may be fetched, only our own inline scripts run.
	p.CSP = "default-src 'none'; script-src " + strings.Join(hashes, " ") +
		"; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, p); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// generatedStamp is how a page says when it was generated.
func generatedStamp(now time.Time) string { return now.UTC().Format("2 Jan 2006 15:04 UTC") }
