package report_test

import (
	"fmt"
	"os"

	"github.com/ats-run/selfattest/verify/report"
)

func ExampleReport_WriteMarkdown() {
	r := report.New("KMS Verification Report")
	r.Details = report.Details{
		Timestamp:         "2025-10-23T14:23:42Z",
		VerifierCommit:    "abc123def4567890abc123def4567890abc123de",
		VerifierCommitURL: "https://github.com/Lukium/ats-kms-enclave/tree/abc123def4567890abc123def4567890abc123de",
		ReleaseTag:        "v1.0.1",
	}
	const digest = "7f8a9b0c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e"
	r.Add(report.Check{Group: report.GroupHashComparison, Name: "SHA-256", Expected: digest, Actual: digest, Verdict: report.VerdictPass})
	r.Add(report.Check{Group: report.GroupHashComparison, Name: "Size", Expected: "123456 bytes", Actual: "123456 bytes", Verdict: report.VerdictPass})
	r.Finish()
	if err := r.WriteMarkdown(os.Stdout); err != nil {
		fmt.Println(err)
	}
	// Output:
	// # KMS Verification Report
	//
	// **Status:** ✅ PASS
	//
	// **Verification Details:**
	// - **Timestamp:** 2025-10-23 14:23:42 UTC
	// - **Verifier Commit:** [`abc123d`](https://github.com/Lukium/ats-kms-enclave/tree/abc123def4567890abc123def4567890abc123de)
	// - **Release Tag:** `v1.0.1`
	//
	// ## Hash Comparison
	//
	// | Hash Type | Local Build | Live Artifact | Match |
	// |-----------|-------------|---------------|-------|
	// | **SHA-256** | `7f8a9b0c3d4e5f6a...` | `7f8a9b0c3d4e5f6a...` | ✅ |
	// | **Size** | 123456 bytes | 123456 bytes | ✅ |
	//
	// ---
	//
	// **Verifier code:** [View at commit `abc123d`](https://github.com/Lukium/ats-kms-enclave/tree/abc123def4567890abc123def4567890abc123de)
}

func ExampleReport_WriteText() {
	r := report.New("KMS Verification Report")
	r.Add(report.Check{Group: report.GroupHashComparison, Name: "Size", Expected: "123456 bytes", Actual: "123455 bytes", Verdict: report.VerdictFail})
	r.Finish()
	if err := r.WriteText(os.Stdout, report.TextOptions{Color: false}); err != nil {
		fmt.Println(err)
	}
	// Output:
	// Hash Comparison:
	// ────────────────────────────────────────────────────────────────
	// Size:
	//   Local: 123456 bytes
	//   Live:  123455 bytes
	//   ❌ MISMATCH
	// ────────────────────────────────────────────────────────────────
	//
	// ❌ VERIFICATION FAILED
	// Reason: check failed: Size
}

func ExampleReport_Finish() {
	r := report.New("Nothing Report")
	r.Finish()
	fmt.Println(r.Status, "-", r.Reason)
	// Output: error - nothing was checked
}

func ExampleParse() {
	// A report edited to say pass over a failed check does not parse.
	_, err := report.Parse([]byte(`{
  "schema": "https://github.com/ats-run/selfattest/report/v1",
  "title": "KMS Verification Report",
  "status": "pass",
  "details": {},
  "checks": [
    {"group": "hash-comparison", "name": "SHA-256", "expected": "7f8a", "actual": "e3b0", "verdict": "fail"}
  ]
}`))
	fmt.Println(err)
	// Output: report: status "pass" contradicts the verdicts, which give "fail" (check failed: SHA-256)
}
