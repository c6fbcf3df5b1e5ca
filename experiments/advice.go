package experiments

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// AdviceInput is what Advice puts into words: one variant against the
// control on one metric.
type AdviceInput struct {
	Variant, Control string
	// Chance is the chance the variant beats the control; Valid is false
	// when there is no decision (Reason, when set, says why).
	Chance float64
	Valid  bool
	Reason Reason
	// LossVariant and LossControl are the expected losses per unit of the
	// metric's denominator (per viewer for rpv) of switching to the variant
	// and of keeping the control, already formatted by the caller in the
	// metric's units ("$0.12"); Unit names the denominator ("viewer"), and
	// the PerStream pair the same losses per stream ("$540"), "" to leave
	// them out.
	LossVariant, LossControl                   string
	Unit                                       string
	LossVariantPerStream, LossControlPerStream string
	// MoreStreams is how many more streams per arm the power analysis asks
	// for (0: none or unknown, not mentioned).
	MoreStreams int
	// Unbounded: the streams so far bound nothing (the interval is open,
	// e.g. 2 + 2 streams), so the chance would be the prior's alone; the
	// sentence says there is not enough data rather than quote it.
	Unbounded bool
}

// Advice says what to do in one sentence, e.g.
//
//	Keep 20off — 30off is 82 % likely to be worse, about $0.12 per viewer ($540 per stream) lost if you switch; about 9 more streams per arm would settle it.
//
// A variant whose chance to beat the control is at least DecisionLevel is a
// clear win ("Switch to …"), at most 1 − DecisionLevel a clear loss
// ("Keep …"); in between the sentence leans the way the chance does (keep
// the control below 40 %, too close to call from 40 to 60 %, no clear
// winner yet above) and says how many more streams would settle it. When
// the streams bound nothing (Unbounded) it says there is not enough data.
func Advice(a AdviceInput) string {
	more := ""
	if a.MoreStreams > 0 {
		more = fmt.Sprintf("; about %d more stream%s per arm would settle it", a.MoreStreams, plural(a.MoreStreams))
	}
	if a.Unbounded {
		return fmt.Sprintf("Not enough data to choose between %s and %s yet: the streams so far cannot bound the difference%s.",
			a.Control, a.Variant, more)
	}
	if !a.Valid {
		s := fmt.Sprintf("Not enough data to choose between %s and %s yet", a.Control, a.Variant)
		if w := a.Reason.Words(); w != "" {
			s += ": " + w
		}
		return s + "."
	}
	switch {
	case a.Chance >= DecisionLevel:
		return fmt.Sprintf("Switch to %s — it is %s likely to beat %s, %s lost if you keep %s.",
			a.Variant, Chance(a.Chance), a.Control, lossWords(a.LossControl, a.Unit, a.LossControlPerStream), a.Control)
	case a.Chance <= 1-DecisionLevel:
		return fmt.Sprintf("Keep %s — %s is %s likely to be worse, %s lost if you switch.",
			a.Control, a.Variant, Chance(1-a.Chance), lossWords(a.LossVariant, a.Unit, a.LossVariantPerStream))
	case a.Chance < 0.5-tossUp:
		return fmt.Sprintf("Keep %s — %s is %s likely to be worse, %s lost if you switch%s.",
			a.Control, a.Variant, Chance(1-a.Chance), lossWords(a.LossVariant, a.Unit, a.LossVariantPerStream), more)
	case a.Chance <= 0.5+tossUp:
		return fmt.Sprintf("Too close to call — %s is %s likely to beat %s, %s lost if you switch and it is not%s.",
			a.Variant, Chance(a.Chance), a.Control, lossWords(a.LossVariant, a.Unit, a.LossVariantPerStream), more)
	}
	return fmt.Sprintf("No clear winner yet — %s is %s likely to beat %s, %s lost if you switch and it is not%s.",
		a.Variant, Chance(a.Chance), a.Control, lossWords(a.LossVariant, a.Unit, a.LossVariantPerStream), more)
}

// lossWords is "about $0.12 per viewer ($540 per stream)".
func lossWords(loss, unit, perStream string) string {
	s := "about " + loss
	if strings.HasPrefix(loss, "less than ") {
		s = loss
	}
	if unit != "" {
		s += " per " + unit
	}
	if perStream != "" {
		if unit != "" {
			s += " (" + perStream + " per stream)"
		} else {
			s += " per stream"
		}
	}
	return s
}

// Chance formats a probability as a whole percentage, "82 %"; one that
// rounds to 0 or 100 is "< 1 %" or "> 99 %", since neither is certain.
func Chance(p float64) string {
	if !finite(p) {
		return "—"
	}
	r := math.Round(p * 100)
	switch {
	case r >= 100:
		return "> 99 %"
	case r <= 0:
		return "< 1 %"
	}
	return strconv.Itoa(int(r)) + " %"
}

// tossUp is how far from 50 % a chance to beat control must be for the
// sentence to lean either way.
const tossUp = 0.1

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
