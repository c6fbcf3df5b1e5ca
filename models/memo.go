package models

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
)

// A comparison of experiment_results is the costliest call of a build (the
// randomisation test re-assigns the streams up to 190,000 times, and its
// interval inverts the test by bisection), and the same call returns the same
// result: the analysis is seeded and reads nothing but its arguments. So the
// build remembers each experiment_compare result under a hash of its
// arguments and of the postlive binary, in the warehouse's build_memo, and
// the next build answers a call with the same arguments from there. A night
// that brings one experiment's streams analyses that experiment again and
// reads the others' results; a new postlive (other statistics) or any
// changed stream of an experiment is a new key. A build that computes
// experiment_results keeps only the entries it used, so the table holds one
// build's calls; a build that keeps experiment_results (it works in a copy
// of the previous warehouse) leaves the table as it was.

const memoTable = "build_memo"

// memo holds experiment_compare results by key; safe for DuckDB's threads.
type memo struct {
	mu      sync.Mutex
	binary  string
	entries map[string][]byte // key → encoded result
	loaded  map[string]bool   // keys read from the previous build
	used    map[string]bool   // keys this build asked for
	hits    int               // distinct keys answered from the previous build
}

func newMemo() (*memo, error) {
	b, err := binaryIdentity()
	if err != nil {
		return nil, err
	}
	return &memo{binary: b, entries: map[string][]byte{}, loaded: map[string]bool{}, used: map[string]bool{}}, nil
}

// call returns fn's result for the arguments vs, from the memo when a call
// with the same arguments was answered before.
func (m *memo) call(name string, fields []comparisonField, vs []driver.Value, fn func([]driver.Value) (any, error)) (any, error) {
	if m == nil {
		return fn(vs)
	}
	key := m.key(name, vs)
	m.mu.Lock()
	enc, ok := m.entries[key]
	if ok && m.loaded[key] && !m.used[key] {
		m.hits++
	}
	if ok {
		m.used[key] = true
	}
	m.mu.Unlock()
	if ok {
		if row, err := decodeRow(fields, enc); err == nil {
			return row, nil
		}
	}
	out, err := fn(vs)
	if err != nil {
		return nil, err
	}
	row, ok := out.(map[string]any)
	if !ok {
		return out, nil // NULL: nothing to remember
	}
	enc, err = encodeRow(fields, row)
	if err != nil {
		return out, nil
	}
	m.mu.Lock()
	m.entries[key] = enc
	m.used[key] = true
	m.mu.Unlock()
	return out, nil
}

