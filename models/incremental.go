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

// The click tables grow in place. A build works in a copy of the previous
// warehouse (models/warehouse.go); when its new input is new click files (or
// streams and links), the two click tables are not computed over all of
// history again but changed only where the night can touch them:
//
//   - the new click files' rows (the staging SQL of stg_clicks over those
//     files alone) are the new clicks and the newer versions of earlier
//     click ids (a new import has a higher import_seq, so its version wins,
//     as in stg_clicks);
//   - int_click_duplicates: a click's duplicate flag depends only on the
//     clicks of its visitor × link pair and the duplicate window, so the
//     duplicates are computed again, with the model's own SQL, over the
//     whole history of the pairs a new row (or the earlier version of a
//     re-exported click) belongs to, read from the previous
//     int_clicks_classified (which holds every click's pair); the rows of
//     those pairs are deleted and the new ones inserted, every other pair's
//     rows stay;
//   - int_clicks_classified: a click's row depends on its own staging row,
//     its duplicate flag, whether the stream its URL names exists and the
//     stream of its link. So the rows re-classified, with the model's own
//     SQL, are the new rows, the clicks of the pairs above, and the clicks
//     whose named stream, stream or link is among the streams and links
//     that differ from the previous build's (kept as build_click_streams and
//     build_click_links: every column of stg_streams and stg_links); they
//     are deleted and inserted again, every other row stays. The earlier
//     clicks are re-classified from their previous rows, which keep every
//     stg_clicks column the model reads (utm_stream_id among them).
//   - int_stream_clicks: a stream's rows (its counted clicks per minute)
//     depend only on its own clicks, its stream row and the attribution
//     window, so the streams computed again, with the model's own SQL over
//     their clicks, are the streams of the rows re-classified, before and
//     after (a changed stream's clicks are all among them); every other
//     stream's rows stay.
//
// The previous build can be extended only when it read a subset of today's
// click files, unchanged (name, size, modification time, and the manifest
// entry of each), under the same SQL, click settings and binary, and every
// new file was imported after all of those; the classification also needs
// the duplicates extended or unchanged, its inputs to be only stg_clicks,
// stg_streams, stg_links and int_click_duplicates, and the previous
// snapshots of streams and links. Otherwise (a re-import that replaced
// files, a changed duplicate window, a new postlive, a new input of the
// classification) the model is computed in full; so is it when any step
// fails (each table's delete and insert run in one transaction).
// build_click_delta in the warehouse keeps what the next build compares.

const clickDeltaTable = "build_click_delta"

// clicksTable is the lake folder of the clicks.
const clicksTable = "clicks"

// clickDeltaModels are the models extended from the previous build.
var clickDeltaModels = map[string]bool{"int_click_duplicates": true, "int_clicks_classified": true, streamClicksModel: true}

// streamClicksModel is the per-stream sum of the classified clicks; a
// stream's rows depend only on its own clicks and stream row, so a night
// computes again the streams whose clicks it re-classified or whose row
// changed.
const streamClicksModel = "int_stream_clicks"

// streamClicksReads are the models int_stream_clicks may read to be
// extended by stream.
var streamClicksReads = map[string]bool{"int_clicks_classified": true, "stg_streams": true}

// The streams and links the classification was computed with, for the
// next build to find what changed.
const (
	clickStreamsTable = "build_click_streams"
	clickLinksTable   = "build_click_links"
)

// classifiedReads are the models the classification may read to be
// extended: the rule above of which rows a night changes is about these.
var classifiedReads = map[string]bool{"stg_clicks": true, "stg_streams": true, "stg_links": true, "int_click_duplicates": true}

// clickDeltaColumns are the stg_clicks columns int_click_duplicates reads,
// all of which int_clicks_classified keeps.
const clickDeltaColumns = "click_id, ts, link_id, url, visitor_key, is_bot, is_aggregated"

var (
	stgClicksName  = regexp.MustCompile(`\bstg_clicks\b`)
	classifiedName = regexp.MustCompile(`\bint_clicks_classified\b`)
)

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
	// dupsExtended: int_click_duplicates was extended by this build (not
	// computed in full); classExtended the same of int_clicks_classified
	dupsExtended  bool
	classExtended bool
	// streamKey: the SQL, settings and binary of int_stream_clicks;
	// streamOK: the previous table was computed under the same
	streamKey string
	streamOK  bool
	snapshots bool // stg_streams and stg_links are models: write their snapshots
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
		if m.Name == streamClicksModel {
			cd.streamKey = ownKey(binary, m, settings)
			continue
		}
		if m.Name == "stg_clicks" || m.Name == manifestModel || m.Name == "int_clicks_classified" || clickDeltaModels[m.Name] {
			fmt.Fprintf(h, "model %s\n%s\n", m.Name, m.SQL)
		}
		if m.Name == "stg_clicks" {
			cd.stg = m
		}
		if m.Name == "int_clicks_classified" {
			cd.snapshots = true
			for _, d := range m.Deps {
				if !classifiedReads[d] {
					cd.snapshots = false
				}
			}
		}
	}
	for _, t := range settings {
		if t.name == "click_settings" {
			fmt.Fprintf(h, "settings %s\n", t.hash())
		}
	}
	names := map[string]bool{}
	for _, m := range models {
		names[m.Name] = true
	}
	cd.snapshots = cd.snapshots && names["stg_streams"] && names["stg_links"]
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

