package models

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/postlive/postlive/lake"
)

// The duplicate clicks grow within their table. A click's duplicate flag
// depends only on the clicks of its visitor × link pair and the duplicate
// window, so when a build's new input is new click files,
// int_click_duplicates is not computed over all of history again but
// extended from the warehouse the build replaces:
//
//   - the new click files' rows (the staging SQL of stg_clicks over those
//     files alone) replace the previous build's rows of the same click ids
//     (a new import has a higher import_seq, so its version wins, as in
//     stg_clicks) and join the others;
//   - the duplicates are computed again, with the model's own SQL, over the
//     whole history of the pairs a new row (or the earlier version of a
//     re-exported click) belongs to, read from the previous
//     int_clicks_classified (which holds every click's pair and flags); the
//     previous duplicates of every other pair are kept.
//
// The previous build can be extended only when it read a subset of today's
// click files, unchanged (name, size, modification time, and the manifest
// entry of each), under the same SQL, click settings and binary, and every
// new file was imported after all of those; otherwise (a re-import that
// replaced files, a changed duplicate window, a new postlive) the model is
// computed in full. build_click_delta in the warehouse keeps what the next
// build compares.
//
// int_clicks_classified is computed in full: classifying from the previous
// table instead of the lake was measured no faster (BENCHMARKS.md § Nightly
// increment) — reading every row of the previous warehouse and writing it
// into the new one costs what computing it does.

const clickDeltaTable = "build_click_delta"

// clicksTable is the lake folder of the clicks.
const clicksTable = "clicks"

// clickDeltaModels are the models extended from the previous build.
var clickDeltaModels = map[string]bool{"int_click_duplicates": true}

// clickDeltaColumns are the stg_clicks columns int_click_duplicates reads,
// all of which int_clicks_classified keeps.
const clickDeltaColumns = "click_id, ts, link_id, url, visitor_key, is_bot, is_aggregated"

var stgClicksName = regexp.MustCompile(`\bstg_clicks\b`)

// clickDelta is what a build knows about extending the click models.
type clickDelta struct {
	key      string   // the SQL of the models involved, the click settings, the binary
	files    []string // the clicks' lake files and their manifest entries
	data     []lake.StoredFile
	newFiles []string // data files (workspace-relative) the previous build did not read
	ok       bool     // the previous build can be extended
	prepared bool
	planned  bool
	stg      *Model
}

// clickState lists what the next build will compare.
func clickState(models []*Model, l *lake.Lake, settings []settingsTable) (*clickDelta, error) {
	binary, err := binaryIdentity()
	if err != nil {
		return nil, err
	}
	cd := &clickDelta{}
	h := sha256.New()
	fmt.Fprintf(h, "binary %s\n", binary)
	for _, m := range models {
		if m.Name == "stg_clicks" || m.Name == manifestModel || m.Name == "int_clicks_classified" || clickDeltaModels[m.Name] {
			fmt.Fprintf(h, "model %s\n%s\n", m.Name, m.SQL)
		}
		if m.Name == "stg_clicks" {
			cd.stg = m
		}
	}
	for _, t := range settings {
		if t.name == "click_settings" {
			fmt.Fprintf(h, "settings %s\n", t.hash())
		}
	}
	cd.key = hex.EncodeToString(h.Sum(nil))
	data, err := l.Files(clicksTable)
	if err != nil {
		return nil, err
	}
	manifest, err := l.Files("_manifest")
	if err != nil {
		return nil, err
	}
	ids := map[string]bool{}
	cd.data = data
	for _, f := range data {
		cd.files = append(cd.files, "data "+f.String())
		if id, ok := f.ID(); ok {
			ids[id] = true
		}
	}
	for _, f := range manifest {
		if id, ok := f.ID(); ok && ids[id] {
			cd.files = append(cd.files, "manifest "+f.String())
		}
	}
	sort.Strings(cd.files)
	return cd, nil
}

// plan compares with the previous build (attached as prev) and decides
// whether the click models can be extended, and by which files.
func (cd *clickDelta) plan(ctx context.Context, db *sql.DB) {
	cd.ok, cd.newFiles, cd.planned = false, nil, true
	if cd.stg == nil || !strings.Contains(cd.stg.SQL, "'"+lake.Glob(clicksTable)+"'") {
		return
	}
	rows, err := queryStrings(ctx, db, "select what, value from prev."+clickDeltaTable)
	if err != nil {
		return
	}
	prevFiles := map[string]bool{}
	for _, r := range rows {
		what, value, _ := strings.Cut(r, "\t")
		switch what {
		case "key":
			if value != cd.key {
				return
			}
		case "file":
			prevFiles[value] = true
		}
	}
	now := map[string]bool{}
	for _, f := range cd.files {
		now[f] = true
	}
	for f := range prevFiles {
		if !now[f] {
			return // a file the previous build read is gone or changed
		}
	}
	var oldIDs, newIDs []string
	for _, f := range cd.data {
		id, ok := f.ID()
		if !ok {
			continue // the schema file
		}
		if prevFiles["data "+f.String()] {
			oldIDs = append(oldIDs, id)
		} else {
			cd.newFiles = append(cd.newFiles, lake.Folder+"/"+clicksTable+"/"+f.Rel)
			newIDs = append(newIDs, id)
		}
	}
	if len(newIDs) > 0 && len(oldIDs) > 0 {
		// a new file's rows win over earlier versions of their click ids
		// only when it was imported after every file already read
		q := fmt.Sprintf(`select coalesce(min(import_seq) filter (where left(sha256, 16) in (%s)), 0)
			> coalesce(max(import_seq) filter (where left(sha256, 16) in (%s)), 0) from stg_manifest`,
			sqlList(newIDs), sqlList(oldIDs))
		var later bool
		if err := db.QueryRowContext(ctx, q).Scan(&later); err != nil || !later {
			return
		}
	}
	cd.ok = true
}

