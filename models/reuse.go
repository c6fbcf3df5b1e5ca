package models

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/postlive/postlive/lake"
)

// A build reuses, from the warehouse it replaces, every materialised model
// whose inputs did not change: the same SQL, over the same lake files, with
// the same rows in the settings tables it names, built by the same postlive
// binary (whose Go functions the SQL may call). A model's fingerprint hashes
// exactly those, and the fingerprints of the models it reads, so a change
// anywhere upstream (a new click file, a re-imported order file, a new
// attribution window, a campaign's flat fee) rebuilds everything downstream
// of it and nothing else. The fingerprints are kept in the warehouse's table
// build_fingerprints; Key sums them up for the whole build.

// fingerprintTable holds one row per model of the build: its fingerprint.
const fingerprintTable = "build_fingerprints"

// manifestModel is the staging model over the import manifest. Every
// staging model reads it to keep only rows of completed imports; what
// matters to a table is only the manifest entries of its own files, so a
// new orders file does not change the clicks' fingerprint.
const manifestModel = "stg_manifest"

// Key names everything a build with opt reads — the lake's files and
// manifest, the settings, the SQL, the postlive binary — as one hash of the
// models' fingerprints: equal keys give equal marts. It reads files only
// (no DuckDB), so a nightly run can ask it cheaply whether to build at all.
func Key(opt Options) (string, error) {
	models, _, err := Load(opt.SQL)
	if err != nil {
		return "", err
	}
	settings, err := settingsTables(opt.Settings)
	if err != nil {
		return "", err
	}
	fps, err := fingerprints(models, nil, lake.In(opt.Workspace), settings)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, m := range models {
		fmt.Fprintf(h, "%s %s\n", m.Name, fps[m.Name])
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// testKey is the key of a data test in the fingerprints: tests and models
// have names of their own.
func testKey(name string) string { return "tests/" + name }

// fingerprints computes the fingerprint of every model, in build order,
// over the settings tables the build writes, and of every data test (under
// testKey): its SQL, the settings it names and the fingerprints of the
// models it reads.
func fingerprints(models, tests []*Model, l *lake.Lake, settings []settingsTable) (map[string]string, error) {
	binary, err := binaryIdentity()
	if err != nil {
		return nil, err
	}
	settingHash := settingHashes(settings)
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
		writeOwn(h, binary, "model", m, settingHash)
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
	for _, t := range tests {
		h := sha256.New()
		writeOwn(h, binary, "test", t, settingHash)
		for _, d := range t.Deps { // sorted by Load
			fmt.Fprintf(h, "dep %s %s\n", d, out[d])
		}
		out[testKey(t.Name)] = hex.EncodeToString(h.Sum(nil))
	}
	return out, nil
}

// binaryIdentity names the running executable by path, size and time: the
// writeOwn writes to h what a model or test (kind) is by itself: the
// binary, its SQL and the rows of the settings tables it names — its
// fingerprint without its inputs.
func writeOwn(h io.Writer, binary, kind string, m *Model, settingHash map[string]string) {
	fmt.Fprintf(h, "binary %s\n%s %s\n%s\n", binary, kind, m.Name, m.SQL)
	read := map[string]bool{}
	for _, id := range identifiers(m.SQL) {
		if sh, ok := settingHash[id]; ok && !read[id] {
			read[id] = true
			fmt.Fprintf(h, "settings %s %s\n", id, sh)
		}
	}
}

// ownKey is writeOwn of model m as a hex key.
func ownKey(binary string, m *Model, settings []settingsTable) string {
	h := sha256.New()
	writeOwn(h, binary, "model", m, settingHashes(settings))
	return hex.EncodeToString(h.Sum(nil))
}

// settingHashes maps each settings table to the hash of its rows.
func settingHashes(settings []settingsTable) map[string]string {
	out := map[string]string{}
	for _, t := range settings {
		out[t.name] = t.hash()
	}
	return out
}

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

// writeFingerprints records the fingerprints in the warehouse being built.
func writeFingerprints(ctx context.Context, db *sql.DB, fps map[string]string) error {
	if _, err := db.ExecContext(ctx, "create or replace table "+fingerprintTable+" (model varchar primary key, fingerprint varchar not null)"); err != nil {
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
