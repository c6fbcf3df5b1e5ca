package models

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/marcboeker/go-duckdb"
)

// FormatValue renders a value scanned from DuckDB as text for tables, CSV and
// messages: NULL as "", decimals exactly, times in UTC RFC 3339, floats with
// the shortest exact representation.
func FormatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case int16:
		return strconv.FormatInt(int64(x), 10)
	case int8:
		return strconv.FormatInt(int64(x), 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case uint32:
		return strconv.FormatUint(uint64(x), 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32)
	case *big.Int:
		return x.String()
	case duckdb.Decimal:
		return FormatDecimal(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	case duckdb.Interval:
		return fmt.Sprintf("%d months %d days %dµs", x.Months, x.Days, x.Micros)
	}
	return fmt.Sprint(v)
}

// FormatDecimal renders a DuckDB decimal exactly, e.g. 1234.50.
func FormatDecimal(d duckdb.Decimal) string {
	s := d.Value.String()
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	scale := int(d.Scale)
	if scale > 0 {
		for len(s) <= scale {
			s = "0" + s
		}
		s = s[:len(s)-scale] + "." + s[len(s)-scale:]
	}
	if neg {
		s = "-" + s
	}
	return s
}
