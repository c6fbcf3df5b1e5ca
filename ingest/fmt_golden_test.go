package ingest

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// Golden tests of the vendor formats: each fixture under
// testdata/formats/<format>/ is imported into a fresh lake and the canonical
// rows, counts and reject messages are compared with <fixture>.golden.
// Refresh with `go test ./ingest -run Format -update`.

func init() {
	// -update may already be defined by another test file of the package;
	// package-level variables are initialised before any init function runs.
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the golden files under testdata/")
	}
}

func fmtUpdating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// fmtCase is one fixture of a format.
type fmtCase struct {
	file   string // under testdata/formats/<format>/
	golden string // golden file name when not <file>.golden
	plan   string // a generic streams file under testdata/formats/ imported first
	kind   string
	opt    Options // Kind and Name are filled in
	src    string  // read this file instead, named as the fixture in messages
}

var fmtTestNow = func() time.Time { return time.Date(2026, 11, 6, 6, 0, 0, 0, time.UTC) }

// fmtImportGolden imports a fixture and renders what landed as text.
func fmtImportGolden(t *testing.T, format string, c fmtCase) string {
	t.Helper()
	path := filepath.Join("testdata", "formats", format, c.file)
	if c.file == "" {
		path = c.src // a file outside testdata/formats
	}
	lake := &Lake{Dir: t.TempDir()}
	if err := Init(lake); err != nil {
		t.Fatal(err)
	}
	opt := c.opt
	opt.Kind = c.kind
	if opt.Name == "" {
		opt.Name = filepath.ToSlash(path)
	}
	opt.Now = fmtTestNow
	if opt.Salt == "" {
		opt.Salt = "test-salt"
	}
	if c.plan != "" {
		p := filepath.Join("testdata", "formats", c.plan)
		if _, err := Import(context.Background(), lake, p, Options{Kind: "streams", Now: fmtTestNow, Salt: "test-salt"}); err != nil {
			t.Fatal(err)
		}
	}
	src := path
	if c.src != "" {
		src = c.src
	}
	st, err := Import(context.Background(), lake, src, opt)
	if err != nil {
		return "error: " + err.Error() + "\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "format %s: read %d, accepted %d, rejected %d\n", st.Format, st.Read, st.Accepted, st.Rejected)
	if st.Read != st.Accepted+st.Rejected {
		t.Errorf("%s: read %d != accepted %d + rejected %d", path, st.Read, st.Accepted, st.Rejected)
	}
	for _, tbl := range Tables {
		if c.plan != "" && tbl == Streams {
			continue
		}
		rows := fmtLakeRows(t, lake, tbl)
		for _, r := range rows {
			b.WriteString(tbl.Name)
			for i, col := range tbl.Columns {
				if !r[i].Valid || col.Name == "source_sha256" || col.Name == "import_seq" {
					continue
				}
				fmt.Fprintf(&b, " %s=%s", col.Name, fmtRender(col.Kind, r[i]))
			}
			b.WriteByte('\n')
		}
	}
	for _, rj := range st.Rejects {
		b.WriteString("reject " + rj.Message(st.File) + "\n")
	}
	return b.String()
}

// fmtLakeRows reads every row of table t in the lake, sorted by source line.
func fmtLakeRows(t *testing.T, lake *Lake, tbl *Table) [][]Value {
	t.Helper()
	var out [][]Value
	filepath.WalkDir(filepath.Join(lake.Dir, tbl.Name), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".parquet") || d.Name() == "_schema.parquet" {
			return err
		}
		rows, err := readRows(context.Background(), p, tbl)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rows...)
		return nil
	})
	line := tbl.Col("source_line")
	sort.SliceStable(out, func(i, j int) bool { return out[i][line].I < out[j][line].I })
	return out
}

func fmtRender(k Kind, v Value) string {
	switch k {
	case String:
		if strings.ContainsAny(v.S, " \n\"") {
			return fmt.Sprintf("%q", v.S)
		}
		return v.S
	case Int:
		return fmt.Sprint(v.I)
	case Float:
		return fmt.Sprintf("%g", v.Float())
	case Bool:
		return fmt.Sprint(v.B)
	case Money:
		sign := ""
		i := v.I
		if i < 0 {
			sign, i = "-", -i
		}
		return fmt.Sprintf("%s%d.%02d", sign, i/100, i%100)
	case Time:
		return time.UnixMicro(v.I).UTC().Format(time.RFC3339)
	case Date:
		return time.Unix(v.I*86400, 0).UTC().Format("2006-01-02")
	}
	return "?"
}

// fmtCheckGolden compares got with testdata/formats/<format>/<file>.golden.
func fmtCheckGolden(t *testing.T, format, file, got string) {
	t.Helper()
	path := filepath.Join("testdata", "formats", format, file+".golden")
	if fmtUpdating() {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./ingest -run Format -update)", err)
	}
	if got != string(want) {
		t.Errorf("import %s differs from %s:\n--- got\n%s--- want\n%s", file, path, got, want)
	}
}

// fmtRunCases runs the golden cases of a format.
func fmtRunCases(t *testing.T, format string, cases []fmtCase) {
	for _, c := range cases {
		name := c.file
		if c.golden != "" {
			name = c.golden
		}
		t.Run(name, func(t *testing.T) {
			fmtCheckGolden(t, format, name, fmtImportGolden(t, format, c))
		})
	}
}

// fmtFuzzImport reads data as a file of kind (format forced when given)
// the way Import does, with the rows going to a discard sink instead of
// Parquet: it must not panic, and every row read is accepted or rejected.
func fmtFuzzImport(t *testing.T, kind, format, ext string, data []byte, opt Options) {
	path := filepath.Join(t.TempDir(), "in"+ext)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	opt.Kind, opt.Format = kind, format
	if opt.StreamParam == "" {
		opt.StreamParam = "utm_content"
	}
	rd := &reader{file: "in" + ext, sha: strings.Repeat("0", 64), opt: &opt, hash: newHasher("fuzz"), bots: newBotMatcher(nil),
		out: &probeSink{}, written: map[string]int{}, pii: map[string]bool{}}
	rd.urls = newURLScrubber(nil, rd.hash)
	rd.plaus = newPlausibility(Plausible{}, fmtTestNow())
	f, err := openReader(rd, path)
	if err != nil {
		var fe *FileError
		var me *ErrMerchantRequired
		if !errors.As(err, &fe) && !errors.As(err, &me) {
			t.Fatalf("open: %v", err)
		}
		return
	}
	defer f.Close()
	defer rd.csv.Close()
	if err := rd.format.read(rd); err != nil {
		var fe *FileError
		if !errors.As(err, &fe) && !errors.Is(err, errProbeDone) {
			t.Fatalf("read: %v", err)
		}
		return
	}
	if rd.read != rd.accepted+rd.rejected || len(rd.rejects) != rd.rejected {
		t.Fatalf("read %d != accepted %d + rejected %d (rejects %d)", rd.read, rd.accepted, rd.rejected, len(rd.rejects))
	}
}

// fmtSeed adds every fixture of a format to a fuzz corpus.
func fmtSeed(f *testing.F, format string) {
	files, _ := filepath.Glob(filepath.Join("testdata", "formats", format, "*"))
	for _, p := range files {
		if strings.HasSuffix(p, ".golden") || strings.HasSuffix(p, ".xlsx") || strings.HasSuffix(p, ".zip") || strings.HasSuffix(p, ".gz") {
			continue
		}
		b, err := os.ReadFile(p)
		if err == nil {
			f.Add(b)
		}
	}
}
