// Package plan plans a stream experiment before its streams run: it assigns
// the variants to the upcoming streams at random within blocks (host ×
// weekday by default), keeping the allocation, re-randomising for balance
// (the best of N seeded candidates on a stated criterion, Balance), and
// estimates the streams per arm the test needs from the hosts' earlier
// streams, with the analysis experiment_results runs (experiments.Analyse
// and experiments.PlanLog on A/A splits of the history).
//
// It is pure Go: it takes the streams and the hosts' history as values and
// returns a Schedule and a Need. Storing the plan as a pre-registration is
// package workspace's (workspace.PlanRecord); the CLI wires them.
package plan
