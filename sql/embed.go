// Package sqlfiles embeds postlive's SQL models: staging views over the lake,
// intermediate views (attribution, click classification, minute spine), the
// marts and the data tests. Import it as sqlfiles; models runs them.
package sqlfiles

import "embed"

// FS holds staging/, intermediate/, marts/ and tests/.
//
//go:embed staging intermediate marts tests
var FS embed.FS
