package reports

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"sort"
	"strings"
)

var (
	safeID     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$`)
	unsafeRun  = regexp.MustCompile(`[^A-Za-z0-9_-]+`)
	hashedTail = regexp.MustCompile(`-[0-9a-f]{8}$`)
)

// FileID turns an id from the data (stream, experiment, merchant or
// affiliate id) into the part of a file name that names it. Ids made of
// letters, digits, '_', '-' and '.' (not leading, no "..") are kept as they
// are; anything else — slashes, spaces, markup — is replaced by '_' and
// suffixed with a short hash of the original id, so no id can leave the
// folder. A safe id that itself ends in '-' and 8 hex digits (the form of a
// hashed name) is hashed too, so a kept id never looks like the name of
// another: "a/b" is "a_b-c14cddc0" and the id "a_b-c14cddc0" is
// "a_b-c14cddc0-<its own hash>".
func FileID(id string) string {
	if safeID.MatchString(id) && !strings.Contains(id, "..") && !hashedTail.MatchString(id) {
		return id
	}
	slug := strings.Trim(unsafeRun.ReplaceAllString(id, "_"), "_")
	if len(slug) > 40 {
		slug = slug[:40]
	}
	if slug == "" {
		slug = "id"
	}
	return slug + "-" + idHash(id, 4)
}

func idHash(id string, n int) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:n])
}

// fileNames maps each id of one report kind to its file-name part. It is
// FileID, except where two ids of the kind would share a name — the same
// FileID, or names equal but for case, which a case-insensitive file system
// (macOS, Windows) stores as one file: then the ids are taken in sorted
// order and each one whose name is taken gets its hash appended (longer
// until it is free). The same ids always get the same names.
type fileNames map[string]string

func newFileNames(ids []string) fileNames {
	ids = append([]string(nil), ids...)
	sort.Strings(ids)
	names := fileNames{}
	taken := map[string]bool{}
	for _, id := range ids {
		if _, done := names[id]; done {
			continue
		}
		n := FileID(id)
		for k := 4; taken[strings.ToLower(n)]; k++ {
			n = FileID(id) + "-" + idHash(id, min(k, 32))
		}
		taken[strings.ToLower(n)] = true
		names[id] = n
	}
	return names
}

func (f fileNames) name(id string) string {
	if n, ok := f[id]; ok {
		return n
	}
	return FileID(id)
}

// files names every report file of a warehouse.
type files struct {
	streams, experiments, merchants, statements fileNames
}

func newFiles(w *warehouse) *files {
	var s, e, m []string
	for _, x := range w.streams {
		s = append(s, x.ID)
	}
	for _, x := range w.experiments {
		e = append(e, x.ID)
	}
	for _, x := range w.merchants {
		m = append(m, x.ID)
	}
	// Merchants named only by a stream (no redemptions) are linked too.
	for _, x := range w.streams {
		if x.Merchant != "" {
			m = append(m, x.Merchant)
		}
	}
	return &files{streams: newFileNames(s), experiments: newFileNames(e), merchants: newFileNames(m)}
}

func (f *files) stream(id string) string     { return "stream-" + f.streams.name(id) + ".html" }
func (f *files) experiment(id string) string { return "experiment-" + f.experiments.name(id) + ".html" }
func (f *files) merchant(id string) string   { return "merchant-" + f.merchants.name(id) + ".html" }
func (f *files) merchantCSV(id string) string {
	return "merchant-" + f.merchants.name(id) + "-reconciliation.csv"
}
func (f *files) statement(affiliate string) string {
	return "statement-" + f.statements.name(affiliate) + ".html"
}
