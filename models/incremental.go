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

// The click classification grows within its tables. When a build's new
// input is new click files (and anything else: streams, links, orders), the
// two click models are not computed over all of history again but extended
// from the warehouse the build replaces:
//
//   - the new click files' rows (the staging SQL of stg_clicks over those
//     files alone) replace the previous build's rows of the same click ids
//     (a new import has a higher import_seq, so its version wins, as in
//     stg_clicks) and are added to the others;
//   - a click's duplicate flag depends only on the clicks of its visitor ×
//     link pair (int_click_duplicates), so the duplicates are computed again,
//     with the same SQL, over the whole history of the pairs a new row (or
//     the earlier version of a re-imported click) belongs to; the previous
//     duplicates of every other pair are kept;
//   - the classification is a function of each click row, the streams, the
//     links and the duplicates, so it is computed with the same SQL over all
//     click rows read from the previous table (no Parquet scan and no
//     newest-import ranking of all history), joined to the current streams
//     and links: a stream or link that arrived late reaches old clicks.
//
// The previous build can be extended only when it read a subset of today's
// click files, unchanged (name, size, modification time, and the manifest
// entry of each), under the same SQL, click settings and binary, and every
// new file was imported after all of those; otherwise (a re-import that
// replaced files, a changed duplicate window, a new postlive) the models are
// computed in full. build_click_delta in the warehouse keeps what the next
// build compares.

const clickDeltaTable = "build_click_delta"

// clicksTable is the lake folder of the clicks.
const clicksTable = "clicks"

// clickDeltaModels are extended in this order (the classification reads
// the duplicates).
var clickDeltaModels = map[string]bool{"int_click_duplicates": true, "int_clicks_classified": true}

// clickDeltaColumns are the stg_clicks columns the two models read, all of
// which int_clicks_classified keeps.
const clickDeltaColumns = "click_id, ts, link_id, url, visitor_key, is_bot, bot_reason, is_aggregated, click_count, utm_stream_id"

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
		if m.Name == "stg_clicks" || m.Name == manifestModel || clickDeltaModels[m.Name] {
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

// prepare creates the temporary views and tables both models read: the new
// rows, the previous rows they do not replace, all rows now, and the pairs
// whose duplicates must be found again.
func (cd *clickDelta) prepare(ctx context.Context, db *sql.DB) error {
	files := append([]string{lake.Folder + "/" + clicksTable + "/_schema.parquet"}, cd.newFiles...)
	newSQL := strings.Replace(cd.stg.SQL, "'"+lake.Glob(clicksTable)+"'", "["+sqlList(files)+"]", 1)
	stmts := []string{
		"create or replace temp table click_delta_new as\n" + strings.TrimRight(strings.TrimSpace(newSQL), ";"),
		`create or replace temp table click_delta_old as
select ` + clickDeltaColumns + ` from prev.int_clicks_classified as old
where not exists (select 1 from click_delta_new as new where new.click_id = old.click_id)`,
		`create or replace temp view click_delta_now as
select ` + clickDeltaColumns + ` from click_delta_old
union all
select ` + clickDeltaColumns + ` from click_delta_new`,
		// the pairs of the new rows and of the versions they replace
		`create or replace temp table click_delta_pairs as
select distinct visitor_key, coalesce(link_id, url) as link_key
from (
    select visitor_key, link_id, url from click_delta_new
    union all
    select visitor_key, link_id, url from prev.int_clicks_classified
    where click_id in (select click_id from click_delta_new)
)
where visitor_key is not null`,
		`create or replace temp view click_delta_pair_clicks as
select now.*
from click_delta_now as now
inner join click_delta_pairs as pairs
    on pairs.visitor_key = now.visitor_key
    and pairs.link_key is not distinct from coalesce(now.link_id, now.url)`,
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// build creates m (one of clickDeltaModels) from the previous build and the
// new rows.
func (cd *clickDelta) build(ctx context.Context, db *sql.DB, m *Model) error {
	if !cd.prepared {
		if err := cd.prepare(ctx, db); err != nil {
			return err
		}
		cd.prepared = true
	}
	body := strings.TrimRight(strings.TrimSpace(m.SQL), ";")
	var stmt string
	switch m.Name {
	case "int_click_duplicates":
		stmt = `create or replace table int_click_duplicates as
select click_id from (
` + stgClicksName.ReplaceAllString(body, "click_delta_pair_clicks") + `
)
union all
-- the previous duplicates of the pairs no new row belongs to
select old.click_id
from prev.int_click_duplicates as dup
inner join click_delta_old as old on old.click_id = dup.click_id
left join click_delta_pairs as pairs
    on pairs.visitor_key = old.visitor_key
    and pairs.link_key is not distinct from coalesce(old.link_id, old.url)
where pairs.visitor_key is null`
	case "int_clicks_classified":
		stmt = "create or replace table int_clicks_classified as\n" + stgClicksName.ReplaceAllString(body, "click_delta_now")
	default:
		return fmt.Errorf("%s is not extended from the previous build", m.Name)
	}
	_, err := db.ExecContext(ctx, stmt)
	return err
}

// cleanup drops the temporary objects (before the previous warehouse is
// detached: they read it).
func (cd *clickDelta) cleanup(ctx context.Context, db *sql.DB) {
	for _, s := range []string{"drop view if exists click_delta_pair_clicks", "drop view if exists click_delta_now",
		"drop table if exists click_delta_pairs", "drop table if exists click_delta_old", "drop table if exists click_delta_new"} {
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
