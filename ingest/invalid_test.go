package ingest

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func init() {
	// -update may be defined by another test file of the package as well.
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the golden files under testdata/")
	}
}

func updateGolden() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// rejectMessage is the shape of every row problem: FILE:LINE:COLUMN: problem; what to do.
var rejectMessage = regexp.MustCompile(`^fixtures/invalid/[a-z0-9.-]+:[1-9][0-9]*:[1-9][0-9]*: \S.*; \S.*$`)

// fileMessage is the shape of a whole-file problem: FILE:LINE[:COLUMN]: problem; what to do
// (or FILE: problem; what to do when no line applies).
var fileMessage = regexp.MustCompile(`^fixtures/invalid/[a-z0-9.-]+(:[1-9][0-9]*){0,2}: \S.*; \S.*$`)

// TestInvalidFixtures imports every file of fixtures/invalid (each into a
// fresh lake) and pins what a user is told in testdata/invalid.golden.
// The kind is the file name's first word; refresh with
// `go test ./ingest -run InvalidFixtures -update`.
func TestInvalidFixtures(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "fixtures", "invalid", "*"))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	n := 0
	for _, p := range files {
		base := filepath.Base(p)
		if base == "README.md" {
			continue
		}
		n++
		kind, _, _ := strings.Cut(base, "-")
		name := "fixtures/invalid/" + base
		fmt.Fprintf(&b, "== %s (import %s)\n", base, kind)
		lake := newTestLake(t)
		st, err := Import(context.Background(), lake, p, Options{Kind: kind, Merchant: "shop-1", Salt: testSalt, Now: importNow, Name: name})
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Errorf("%s: error %v is not a FileError", base, err)
			}
			if !fileMessage.MatchString(err.Error()) {
				t.Errorf("%s: file error %q is not FILE[:LINE]: problem; what to do", base, err)
			}
			fmt.Fprintf(&b, "%s\n\n", err)
			continue
		}
		checkStats(t, st)
		checkRejectsStored(t, lake, st)
		if st.Rejected == 0 {
			t.Errorf("%s: no rejects; every invalid fixture shows at least one problem", base)
		}
		fmt.Fprintf(&b, "%s: %d read, %d accepted, %d rejected (format %s)\n", name, st.Read, st.Accepted, st.Rejected, st.Format)
		for _, rj := range st.Rejects {
			msg := rj.Message(name)
			if strings.ContainsRune(msg, '\n') || !rejectMessage.MatchString(msg) {
				t.Errorf("%s: message %q is not FILE:LINE:COLUMN: problem; what to do", base, msg)
			}
			b.WriteString(msg + "\n")
		}
		b.WriteString("\n")
		// no raw e-mail or buyer name of an invalid file reaches the lake either
		assertNowhere(t, lake.Dir, "@example.com", "Bad Buyer", "Good Buyer", "198.51.100", "viewer.bob42")
	}
	if n < 12 {
		t.Errorf("fixtures/invalid has %d files; want at least 12", n)
	}
	got := b.String()
	golden := filepath.Join("testdata", "invalid.golden")
	if updateGolden() {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("messages differ from %s (run with -update after checking them):\n%s", golden, lineDiff(string(want), got))
	}
}

// lineDiff lists the lines of want and got that differ, position by position.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, c string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			c = g[i]
		}
		if a != c {
			fmt.Fprintf(&b, "line %d:\n  want %s\n  got  %s\n", i+1, a, c)
		}
	}
	return b.String()
}
