// Package experiments holds the statistics of stream-level A/B tests.
//
// The decision rule is Analyse: randomisation inference on the studentised
// log ratio of the arms' ratios ΣM/ΣD, over every re-assignment of the
// streams to arms (exact enumeration while they are few, seeded Monte-Carlo
// beyond), within host when hosts streamed in both arms (host fixed effects
// for the estimate), with CUPED on the hosts' earlier streams otherwise; its
// interval is the test inverted under a multiplicative effect, so it never
// goes below −100 %. PlanLog plans power and streams for that test. Beside
// it: Welch t, two-proportion z, delta-method ratio metrics with Fieller
// intervals (normal and t critical values), the older unstudentised
// permutation test and asymptotic confidence sequence (no longer used by
// experiment_results), sample-ratio checks (exact binomial and multinomial),
// power and multiple-testing adjustment.
//
// It is pure Go: it takes typed inputs (Unit per stream; RatioStat, MeanStat,
// ProportionStat sufficient statistics) and returns typed results. Degenerate
// data gives a result whose Reason says why (one stream in an arm, zero
// variance, zero denominator, …) with every float field zero: no function
// returns NaN or Inf in a result, and none panics. Distributions come from
// gonum.org/v1/gonum/stat/distuv.
//
// Conventions follow the reference vectors in testdata: A is the control, B
// the variant, differences are B − A, relative lifts B/A − 1, tests are
// two-sided and sample variances use n − 1.
//
// It knows nothing of DuckDB, SQL or HTML; models registers experiment_compare
// in DuckDB so that SQL can call it once per comparison.
package experiments
