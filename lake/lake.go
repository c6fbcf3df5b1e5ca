package lake

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Folder is the lake's folder in a workspace. SQL reads the lake by paths
// relative to the workspace (Glob).
const Folder = "lake"

// The bookkeeping folders of the lake; every other folder but Marts is a
// table.
const (
	Manifest = "_manifest" // one file per imported file
	Rejects  = "_rejects"  // the rejected rows of one imported file
	Marts    = "marts"     // the marts, rewritten by every build
)

// Lake is the Parquet lake of a workspace:
//
//	lake/<table>/_schema.parquet                            zero rows: the table's schema
//	lake/<table>/year=YYYY/month=MM/<sha256[:16]>.parquet   the rows of one imported file in one month
//	lake/<table>/<sha256[:16]>.parquet                      (a table without a time column)
//	lake/_manifest/<sha256[:16]>.parquet                    one row per imported file
//	lake/_rejects/<sha256[:16]>.parquet                     every rejected row of that file
//	lake/marts/<mart>.parquet                               the marts of the last build
//
// A source file's rows count only once its manifest entry exists, and the
// manifest entry is written last.
type Lake struct {
	Dir string
}

// In is the lake of the workspace folder ws.
func In(ws string) *Lake { return &Lake{Dir: filepath.Join(ws, Folder)} }

// FileID is the name a source file's lake files carry: the first 16 hex
// digits of its sha256.
func FileID(sha string) string { return sha[:16] }

// TableDir is the folder of a table (or of _manifest, _rejects).
func (l *Lake) TableDir(table string) string { return filepath.Join(l.Dir, table) }

// SchemaFile is a table's zero-row schema file.
func (l *Lake) SchemaFile(table string) string { return filepath.Join(l.Dir, table, "_schema.parquet") }

// DataFile is where the rows of one imported file (by sha256) go in a
// table: in the partition of month (year*12 + month-1), or unpartitioned
// when month < 0.
func (l *Lake) DataFile(table string, month int, sha string) string {
	dir := filepath.Join(l.Dir, table)
	if month >= 0 {
		dir = filepath.Join(dir, fmt.Sprintf("year=%04d", month/12), fmt.Sprintf("month=%02d", month%12+1))
	}
	return filepath.Join(dir, FileID(sha)+".parquet")
}

// ManifestFile is the manifest entry of an imported file.
func (l *Lake) ManifestFile(sha string) string {
	return filepath.Join(l.Dir, Manifest, FileID(sha)+".parquet")
}

// RejectsFile holds the rejected rows of an imported file.
func (l *Lake) RejectsFile(sha string) string {
	return filepath.Join(l.Dir, Rejects, FileID(sha)+".parquet")
}

// MartFile is where a build exports a mart.
func (l *Lake) MartFile(mart string) string { return filepath.Join(l.Dir, Marts, mart+".parquet") }

// Glob is the path by which SQL reads a table (or _manifest, _rejects),
// relative to the workspace: lake/<table>/**/*.parquet. The staging models
// read every table by exactly this path.
func Glob(table string) string { return Folder + "/" + table + "/**/*.parquet" }

// Init creates the lake's folders and the manifest's schema file, and
// sweeps away what an interrupted command left (Sweep). The caller holds
// the workspace lock: no other import or build may be running.
func (l *Lake) Init() error {
	for _, d := range []string{Manifest, Rejects, Marts} {
		if err := os.MkdirAll(filepath.Join(l.Dir, d), 0o755); err != nil {
			return fmt.Errorf("create %s: %w", filepath.Join(l.Dir, d), err)
		}
	}
	if err := l.writeManifestSchema(); err != nil {
		return err
	}
	return l.Sweep()
}

// Sweep removes what an interrupted import or build left in the lake:
// temporary files (TempName), and the data and rejects files of a source
// file whose manifest entry was never written (the import died before its
// last step, or a re-import died after forgetting the old entry). Such
// files count for nothing while their manifest entry is missing, but they
// would count, wrongly, once the same file is imported again under settings
// that put its rows into other month partitions (a time zone set since):
// the new import would not overwrite them.
func (l *Lake) Sweep() error {
	imported := map[string]bool{}
	entries, err := os.ReadDir(filepath.Join(l.Dir, Manifest))
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	for _, e := range entries {
		if id, ok := fileIDOf(e.Name()); ok {
			imported[id] = true
		}
	}
	manifest := filepath.Join(l.Dir, Manifest)
	err = filepath.WalkDir(l.Dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		name := d.Name()
		if isTemp(name) {
			return removeFile(p)
		}
		if id, ok := fileIDOf(name); ok && !imported[id] && filepath.Dir(p) != manifest {
			return removeFile(p)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("clean up %s: %w", l.Dir, err)
	}
	return nil
}

// RemoveTemp removes the temporary files an interrupted command left in
// one folder of the lake (a build's half-exported marts).
func (l *Lake) RemoveTemp(folder string) error {
	dir := filepath.Join(l.Dir, folder)
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	for _, e := range entries {
		if !e.IsDir() && isTemp(e.Name()) {
			if err := removeFile(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// fileIDOf returns the source-file id of a data, rejects or manifest file
// name (<sha256[:16]>.parquet); marts and schema files have none.
func fileIDOf(name string) (string, bool) {
	id, ok := strings.CutSuffix(name, ".parquet")
	if !ok || len(id) != 16 {
		return "", false
	}
	for _, c := range id {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return "", false
		}
	}
	return id, true
}

// Forget removes an imported file from the lake: its manifest entry first
// (from then on its rows count for nothing, even if the removal is
// interrupted), then its data files and its rejects.
func (l *Lake) Forget(sha string) error {
	if err := removeFile(l.ManifestFile(sha)); err != nil {
		return err
	}
	syncDir(filepath.Join(l.Dir, Manifest))
	name := FileID(sha) + ".parquet"
	return filepath.WalkDir(l.Dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && d.Name() == name {
			return os.Remove(p)
		}
		return nil
	})
}

// Tables lists the folders SQL may read (every table, _manifest and
// _rejects; not marts), in name order.
func (l *Lake) Tables() ([]string, error) {
	entries, err := os.ReadDir(l.Dir)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() && e.Name() != Marts && !strings.HasPrefix(e.Name(), ".") {
			out = append(out, e.Name())
		}
	}
	return out, nil
}

// StoredFile is one file of a table folder as it is on disk: its path below
// the folder, its name, size and modification time. A source file's lake
// files are written once under its id; imported again after a
// configuration change, they are rewritten, which changes their time.
type StoredFile struct {
	Rel, Name string
	Size      int64
	ModNanos  int64
}

// ID is the source-file id of a data, rejects or manifest file.
func (f StoredFile) ID() (string, bool) { return fileIDOf(f.Name) }

func (f StoredFile) String() string { return fmt.Sprintf("%s %d %d", f.Rel, f.Size, f.ModNanos) }

// Files lists the files of a table folder (or _manifest, _rejects) that SQL
// reads — every *.parquet file but temporary ones — in path order.
func (l *Lake) Files(table string) ([]StoredFile, error) {
	root := filepath.Join(l.Dir, table)
	var out []StoredFile
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		if d.IsDir() || isTemp(d.Name()) || !strings.HasSuffix(d.Name(), ".parquet") {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		out = append(out, StoredFile{Rel: filepath.ToSlash(rel), Name: d.Name(), Size: fi.Size(), ModNanos: fi.ModTime().UnixNano()})
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Rel < out[j].Rel })
	return out, err
}
