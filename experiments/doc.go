// Package experiments holds the statistics of stream-level A/B tests: Welch t,
// two-proportion z, delta-method ratio metrics with Fieller intervals,
// permutation tests over stream assignments, sample-ratio checks, power,
// multiple-testing adjustment and always-valid confidence sequences.
//
// It is pure Go: it takes typed sufficient statistics (RatioStat, MeanStat,
// ProportionStat; per-stream values only for Permutation) and returns typed
// results. Degenerate data gives a result whose Reason says why (one stream in
// an arm, zero variance, zero denominator, …) with every float field zero:
// no function returns NaN or Inf in a result, and none panics. Distributions
// come from gonum.org/v1/gonum/stat/distuv.
//
// Conventions follow the reference vectors in testdata: A is the control, B
// the variant, differences are B − A, relative lifts B/A − 1, tests are
// two-sided and sample variances use n − 1.
//
// It knows nothing of DuckDB, SQL or HTML; models registers its functions in
// DuckDB so that SQL can call them.
package experiments
