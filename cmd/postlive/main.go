// Command postlive turns the exports of affiliate live-shopping streams into
// a Parquet lake, DuckDB marts and reports. See README.md.
package main

import "os"

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }
