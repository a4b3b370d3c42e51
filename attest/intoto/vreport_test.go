package intoto_test

import (
	"testing"

	"github.com/ats-run/selfattest/attest/intoto"
	"github.com/ats-run/selfattest/verify/report"
)

// TestReportSchemaV1 holds the copy of the report schema URI to the
// original in verify/report.
func TestReportSchemaV1(t *testing.T) {
	if intoto.ReportSchemaV1 != report.SchemaV1 {
		t.Fatalf("intoto.ReportSchemaV1 = %q, verify/report.SchemaV1 = %q", intoto.ReportSchemaV1, report.SchemaV1)
	}
}
