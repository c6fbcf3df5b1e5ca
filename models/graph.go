package models

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// Model is one SQL file: its relation name (the file name), its layer
// (staging, intermediate, marts, tests), its text and the models it reads.
type Model struct {
	Name  string
	Layer string
	Path  string
	SQL   string
	Deps  []string
}

// Materialized reports whether the model becomes a table rather than a
// view: every mart, and a staging or intermediate model whose header
// comments say `-- materialized: table` (one that several models read and
// that is costly to compute again for each of them, such as the click
// classification or the newest version of each order).
func (m *Model) Materialized() bool {
	return m.Layer == "marts" || headerSays(m.SQL, "materialized: table")
}

// headerSays reports whether the comment lines at the top of a model
// contain the line "-- <what>", possibly followed by a remark.
func headerSays(sql, what string) bool {
	for _, line := range strings.Split(sql, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "--") {
			return false
		}
		if c := strings.TrimSpace(strings.TrimPrefix(line, "--")); c == what || strings.HasPrefix(c, what+" ") {
			return true
		}
	}
	return false
}

var layers = []string{"staging", "intermediate", "marts", "tests"}

// Load reads every layer's .sql files from fsys and returns the models in
// dependency order (a model after everything it references), then the tests.
func Load(fsys fs.FS) (models, tests []*Model, err error) {
	byName := map[string]*Model{}
	var all []*Model
	for _, layer := range layers {
		entries, err := fs.ReadDir(fsys, layer)
		if err != nil {
			if errorsIsNotExist(err) {
				continue
			}
			return nil, nil, err
		}
		for _, e := range entries {
			if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
				continue
			}
			p := path.Join(layer, e.Name())
			b, err := fs.ReadFile(fsys, p)
			if err != nil {
				return nil, nil, err
			}
			m := &Model{Name: strings.TrimSuffix(e.Name(), ".sql"), Layer: layer, Path: "sql/" + p, SQL: string(b)}
			if layer == "tests" {
				tests = append(tests, m)
				continue
			}
			if prev, ok := byName[m.Name]; ok {
				return nil, nil, fmt.Errorf("%s and %s define the same relation %s", prev.Path, m.Path, m.Name)
			}
			byName[m.Name] = m
			all = append(all, m)
		}
	}
	for _, m := range append(append([]*Model{}, all...), tests...) {
		seen := map[string]bool{}
		for _, id := range identifiers(m.SQL) {
			if _, ok := byName[id]; ok && id != m.Name && !seen[id] {
				seen[id] = true
				m.Deps = append(m.Deps, id)
			}
		}
		sort.Strings(m.Deps)
	}
	models, err = topoSort(all, byName)
	return models, tests, err
}

func errorsIsNotExist(err error) bool { return strings.Contains(err.Error(), "file does not exist") }

// topoSort orders models so that each comes after its dependencies; among
// models free to go, the order is by layer, then name (deterministic).
func topoSort(all []*Model, byName map[string]*Model) ([]*Model, error) {
	rank := map[string]int{}
	for i, l := range layers {
		rank[l] = i
	}
	state := map[string]int{} // 0 new, 1 visiting, 2 done
	var out []*Model
	sorted := append([]*Model(nil), all...)
	sort.Slice(sorted, func(i, j int) bool {
		if rank[sorted[i].Layer] != rank[sorted[j].Layer] {
			return rank[sorted[i].Layer] < rank[sorted[j].Layer]
		}
		return sorted[i].Name < sorted[j].Name
	})
	var visit func(m *Model, chain []string) error
	visit = func(m *Model, chain []string) error {
		switch state[m.Name] {
		case 1:
			return fmt.Errorf("models reference each other in a cycle: %s", strings.Join(append(chain, m.Name), " → "))
		case 2:
			return nil
		}
		state[m.Name] = 1
		for _, d := range m.Deps {
			if err := visit(byName[d], append(chain, m.Name)); err != nil {
				return err
			}
		}
		state[m.Name] = 2
		out = append(out, m)
		return nil
	}
	for _, m := range sorted {
		if err := visit(m, nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// identifiers returns the words of a SQL text outside comments and string
// literals, lower-cased: the candidates for references to other models.
func identifiers(sql string) []string {
	var out []string
	s := sql
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '-' && i+1 < len(s) && s[i+1] == '-':
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			j := strings.Index(s[i+2:], "*/")
			if j < 0 {
				return out
			}
			i += j + 4
		case c == '\'':
			i++
			for i < len(s) {
				if s[i] == '\'' {
					if i+1 < len(s) && s[i+1] == '\'' {
						i += 2
						continue
					}
					break
				}
				i++
			}
			i++
		case c == '"':
			j := strings.IndexByte(s[i+1:], '"')
			if j < 0 {
				return out
			}
			out = append(out, strings.ToLower(s[i+1:i+1+j]))
			i += j + 2
		case isIdentStart(c):
			j := i
			for j < len(s) && isIdentPart(s[j]) {
				j++
			}
			out = append(out, strings.ToLower(s[i:j]))
			i = j
		default:
			i++
		}
	}
	return out
}

func isIdentStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isIdentPart(c byte) bool  { return isIdentStart(c) || c >= '0' && c <= '9' }
