package models

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// RandomisationC is section_c of ../experiments/testdata/randomisation_vectors.json.
type RandomisationC struct {
	P, SE                                         float64
	CI                                            [2]float64
	FiellerLow, FiellerHigh                       float64
	Power, StreamsNeeded, StreamsLow, StreamsHigh float64
}

// LoadRandomisationC reads it (exported for the models_test package).
func LoadRandomisationC(t *testing.T) RandomisationC {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "experiments", "testdata", "randomisation_vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Analyses []struct {
			Name  string
			P, SE float64
			CI    [2]float64
		}
		Plans []struct {
			PowerNow      float64 `json:"power_now"`
			StreamsNeeded float64 `json:"streams_needed"`
			StreamsLow    float64 `json:"streams_low"`
			StreamsHigh   float64 `json:"streams_high"`
		}
		Fieller struct{ Low, High float64 } `json:"fieller_t_section_c"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if v.Analyses[0].Name != "section_c" {
		t.Fatalf("first analysis is %s; want section_c", v.Analyses[0].Name)
	}
	a, p := v.Analyses[0], v.Plans[0]
	return RandomisationC{P: a.P, SE: a.SE, CI: a.CI, FiellerLow: v.Fieller.Low, FiellerHigh: v.Fieller.High,
		Power: p.PowerNow, StreamsNeeded: p.StreamsNeeded, StreamsLow: p.StreamsLow, StreamsHigh: p.StreamsHigh}
}
