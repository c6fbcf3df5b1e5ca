package email_test

import (
	"github.com/postlive/postlive/internal/samplewarehouse"
	"github.com/postlive/postlive/reports/email"
)

// The e-mail's own tests (package email) cannot import workspace, which
// imports reports/email; this external test package can, and hands them
// the builder of the sample warehouse.
func init() { *email.SampleWarehouseBuilder = samplewarehouse.Build }
