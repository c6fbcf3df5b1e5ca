package reports

import (
	"fmt"
	"strconv"
	"strings"
)

// planView is the experiment page's "Plan vs what ran" section.
type planView struct {
	Summary, Edited, Note string
	Arms                  []planArmView
	Deviations            []planDeviation
}

type planArmView struct {
	Variant, Share                                    string
	Planned, AsPlanned, Other, Missing, ToCome, Extra int64
}

// deviationWords name each kind of deviation in the section's table.
var deviationWords = map[string]string{
	"other_variant": "ran another variant",
	"missing":       "missing",
	"extra":         "extra (not in the plan)",
}

// newPlanView presents a planned experiment's plan; nil without one.
func newPlanView(e *experiment) *planView {
	p := e.Plan
	if p == nil {
		return nil
	}
	v := &planView{}
	var planned int64
	var arms []string
	for _, a := range p.Arms {
		planned += a.Planned
		arms = append(arms, fmt.Sprintf("%s %d", a.Variant, a.Planned))
		v.Arms = append(v.Arms, planArmView{Variant: a.Variant, Share: strconv.FormatFloat(a.Weight*100, 'f', 0, 64) + "%",
			Planned: a.Planned, AsPlanned: a.AsPlanned, Other: a.Other, Missing: a.Missing, ToCome: a.ToCome, Extra: a.Extra})
	}
	hash := p.Hash
	if len(hash) > 12 {
		hash = hash[:12] + "…"
	}
	blocks := p.BlockBy
	if blocks == "" {
		blocks = "one block"
	}
	v.Summary = fmt.Sprintf("Pre-registered %s UTC (plans/%s.json, SHA-256 %s): %d streams (%s) assigned at random within %s, seed %d; primary metric %s, α %s, minimum effect %+.0f%%.",
		p.PlannedAt, e.ID, hash, planned, strings.Join(arms, ", "), blocks, p.Seed, metricLabel(p.PrimaryMetric),
		strconv.FormatFloat(p.Alpha, 'f', -1, 64), p.MinEffect*100)
	if p.Edited {
		v.Edited = fmt.Sprintf("The plan was edited after registration: plans/%s.json no longer has the SHA-256 recorded when it was planned.", e.ID)
	}
	v.Note = "A stream that ran another variant is analysed with its planned one (intention to treat), so the comparison stays the plan's randomisation; missing and extra streams are left out. Still to come: planned after the latest stream in the data."
	for _, d := range p.Deviations {
		if w := deviationWords[d.Kind]; w != "" {
			d.Kind = w
		}
		v.Deviations = append(v.Deviations, d)
	}
	return v
}