// key hashes the function's name, the binary and every argument, lists of
// structs element by element, each struct's fields in name order.
func (m *memo) key(name string, vs []driver.Value) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n", m.binary, name)
	var buf [8]byte
	var put func(v any)
	put = func(v any) {
		switch x := v.(type) {
		case nil:
			h.Write([]byte{0})
		case float64:
			h.Write([]byte{1})
			binary.LittleEndian.PutUint64(buf[:], math.Float64bits(x))
			h.Write(buf[:])
		case string:
			h.Write([]byte{2})
			binary.LittleEndian.PutUint64(buf[:], uint64(len(x)))
			h.Write(buf[:])
			h.Write([]byte(x))
		case bool:
			if x {
				h.Write([]byte{3, 1})
			} else {
				h.Write([]byte{3, 0})
			}
		case int64:
			h.Write([]byte{4})
			binary.LittleEndian.PutUint64(buf[:], uint64(x))
			h.Write(buf[:])
		case []any:
			h.Write([]byte{5})
			binary.LittleEndian.PutUint64(buf[:], uint64(len(x)))
			h.Write(buf[:])
			for _, e := range x {
				put(e)
			}
		case map[string]any:
			names := make([]string, 0, len(x))
			for n := range x {
				names = append(names, n)
			}
			sort.Strings(names)
			h.Write([]byte{6})
			for _, n := range names {
				put(n)
				put(x[n])
			}
		default:
			// a type the key cannot name: a key of its own that no other
			// call shares
			fmt.Fprintf(h, "%T %v\n", v, v)
		}
	}
	for _, v := range vs {
		put(v)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// encodeRow writes a result STRUCT field by field: a tag (0 NULL, 1 DOUBLE,
// 2 VARCHAR, 3 BOOLEAN, 4 BIGINT) and the value's bytes, doubles bit for bit.
func encodeRow(fields []comparisonField, row map[string]any) ([]byte, error) {
	var b []byte
	for _, f := range fields {
		switch x := row[f.name].(type) {
		case nil:
			b = append(b, 0)
		case float64:
			b = append(b, 1)
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
		case string:
			b = append(b, 2)
			b = binary.LittleEndian.AppendUint64(b, uint64(len(x)))
			b = append(b, x...)
		case bool:
			if x {
				b = append(b, 3, 1)
			} else {
				b = append(b, 3, 0)
			}
		case int64:
			b = append(b, 4)
			b = binary.LittleEndian.AppendUint64(b, uint64(x))
		case int:
			b = append(b, 4)
			b = binary.LittleEndian.AppendUint64(b, uint64(x))
		default:
			return nil, fmt.Errorf("field %s: %T cannot be remembered", f.name, x)
		}
	}
	return b, nil
}

// decodeRow reads what encodeRow wrote.
func decodeRow(fields []comparisonField, b []byte) (map[string]any, error) {
	row := make(map[string]any, len(fields))
	short := fmt.Errorf("memo entry too short")
	for _, f := range fields {
		if len(b) < 1 {
			return nil, short
		}
		tag := b[0]
		b = b[1:]
		switch tag {
		case 0:
			row[f.name] = nil
		case 1, 4:
			if len(b) < 8 {
				return nil, short
			}
			u := binary.LittleEndian.Uint64(b)
			b = b[8:]
			if tag == 1 {
				row[f.name] = math.Float64frombits(u)
			} else {
				row[f.name] = int64(u)
			}
		case 2:
			if len(b) < 8 {
				return nil, short
			}
			n := binary.LittleEndian.Uint64(b)
			b = b[8:]
			if uint64(len(b)) < n {
				return nil, short
			}
			row[f.name] = string(b[:n])
			b = b[n:]
		case 3:
			if len(b) < 1 {
				return nil, short
			}
			row[f.name] = b[0] == 1
			b = b[1:]
		default:
			return nil, fmt.Errorf("memo entry: unknown tag %d", tag)
		}
	}
	if len(b) != 0 {
		return nil, fmt.Errorf("memo entry: %d bytes left over", len(b))
	}
	return row, nil
}

// load reads the entries of table (a previous build's build_memo); a
// missing or unreadable table leaves the memo empty.
func (m *memo) load(ctx context.Context, db *sql.DB, table string) {
	if m == nil {
		return
	}
	rows, err := db.QueryContext(ctx, "select key, value from "+table)
	if err != nil {
		return
	}
	defer rows.Close()
	m.mu.Lock()
	defer m.mu.Unlock()
	for rows.Next() {
		var k string
		var v []byte
		if rows.Scan(&k, &v) == nil {
			m.entries[k] = v
			m.loaded[k] = true
		}
	}
}

// save writes into build_memo the entries this build used. A build that
// asked for none kept experiment_results, and the build_memo it was copied
// with stays as it is for the next build that computes it.
func (m *memo) save(ctx context.Context, db *sql.DB) error {
	if m != nil {
		m.mu.Lock()
		defer m.mu.Unlock()
	}
	if m == nil || len(m.used) == 0 {
		if _, err := db.ExecContext(ctx, "create table if not exists "+memoTable+" (key varchar primary key, value blob not null)"); err != nil {
			return fmt.Errorf("write %s: %w", memoTable, err)
		}
		return nil
	}
	if _, err := db.ExecContext(ctx, "create or replace table "+memoTable+" (key varchar primary key, value blob not null)"); err != nil {
		return fmt.Errorf("write %s: %w", memoTable, err)
	}
	keys := make([]string, 0, len(m.used))
	for k := range m.used {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for len(keys) > 0 {
		n := min(len(keys), 500)
		var b strings.Builder
		args := make([]any, 0, 2*n)
		b.WriteString("insert into " + memoTable + " values ")
		for i, k := range keys[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?)")
			args = append(args, k, m.entries[k])
		}
		if _, err := db.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("write %s: %w", memoTable, err)
		}
		keys = keys[n:]
	}
	return nil
}

// stats says how many calls the memo answered and how many it holds.
func (m *memo) stats() (hits, used int) {
	if m == nil {
		return 0, 0
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.hits, len(m.used)
}
