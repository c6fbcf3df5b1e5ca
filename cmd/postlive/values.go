package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/marcboeker/go-duckdb"

	"github.com/postlive/postlive/models"
)

// How a DuckDB value is written by query, reconcile, payouts and experiments
// (docs/cli.md § Output formats): one set of rules for the three formats.
//
//   - integers and decimals exactly (money is DECIMAL: 2352.80 stays 2352.80);
//   - doubles with at most 15 significant digits, the most a double holds
//     exactly, in the shortest form that keeps them: 47.056, not the
//     47.056000000000004 of binary arithmetic; NaN and ±Inf are null;
//   - DATE as 2026-11-02, TIME as 19:00:00, timestamps in UTC as RFC 3339;
//   - INTERVAL as an ISO 8601 duration (P1M2DT3H);
//   - UUID in its usual text form, BLOB as DuckDB writes it (\xNN beyond ASCII);
//   - lists, structs and maps as JSON arrays and objects (in a CSV or table
//     cell, their JSON text).

// jsonNumber formats a float for output, or "" for NaN and ±Inf (null).
func jsonFloat(f float64, bits int) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return ""
	}
	digits := 15
	if bits == 32 {
		digits = 7
	}
	s := strconv.FormatFloat(f, 'g', digits, 64)
	g, _ := strconv.ParseFloat(s, 64)
	return strconv.FormatFloat(g, 'g', -1, 64)
}

// isoDuration writes a DuckDB interval as ISO 8601 (P1Y2M3DT4H5M6.5S).
func isoDuration(iv duckdb.Interval) string {
	var b strings.Builder
	neg := func(n int64) string { return strconv.FormatInt(n, 10) }
	b.WriteString("P")
	if y, m := iv.Months/12, iv.Months%12; y != 0 || m != 0 {
		if y != 0 {
			b.WriteString(neg(int64(y)) + "Y")
		}
		if m != 0 {
			b.WriteString(neg(int64(m)) + "M")
		}
	}
	if iv.Days != 0 {
		b.WriteString(neg(int64(iv.Days)) + "D")
	}
	us := iv.Micros
	if us != 0 {
		b.WriteString("T")
		sign := ""
		if us < 0 {
			sign, us = "-", -us
		}
		h, m := us/3_600_000_000, us/60_000_000%60
		s, frac := us/1_000_000%60, us%1_000_000
		if h != 0 {
			b.WriteString(sign + strconv.FormatInt(h, 10) + "H")
		}
		if m != 0 {
			b.WriteString(sign + strconv.FormatInt(m, 10) + "M")
		}
		if s != 0 || frac != 0 {
			sec := strconv.FormatInt(s, 10)
			if frac != 0 {
				sec += strings.TrimRight(fmt.Sprintf(".%06d", frac), "0")
			}
			b.WriteString(sign + sec + "S")
		}
	}
	if b.Len() == 1 {
		return "PT0S"
	}
	return b.String()
}

// uuidText writes 16 bytes as 8-4-4-4-12 hex.
func uuidText(b []byte) string {
	h := fmt.Sprintf("%x", b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// blobText is a BLOB as DuckDB writes it: printable ASCII as it is, every
// other byte as \xNN.
func blobText(b []byte) string {
	var s strings.Builder
	for _, c := range b {
		if c >= 0x20 && c < 0x7f {
			s.WriteByte(c)
		} else {
			fmt.Fprintf(&s, `\x%02X`, c)
		}
	}
	return s.String()
}

func timeText(t time.Time, ty string) string {
	t = t.UTC()
	switch baseType(ty) {
	case "DATE":
		return t.Format("2006-01-02")
	case "TIME":
		return t.Format("15:04:05.999999")
	}
	return t.Format(time.RFC3339Nano)
}

// baseType is a column type without its parameters: DECIMAL(10,2) → DECIMAL.
func baseType(ty string) string {
	ty = strings.ToUpper(ty)
	if i := strings.IndexAny(ty, "(["); i >= 0 && !strings.HasPrefix(ty, "STRUCT") && !strings.HasPrefix(ty, "MAP") {
		if ty[i] == '[' {
			return "LIST"
		}
		return ty[:i]
	}
	if i := strings.IndexByte(ty, '('); i >= 0 {
		return ty[:i]
	}
	return ty
}

// scalarText is a non-null value as text for a table or CSV cell; null
// (and NaN, ±Inf) is "" with ok false.
func scalarText(v any, ty string) (s string, ok bool) {
	switch x := v.(type) {
	case nil:
		return "", false
	case float64:
		s := jsonFloat(x, 64)
		return s, s != ""
	case float32:
		s := jsonFloat(float64(x), 32)
		return s, s != ""
	case time.Time:
		return timeText(x, ty), true
	case duckdb.Interval:
		return isoDuration(x), true
	case []byte:
		if baseType(ty) == "UUID" && len(x) == 16 {
			return uuidText(x), true
		}
		return blobText(x), true
	case []any, map[string]any, duckdb.Map:
		var b bytes.Buffer
		appendJSON(&b, v, "")
		return b.String(), true
	case duckdb.Decimal:
		return models.FormatDecimal(x), true
	}
	return models.FormatValue(v), true
}

// appendJSON writes v as RFC 8259 JSON; ty is the column's type for a
// top-level value ("" inside lists, structs and maps).
func appendJSON(b *bytes.Buffer, v any, ty string) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		fmt.Fprint(b, x)
	case *big.Int:
		b.WriteString(x.String())
	case duckdb.Decimal:
		b.WriteString(models.FormatDecimal(x))
	case float64, float32:
		s, ok := scalarText(x, ty)
		if !ok {
			b.WriteString("null")
			return
		}
		b.WriteString(s)
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			appendJSON(b, e, "")
		}
		b.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			appendJSONString(b, k)
			b.WriteByte(':')
			appendJSON(b, x[k], "")
		}
		b.WriteByte('}')
	case duckdb.Map:
		type kv struct {
			k string
			v any
		}
		kvs := make([]kv, 0, len(x))
		for k, v := range x {
			ks, _ := scalarText(k, "")
			kvs = append(kvs, kv{ks, v})
		}
		sort.Slice(kvs, func(i, j int) bool { return kvs[i].k < kvs[j].k })
		b.WriteByte('{')
		for i, e := range kvs {
			if i > 0 {
				b.WriteByte(',')
			}
			appendJSONString(b, e.k)
			b.WriteByte(':')
			appendJSON(b, e.v, "")
		}
		b.WriteByte('}')
	default:
		s, _ := scalarText(v, ty)
		appendJSONString(b, s)
	}
}

func appendJSONString(b *bytes.Buffer, s string) {
	j, _ := json.Marshal(s) // invalid UTF-8 becomes U+FFFD: always valid JSON
	b.Write(j)
}
