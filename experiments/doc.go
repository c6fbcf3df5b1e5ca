// Package experiments holds the statistics of stream-level A/B tests: Welch t,
// two-proportion z, delta-method ratio metrics with Fieller intervals,
// permutation tests over stream assignments, sample-ratio checks, power,
// multiple-testing adjustment and always-valid confidence sequences.
//
// It is pure Go: it takes typed sufficient statistics and returns typed results.
// It knows nothing of DuckDB, SQL or HTML; models registers its functions in
// DuckDB so that SQL can call them.
package experiments
