package models

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
	"regexp"
	"sync"

	"github.com/marcboeker/go-duckdb"
)

// registerTextFunctions adds
//
//	phrase_match(text VARCHAR, phrase VARCHAR)  BOOLEAN: text contains phrase
//	                                            as PhrasePattern finds it
//
// A NULL argument gives NULL. DuckDB compiles a regular expression whose
// pattern is a column anew for every row, which made the disclosure check of
// stream_compliance slow; here each phrase is compiled once.
func registerTextFunctions(conn *sql.Conn) error {
	varchar, err := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	if err != nil {
		return fmt.Errorf("register text functions: %w", err)
	}
	boolean, err := duckdb.NewTypeInfo(duckdb.TYPE_BOOLEAN)
	if err != nil {
		return fmt.Errorf("register text functions: %w", err)
	}
	udf := &scalarFunc{in: []duckdb.TypeInfo{varchar, varchar}, out: boolean, fn: phraseMatch}
	if err := duckdb.RegisterScalarUDF(conn, "phrase_match", udf); err != nil {
		return fmt.Errorf("register sql function phrase_match: %w", err)
	}
	return nil
}

func phraseMatch(vs []driver.Value) (any, error) {
	text, ok := vs[0].(string)
	phrase, okPhrase := vs[1].(string)
	if !ok || !okPhrase {
		return nil, nil
	}
	return phraseRegexp(phrase).MatchString(text), nil
}

// phraseRegexps caches the compiled PhrasePattern of each phrase.
var phraseRegexps sync.Map

func phraseRegexp(phrase string) *regexp.Regexp {
	if v, ok := phraseRegexps.Load(phrase); ok {
		return v.(*regexp.Regexp)
	}
	re := regexp.MustCompile(PhrasePattern(phrase))
	phraseRegexps.Store(phrase, re)
	return re
}