// plan compares with the previous build (the copy being built in) and decides
// whether the click models can be extended, and by which files.
func (cd *clickDelta) plan(ctx context.Context, db *sql.DB) {
	cd.ok, cd.streamOK, cd.newFiles, cd.planned = false, false, nil, true
	if cd.stg == nil || !strings.Contains(cd.stg.SQL, "'"+lake.Glob(clicksTable)+"'") {
		return
	}
	rows, err := queryStrings(ctx, db, "select what, value from main."+clickDeltaTable)
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
		case "stream_key":
			cd.streamOK = cd.streamKey != "" && value == cd.streamKey
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
    from int_clicks_classified as old
    inner join click_delta_new as new on new.click_id = old.click_id
)
where visitor_key is not null`,
		`create or replace temp view click_delta_pair_clicks as
select ` + prefixed("old", clickDeltaColumns) + `
from int_clicks_classified as old
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

// changedKeys is a query of the keys whose rows differ between the
// relation now and its snapshot from the previous build, in any column,
// either way.
func changedKeys(key, now, snapshot string) string {
	return `select ` + key + ` from (
    (select * from ` + now + ` except select * from ` + snapshot + `)
    union all
    (select * from ` + snapshot + ` except select * from ` + now + `)
)`
}

// prefixed qualifies each column of a comma-separated list with table.
func prefixed(table, columns string) string {
	cols := strings.Split(columns, ", ")
	for i, c := range cols {
		cols[i] = table + "." + c
	}
	return strings.Join(cols, ", ")
}

