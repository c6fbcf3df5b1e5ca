package models

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/postlive/postlive/lake"
)

// A build reuses, from the warehouse it replaces, every materialised model
// whose inputs did not change: the same SQL, over the same lake files, with
// the same settings, built by the same postlive binary (whose Go functions
// the SQL may call). A model's fingerprint hashes exactly those, and the
// fingerprints of the models it reads, so a change anywhere upstream (a new
// click file, a re-imported order file, a new attribution window) rebuilds
// everything downstream of it and nothing else. The fingerprints are kept in
// the warehouse's table build_fingerprints.

// fingerprintTable holds one row per model of the build: its fingerprint.
const fingerprintTable = "build_fingerprints"

// manifestModel is the staging model over the import manifest. Every
// staging model reads it to keep only rows of completed imports; what
// matters to a table is only the manifest entries of its own files, so a
// new orders file does not change the clicks' fingerprint.
const manifestModel = "stg_manifest"

// fingerprints computes the fingerprint of every model, in build order.
// settings is the hash of the configuration tables the build wrote.
func fingerprints(models []*Model, l *lake.Lake, settings string) (map[string]string, error) {
	binary, err := binaryIdentity()
	if err != nil {
		return nil, err
	}
	// the lake files each model reads (a staging model reads a lake folder
	// by its path, lake.Glob), each folder listed once
	tables, err := l.Tables()
	if err != nil {
		return nil, err
	}
	listed := map[string][]lake.StoredFile{}
	reads := map[string][]lake.StoredFile{}
	var manifest []lake.StoredFile
	for _, m := range models {
		for _, t := range tables {
			if !strings.Contains(m.SQL, "'"+lake.Glob(t)+"'") {
				continue
			}
			files, ok := listed[t]
			if !ok {
				if files, err = l.Files(t); err != nil {
					return nil, fmt.Errorf("%s: %w", m.Path, err)
				}
				listed[t] = files
			}
			reads[m.Name] = append(reads[m.Name], files...)
		}
		if m.Name == manifestModel {
			manifest = reads[m.Name]
		}
	}
	out := map[string]string{}
	for _, m := range models {
		h := sha256.New()
		fmt.Fprintf(h, "binary %s\nsettings %s\nmodel %s\n%s\n", binary, settings, m.Name, m.SQL)
		names := map[string]bool{}
		for _, f := range reads[m.Name] {
			fmt.Fprintf(h, "file %s\n", f)
			names[f.Name] = true
		}
		deps := append([]string(nil), m.Deps...)
		sort.Strings(deps)
		for _, d := range deps {
			if d == manifestModel && m.Layer == "staging" {
				// the manifest entries of this table's files (same name)
				for _, f := range manifest {
					if names[f.Name] {
						fmt.Fprintf(h, "manifest %s\n", f)
					}
				}
				continue
			}
			fmt.Fprintf(h, "dep %s %s\n", d, out[d])
		}
		out[m.Name] = hex.EncodeToString(h.Sum(nil))
	}
	return out, nil
}

// binaryIdentity names the running executable by path, size and time: the
// SQL functions registered by Open are part of what a model computes.
func binaryIdentity() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find the postlive binary: %w", err)
	}
	fi, err := os.Stat(exe)
	if err != nil {
		return "", fmt.Errorf("find the postlive binary: %w", err)
	}
	return fmt.Sprintf("%s %d %d", exe, fi.Size(), fi.ModTime().UnixNano()), nil
}

// settingsHash hashes the contents of every table in the new warehouse
// before the models run: the configuration tables (settings,
// experiment_settings, …).
func settingsHash(ctx context.Context, db *sql.DB) (string, error) {
	names, err := queryStrings(ctx, db, "select table_name from duckdb_tables() where database_name = current_database() order by table_name")
	if err != nil {
		return "", fmt.Errorf("list settings tables: %w", err)
	}
	h := sha256.New()
	for _, n := range names {
		rows, err := queryStrings(ctx, db, fmt.Sprintf("select cast(columns(*) as varchar) from %q order by all", n))
		if err != nil {
			return "", fmt.Errorf("hash settings table %s: %w", n, err)
		}
		fmt.Fprintf(h, "table %s\n%s\n", n, strings.Join(rows, "\n"))
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// queryStrings returns every row of q with its columns joined by tabs
// (NULL as \N).
func queryStrings(ctx context.Context, db *sql.DB, q string) ([]string, error) {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []string
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		parts := make([]string, len(cols))
		for i, v := range vals {
			if v.Valid {
				parts[i] = v.String
			} else {
				parts[i] = `\N`
			}
		}
		out = append(out, strings.Join(parts, "\t"))
	}
	return out, rows.Err()
}

// previousBuild attaches the warehouse a build replaces, read-only, as
// "prev" and returns its fingerprints; nil when there is none or it cannot
// be read (then nothing is reused).
func previousBuild(ctx context.Context, db *sql.DB, warehouse string) map[string]string {
	if _, err := os.Stat(warehouse); err != nil {
		return nil
	}
	if _, err := db.ExecContext(ctx, "attach '"+strings.ReplaceAll(warehouse, "'", "''")+"' as prev (read_only)"); err != nil {
		return nil
	}
	rows, err := queryStrings(ctx, db, "select model, fingerprint from prev."+fingerprintTable)
	if err != nil {
		db.ExecContext(ctx, "detach prev")
		return nil
	}
	out := map[string]string{}
	for _, r := range rows {
		m, fp, _ := strings.Cut(r, "\t")
		out[m] = fp
	}
	return out
}

// writeFingerprints records the fingerprints in the new warehouse.
func writeFingerprints(ctx context.Context, db *sql.DB, fps map[string]string) error {
	if _, err := db.ExecContext(ctx, "create table "+fingerprintTable+" (model varchar primary key, fingerprint varchar not null)"); err != nil {
		return fmt.Errorf("write build fingerprints: %w", err)
	}
	names := make([]string, 0, len(fps))
	for n := range fps {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if _, err := db.ExecContext(ctx, "insert into "+fingerprintTable+" values (?, ?)", n, fps[n]); err != nil {
			return fmt.Errorf("write build fingerprints: %w", err)
		}
	}
	return nil
}
