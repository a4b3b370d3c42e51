package intoto

import (
	"encoding/json"
	"fmt"

	"github.com/ats-run/selfattest/attest"
	intotov1 "github.com/in-toto/attestation/go/v1"
)

// VerificationReportV1 is the predicate type of a [VerificationReport].
const VerificationReportV1 = "https://github.com/ats-run/selfattest/predicate/verification-report/v1"

// ReportSchemaV1 is the schema URI a verification report names, the same
// string as verify/report.SchemaV1, copied rather than imported: that
// package imports the verifier, which a statement writer must not compile
// (a test holds the two equal).
const ReportSchemaV1 = "https://github.com/ats-run/selfattest/report/v1"

// VerificationReport is the verification-report predicate: a report of
// package verify/report, as its JSON, so a verifier can sign what it saw.
type VerificationReport struct {
	// Report is the report's JSON object, as verify/report writes it.
	Report json.RawMessage
}

// PredicateType returns [VerificationReportV1].
func (VerificationReport) PredicateType() string { return VerificationReportV1 }

// PredicateJSON returns the report after checking what a statement needs:
// one JSON object of at most [MaxStatementSize] bytes whose "schema" is
// [ReportSchemaV1]. The report's own rules are verify/report's to check.
// Errors wrap [attest.ErrBadInput].
func (v VerificationReport) PredicateJSON() ([]byte, error) {
	if err := checkReport(v.Report); err != nil {
		return nil, err
	}
	return v.Report, nil
}

func checkReport(b []byte) error {
	st, err := structFromJSON(b)
	if err != nil {
		return fmt.Errorf("%w: verification report: %w", attest.ErrBadInput, err)
	}
	schema, ok := st.GetFields()["schema"]
	if !ok {
		return fmt.Errorf("%w: verification report: no schema", attest.ErrBadInput)
	}
	if got := schema.GetStringValue(); got != ReportSchemaV1 {
		return fmt.Errorf("%w: verification report: schema %q, want %q", attest.ErrBadInput, got, ReportSchemaV1)
	}
	return nil
}

// ParseVerificationReport returns the report a verification-report
// statement carries, as JSON for verify/report.Parse. It refuses a
// statement of another predicate type or a report without the report
// schema. Errors wrap [attest.ErrBadInput].
func ParseVerificationReport(st *intotov1.Statement) (VerificationReport, error) {
	if st.GetPredicateType() != VerificationReportV1 {
		return VerificationReport{}, fmt.Errorf("%w: predicate type %q, want %q", attest.ErrBadInput, st.GetPredicateType(), VerificationReportV1)
	}
	b, err := PredicateJSON(st)
	if err != nil {
		return VerificationReport{}, err
	}
	if err := checkReport(b); err != nil {
		return VerificationReport{}, err
	}
	return VerificationReport{Report: b}, nil
}
