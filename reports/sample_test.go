package reports_test

import (
	"github.com/postlive/postlive/internal/samplewarehouse"
	"github.com/postlive/postlive/reports"
)

// The reports' own tests (package reports) cannot import workspace, which
// imports reports/email and so reports; this external test package can,
// and hands them the builder of the sample warehouse.
func init() { *reports.SampleWarehouseBuilder = samplewarehouse.Build }
