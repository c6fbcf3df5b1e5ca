// Package crashtest kills the postlive binary with SIGKILL at random moments
// of a nightly `postlive run` — during the import, the build and the report
// phase — and checks what the crash left and what the next run makes of it:
// no partial Parquet, DuckDB or HTML file is ever visible, temporary files
// are cleaned by the next run, the dead process's workspace lock is taken
// over, and the next run's marts, lake and reports equal those of a run that
// was never interrupted.
//
// It holds only tests: `go test ./cmd/postlive/crashtest` runs 50 trials,
// `-long` runs 500 (give it `-timeout 2h`), `-trials N` any number, `-seed S`
// another sequence of kill times.
package crashtest
