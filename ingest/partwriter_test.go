package ingest

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow/go/v17/parquet/pqarrow"
)

// TestPartWriterBytesAsPqarrow: partWriter drives Parquet's column writers
// itself (its own definition levels, dictionary statistics from the
// dictionary); the files it writes must be the bytes pqarrow.FileWriter
// writes from the same arrays. Random batches of every kind of column, with
// NULLs, text that repeats (dictionaries), text that hardly repeats (plain),
// all-NULL columns, short and full batches, in tables with and without
// lineage columns.
func TestPartWriterBytesAsPqarrow(t *testing.T) {
	dir := t.TempDir()
	all := newBareTable("all_kinds", []string{"id"}, "",
		unique(req("id", String)), opt("code", String), opt("n", Int), opt("f", Float), opt("at", Time),
		opt("day", Date), opt("amount", Money), opt("flag", Bool), opt("note", String))
	for _, tbl := range []*Table{Clicks, Orders, Spend, all} {
		for seed := uint64(1); seed <= 3; seed++ {
			t.Run(fmt.Sprintf("%s/seed=%d", tbl.Name, seed), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(seed, 7))
				lay := layoutOf(tbl)
				var batches []*batch
				for _, n := range []int{batchRows, 1 + rng.IntN(3000), batchRows, 17} {
					batches = append(batches, randomBatch(rng, lay, n))
				}
				k := &consts{sha: fmt.Sprintf("%064x", seed), seq: int64(seed)}
				got := filepath.Join(dir, fmt.Sprintf("%s-%d-got.parquet", tbl.Name, seed))
				w, err := newPartWriter(tbl, got)
				if err != nil {
					t.Fatal(err)
				}
				for _, b := range batches {
					if err := w.write(b, k); err != nil {
						t.Fatal(err)
					}
				}
				if err := w.close(); err != nil {
					t.Fatal(err)
				}
				want := writeThroughPqarrow(t, tbl, batches, k)
				gotBytes, err := os.ReadFile(got)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(gotBytes, want) {
					t.Fatalf("%s: %d bytes differ from pqarrow's %d bytes", tbl.Name, len(gotBytes), len(want))
				}
			})
		}
	}
}

// writeThroughPqarrow writes the batches as partWriter did before it drove
// the column writers itself: pqarrow.FileWriter, one WriteColumnData a column.
func writeThroughPqarrow(t *testing.T, tbl *Table, batches []*batch, k *consts) []byte {
	t.Helper()
	var buf bytes.Buffer
	lay := layoutOf(tbl)
	fw, err := pqarrow.NewFileWriter(lay.schema, &buf, writerProps(tbl), pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		t.Fatal(err)
	}
	dicts := make([]map[string]int32, len(tbl.Columns))
	for _, b := range batches {
		fw.NewRowGroup()
		for i := range b.cols {
			arr := b.arrowColumn(i, k, dicts)
			if err := fw.WriteColumnData(arr); err != nil {
				t.Fatal(err)
			}
			arr.Release()
		}
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// randomBatch fills a batch of n rows of random values: per column a NULL
// rate (sometimes every row), text from a small set (repeats) or unique.
func randomBatch(rng *rand.Rand, lay *layout, n int) *batch {
	b := newBatch(lay)
	cols := lay.table.Columns
	nullRate := make([]float64, len(cols))
	distinct := make([]int, len(cols))
	for i := range cols {
		switch rng.IntN(5) {
		case 0:
			nullRate[i] = 1
		case 1, 2:
			nullRate[i] = 0
		default:
			nullRate[i] = rng.Float64() / 2
		}
		if cols[i].Required {
			nullRate[i] = 0
		}
		distinct[i] = []int{1, 3, 40, 1 << 30}[rng.IntN(4)]
	}
	vals := make([]Value, len(cols))
	for r := 0; r < n; r++ {
		for i, c := range cols {
			if rng.Float64() < nullRate[i] {
				vals[i] = Value{}
				continue
			}
			v := Value{Valid: true}
			switch c.Kind {
			case String:
				v.S = fmt.Sprintf("v%d-%s", rng.IntN(distinct[i]), []string{"", "é", "a\x00b", "long text that goes on"}[rng.IntN(4)])
			case Int, Time, Float, Money:
				v.I = rng.Int64N(1<<40) - 1<<39
			case Date:
				v.I = rng.Int64N(40000)
			case Bool:
				v.B = rng.IntN(2) == 0
			}
			vals[i] = v
		}
		b.add(vals)
	}
	return b
}
