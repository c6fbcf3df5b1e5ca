package ingest

import (
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// YouTube Analytics report rows of one live broadcast by livestreamPosition
// (the Analytics API's reports.query with dimensions=livestreamPosition,
// metrics=averageConcurrentViewers,peakConcurrentViewers, filters=video==ID,
// saved with alt=csv), see ../shared/reference/formats.md §5b and
// docs/formats.md § youtube-live. livestreamPosition is the minute offset
// from the broadcast's start, so each row is a stream_metrics row with
// granularity "minute" at start + position: viewers = average concurrent
// viewers of that minute, peak_viewers = the peak. The start is an
// `actualStartTime` column (Data API liveStreamingDetails) when present,
// else the plan stream's started_at. The stream is a `stream_id` column, else
// the plan stream whose id appears in the file name (e.g. s5-youtube.csv).

func init() {
	register(&Format{
		Name: "youtube-live", Kind: "stream_metrics",
		Identify: []string{"livestreamposition", "averageconcurrentviewers|peakconcurrentviewers"},
		Doc:      "YouTube Analytics rows by livestreamPosition (averageConcurrentViewers, peakConcurrentViewers; alt=csv)",
		read:     readYouTubeLive,
	})
}

func readYouTubeLive(rd *reader) error {
	h := rd.csv.hdr
	pos, avg, peak := h.index("livestreamPosition"), h.index("averageConcurrentViewers"), h.index("peakConcurrentViewers")
	streamCol, startCol := h.index("stream_id"), h.index("actualStartTime", "actual start time")
	plan := newStreamMatcher(rd)
	fromName := ""
	idCol := streamCol // where a stream problem is reported
	if idCol < 0 {
		idCol = pos
	}
	rec := NewRecord(StreamMetrics)
	for rd.csv.Next() {
		if rj := rd.csv.Err(); rj != nil {
			rd.rejectCSV(*rj)
			continue
		}
		rec.Reset()
		rec.Line = rd.csv.line
		id := rd.cell(streamCol)
		if id == "" {
			if fromName == "" {
				fromName = plan.inName(filepath.Base(rd.file))
			}
			id = fromName
		}
		if id == "" {
			rd.rejectCSV(rd.cellErr(idCol, valueErr("names no stream", "add a stream_id column, or put the plan's stream id in the file name (s5-youtube.csv) and import the plan first")))
			continue
		}
		var start time.Time
		if v := rd.cell(startCol); v != "" {
			t, err := rd.stamp(v, stampRules{expect: "2026-11-05T19:00:00Z"})
			if err != nil {
				rd.rejectCSV(rd.cellErr(startCol, err))
				continue
			}
			start = t
		} else if s, ok := plan.byID(id); ok {
			start = s.start
		} else {
			rd.rejectCSV(rd.cellErr(idCol, valueErr("is a stream the lake's plan does not hold ("+id+")", "import the stream plan first, or add an actualStartTime column")))
			continue
		}
		p, err := parseInt(rd.cell(pos))
		if err == nil && (p < 0 || p > 7*24*60) {
			err = valueErr("is not a minute offset", "livestreamPosition counts minutes from the start (0, 1, 2, …)")
		}
		if err != nil {
			rd.rejectCSV(rd.cellErr(pos, err))
			continue
		}
		rec.SetString("stream_id", id)
		rec.SetTime("ts", start.Add(time.Duration(p)*time.Minute))
		rec.SetString("granularity", "minute")
		var bad *Reject
		for _, c := range []struct {
			col int
			dst string
		}{{avg, "viewers"}, {peak, "peak_viewers"}} {
			v := rd.cell(c.col)
			if v == "" {
				continue
			}
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f < 0 || f > 1e12 || math.IsNaN(f) {
				rj := rd.cellErr(c.col, valueErr("is not a viewer count", "the API writes numbers like 1234 or 1234.5"))
				bad = &rj
				break
			}
			rec.SetInt(c.dst, int64(math.Round(f)))
		}
		if bad != nil {
			rd.rejectCSV(*bad)
			continue
		}
		if err := rd.write(rec); err != nil {
			return err
		}
		rd.accept(1)
	}
	return nil
}

// byID returns the plan's stream with that id.
func (m *streamMatcher) byID(id string) (planStream, bool) {
	if !m.loaded {
		m.load()
	}
	for _, s := range m.streams {
		if s.id == id {
			return s, true
		}
	}
	return planStream{}, false
}

// inName returns the plan stream whose id appears in the file name (the
// longest such id), or "".
func (m *streamMatcher) inName(name string) string {
	if !m.loaded {
		m.load()
	}
	best := ""
	for _, s := range m.streams {
		if len(s.id) > len(best) && containsToken(name, s.id) {
			best = s.id
		}
	}
	return best
}

// containsToken reports whether id occurs in name bounded by non-alphanumerics.
func containsToken(name, id string) bool {
	if id == "" {
		return false
	}
	for i := 0; i <= len(name); {
		j := strings.Index(name[i:], id)
		if j < 0 {
			return false
		}
		a, b := i+j, i+j+len(id)
		okA := a == 0 || !isAlnum(name[a-1])
		okB := b == len(name) || !isAlnum(name[b])
		if okA && okB {
			return true
		}
		i = a + 1
	}
	return false
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