func sqlList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	return strings.Join(q, ", ")
}

// prepare creates the temporary tables and view the extension reads: the
// new rows, the pairs whose duplicates must be found again, and every click
// of those pairs now.
func (cd *clickDelta) prepare(ctx context.Context, db *sql.DB) error {
	files := append([]string{lake.Folder + "/" + clicksTable + "/_schema.parquet"}, cd.newFiles...)
	newSQL := strings.Replace(cd.stg.SQL, "'"+lake.Glob(clicksTable)+"'", "["+sqlList(files)+"]", 1)
	stmts := []string{
		"create or replace temp table click_delta_new as\n" + strings.TrimRight(strings.TrimSpace(newSQL), ";"),
		// the pairs of the new rows and of the versions they replace
		`create or replace temp table click_delta_pairs as
select distinct visitor_key, coalesce(link_id, url) as link_key
from (
    select visitor_key, link_id, url from click_delta_new
    union all
    select old.visitor_key, old.link_id, old.url
    from prev.int_clicks_classified as old
    inner join click_delta_new as new on new.click_id = old.click_id
)
where visitor_key is not null`,
		`create or replace temp view click_delta_pair_clicks as
select ` + prefixed("old", clickDeltaColumns) + `
from prev.int_clicks_classified as old
inner join click_delta_pairs as pairs
    on pairs.visitor_key = old.visitor_key
    and pairs.link_key is not distinct from coalesce(old.link_id, old.url)
where not exists (select 1 from click_delta_new as new where new.click_id = old.click_id)
union all
select ` + prefixed("new", clickDeltaColumns) + `
from click_delta_new as new
inner join click_delta_pairs as pairs
    on pairs.visitor_key = new.visitor_key
    and pairs.link_key is not distinct from coalesce(new.link_id, new.url)`,
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// prefixed qualifies each column of a comma-separated list with table.
func prefixed(table, columns string) string {
	cols := strings.Split(columns, ", ")
	for i, c := range cols {
		cols[i] = table + "." + c
	}
	return strings.Join(cols, ", ")
}

// build creates m (one of clickDeltaModels) from the previous build and the
// new rows.
func (cd *clickDelta) build(ctx context.Context, db *sql.DB, m *Model) error {
	if m.Name != "int_click_duplicates" {
		return fmt.Errorf("%s is not extended from the previous build", m.Name)
	}
	if !cd.prepared {
		if err := cd.prepare(ctx, db); err != nil {
			return err
		}
		cd.prepared = true
	}
	body := strings.TrimRight(strings.TrimSpace(m.SQL), ";")
	_, err := db.ExecContext(ctx, `create or replace table int_click_duplicates as
select click_id from (
`+stgClicksName.ReplaceAllString(body, "click_delta_pair_clicks")+`
)
union all
-- the previous duplicates of the pairs no new row belongs to
select dup.click_id
from prev.int_click_duplicates as dup
inner join prev.int_clicks_classified as old on old.click_id = dup.click_id
left join click_delta_pairs as pairs
    on pairs.visitor_key = old.visitor_key
    and pairs.link_key is not distinct from coalesce(old.link_id, old.url)
where pairs.visitor_key is null
    and not exists (select 1 from click_delta_new as new where new.click_id = dup.click_id)`)
	return err
}

// cleanup drops the temporary objects (before the previous warehouse is
// detached: they read it).
func (cd *clickDelta) cleanup(ctx context.Context, db *sql.DB) {
	for _, s := range []string{"drop view if exists click_delta_pair_clicks",
		"drop table if exists click_delta_pairs", "drop table if exists click_delta_new"} {
		db.ExecContext(ctx, s)
	}
}

// write records what the next build compares.
func (cd *clickDelta) write(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, "create table "+clickDeltaTable+" (what varchar not null, value varchar not null)"); err != nil {
		return fmt.Errorf("write %s: %w", clickDeltaTable, err)
	}
	values := []string{"('key', " + sqlList([]string{cd.key}) + ")"}
	for _, f := range cd.files {
		values = append(values, "('file', "+sqlList([]string{f})+")")
	}
	if _, err := db.ExecContext(ctx, "insert into "+clickDeltaTable+" values "+strings.Join(values, ", ")); err != nil {
		return fmt.Errorf("write %s: %w", clickDeltaTable, err)
	}
	return nil
}