// build changes m (one of clickDeltaModels) in place: the rows the new
// clicks, streams and links can touch are deleted and computed again.
// built names the models this build has computed so far (not kept).
func (cd *clickDelta) build(ctx context.Context, db *sql.DB, m *Model, built map[string]bool) error {
	if !cd.prepared {
		if err := cd.prepare(ctx, db); err != nil {
			return err
		}
		cd.prepared = true
	}
	body := strings.TrimRight(strings.TrimSpace(m.SQL), ";")
	switch m.Name {
	case "int_click_duplicates":
		if _, err := db.ExecContext(ctx, "create or replace temp table click_delta_dups as\nselect click_id from (\n"+
			stgClicksName.ReplaceAllString(body, "click_delta_pair_clicks")+"\n)"); err != nil {
			return err
		}
		err := inTransaction(ctx, db,
			// the previous duplicates of the pairs the night touches, and
			// of the click ids it brings again
			`delete from int_click_duplicates
where click_id in (select click_id from click_delta_new)
    or click_id in (
        select old.click_id
        from int_clicks_classified as old
        inner join click_delta_pairs as pairs
            on pairs.visitor_key = old.visitor_key
            and pairs.link_key is not distinct from coalesce(old.link_id, old.url)
    )`,
			"insert into int_click_duplicates by name select click_id from click_delta_dups")
		cd.dupsExtended = err == nil
		return err
	case "int_clicks_classified":
		if built["int_click_duplicates"] && !cd.dupsExtended {
			return fmt.Errorf("int_click_duplicates was computed in full")
		}
		for _, d := range m.Deps {
			if !classifiedReads[d] {
				return fmt.Errorf("it reads %s, which the rule of what a night changes does not cover", d)
			}
		}
		// the columns of the previous rows that are stg_clicks columns: the
		// earlier clicks' staging rows as far as the model reads them
		cols, err := queryStrings(ctx, db, `select column_name from (describe int_clicks_classified)
intersect
select column_name from (describe click_delta_new)`)
		if err != nil {
			return err
		}
		if len(cols) == 0 {
			return fmt.Errorf("int_clicks_classified keeps no stg_clicks column")
		}
		for i, c := range cols {
			cols[i] = "old." + quoteIdent(c)
		}
		stmts := []string{
			// streams and links that differ from the previous build's, in
			// any column, either way
			"create or replace temp table click_class_streams as\n" + changedKeys("stream_id", "stg_streams", clickStreamsTable),
			"create or replace temp table click_class_links as\n" + changedKeys("link_id", "stg_links", clickLinksTable),
			`create or replace temp table click_class_redo as
select click_id from click_delta_new
union
select old.click_id
from int_clicks_classified as old
inner join click_delta_pairs as pairs
    on pairs.visitor_key = old.visitor_key
    and pairs.link_key is not distinct from coalesce(old.link_id, old.url)
union
select click_id
from int_clicks_classified
where utm_stream_id in (select stream_id from click_class_streams)
    or stream_id in (select stream_id from click_class_streams)
    or link_id in (select link_id from click_class_links)`,
			`create or replace temp table click_class_source as
select * from click_delta_new
union all by name
select ` + strings.Join(cols, ", ") + `
from int_clicks_classified as old
where old.click_id in (select click_id from click_class_redo)
    and old.click_id not in (select click_id from click_delta_new)`,
			"create or replace temp table click_class_rows as\nselect * from (\n" +
				stgClicksName.ReplaceAllString(body, "click_class_source") + "\n)",
			// the streams whose clicks change: the streams of the rows
			// re-classified, before and after (a changed stream's clicks
			// are all among them)
			`create or replace temp table click_class_touched as
select stream_id from int_clicks_classified
where click_id in (select click_id from click_class_redo) and stream_id is not null
union
select stream_id from click_class_rows where stream_id is not null`,
		}
		for _, s := range stmts {
			if _, err := db.ExecContext(ctx, s); err != nil {
				return err
			}
		}
		err = inTransaction(ctx, db,
			"delete from int_clicks_classified where click_id in (select click_id from click_class_redo)",
			"insert into int_clicks_classified by name select * from click_class_rows")
		cd.classExtended = err == nil
		return err
	case streamClicksModel:
		if !cd.classExtended {
			return fmt.Errorf("int_clicks_classified was not extended")
		}
		if !cd.streamOK {
			return fmt.Errorf("the previous table was computed under other SQL, settings or binary")
		}
		for _, d := range m.Deps {
			if !streamClicksReads[d] {
				return fmt.Errorf("it reads %s, which the rule of what a night changes does not cover", d)
			}
		}
		// the model's own SQL over the touched streams' clicks only
		sel := "select * from (\n" + classifiedName.ReplaceAllString(body,
			"(select * from int_clicks_classified where stream_id in (select stream_id from click_class_touched))") + "\n)"
		return inTransaction(ctx, db,
			"delete from "+streamClicksModel+" where stream_id in (select stream_id from click_class_touched)",
			"insert into "+streamClicksModel+" by name "+sel)
	}
	return fmt.Errorf("%s is not extended from the previous build", m.Name)
}

// inTransaction runs stmts in one transaction: all or none.
func inTransaction(ctx context.Context, db *sql.DB, stmts ...string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			tx.Rollback()
			return err
		}
	}
	return tx.Commit()
}

// cleanup drops the temporary objects.
func (cd *clickDelta) cleanup(ctx context.Context, db *sql.DB) {
	for _, s := range []string{"drop view if exists click_delta_pair_clicks",
		"drop table if exists click_delta_pairs", "drop table if exists click_delta_new", "drop table if exists click_delta_dups",
		"drop table if exists click_class_streams", "drop table if exists click_class_links", "drop table if exists click_class_redo",
		"drop table if exists click_class_source", "drop table if exists click_class_rows",
		"drop table if exists click_class_touched"} {
		db.ExecContext(ctx, s)
	}
}

// write records what the next build compares.
func (cd *clickDelta) write(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, "create or replace table "+clickDeltaTable+" (what varchar not null, value varchar not null)"); err != nil {
		return fmt.Errorf("write %s: %w", clickDeltaTable, err)
	}
	values := []string{"('key', " + sqlList([]string{cd.key}) + ")"}
	if cd.streamKey != "" {
		values = append(values, "('stream_key', "+sqlList([]string{cd.streamKey})+")")
	}
	for _, f := range cd.files {
		values = append(values, "('file', "+sqlList([]string{f})+")")
	}
	if _, err := db.ExecContext(ctx, "insert into "+clickDeltaTable+" values "+strings.Join(values, ", ")); err != nil {
		return fmt.Errorf("write %s: %w", clickDeltaTable, err)
	}
	for _, s := range [][2]string{{clickStreamsTable, "stg_streams"}, {clickLinksTable, "stg_links"}} {
		q := "drop table if exists " + s[0]
		if cd.snapshots {
			q = "create or replace table " + s[0] + " as select * from " + s[1]
		}
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("write %s: %s", s[0], cleanDuckDBError(err))
		}
	}
	return nil
}
