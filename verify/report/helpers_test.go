package report

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// The values of an example verification run of a KMS enclave release.
const (
	seedSHA256 = "7f8a9b0c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e"
	seedSRI    = "sha256-f4OxZX/x/FO5LcGBSKHWXfwtSxCeq6d2kqbUqZ5K6fU="
	emptySHA   = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	commit40   = "abc123def4567890abc123def4567890abc123de"

	sriApp   = "sha384-oqVuAfXRKap7fdgcCY5uykM6+R9GqQ8K/uxy9rx7HNQlGYl1kPzQho1wx4JwY8wC"
	sriStyle = "sha384-H8BRh8j48O9oYatfu5AZzq6A9RINhZO5H16dQZngK7T62em8MUt1FLm52t+eX6xO"
	sriOther = "sha384-ZvpUoO/+PpLXR1lu4jmpXWu80pZlYUAfxl5NsBMWOEPSjUn/6Z/hRTt8+pR6L4N2"
)

// seedReport is the report of that example run (testdata/pass.*).
func seedReport() *Report {
	idx := int64(12345678)
	r := New("KMS Verification Report")
	r.Details = Details{
		Timestamp:         "2025-10-23T14:23:42Z",
		VerifierCommit:    "abc123d",
		VerifierCommitURL: "https://github.com/Lukium/ats-kms-enclave/tree/abc123d",
		ReleaseTag:        "v1.0.1",
		WorkflowRun:       "1234",
		WorkflowRunURL:    "https://github.com/Lukium/ats-kms-enclave/actions/runs/1234567890",
	}
	r.Add(Check{Group: GroupHashComparison, Name: "SHA-256", Expected: seedSHA256, Actual: seedSHA256, Verdict: VerdictPass})
	r.Add(Check{Group: GroupHashComparison, Name: "SRI", Expected: seedSRI, Actual: seedSRI, Verdict: VerdictPass})
	r.Add(Check{Group: GroupHashComparison, Name: "Size", Expected: "123456 bytes", Actual: "123456 bytes", Verdict: VerdictPass})
	r.Artifacts = []Artifact{
		{Role: "local build", Name: "kms-v1.0.1-7f8a9b0c.mjs"},
		{Role: "live url", URI: "https://kms.ats.run/kms.mjs"},
	}
	r.Sigstore = &Sigstore{
		Signature:         VerdictPass,
		RekorLogIndex:     &idx,
		RekorURL:          "https://rekor.sigstore.dev/api/v1/log/entries/12345678",
		CertificateIssuer: "https://token.actions.githubusercontent.com",
		Identity:          "https://github.com/Lukium/ats-kms-enclave/.github/workflows/release.yml@refs/tags/v1.0.1",
	}
	r.Finish()
	return r
}

// failReport has one mismatching row (testdata/fail.*).
func failReport() *Report {
	r := New("KMS Verification Report")
	r.Details = Details{
		Timestamp:         "2025-10-24T09:05:00Z",
		VerifierVersion:   "v0.3.0",
		VerifierCommit:    commit40,
		VerifierCommitURL: "https://github.com/Lukium/ats-kms-enclave/tree/" + commit40,
		ReleaseTag:        "v1.0.1",
	}
	r.Add(Check{Group: GroupHashComparison, Name: "SHA-256", Expected: seedSHA256, Actual: emptySHA, Verdict: VerdictFail,
		Detail: "live artifact differs from the reproducible build"})
	r.Add(Check{Group: GroupHashComparison, Name: "Size", Expected: "123456 bytes", Actual: "123456 bytes", Verdict: VerdictPass})
	r.Finish()
	return r
}

// errorReport has a check that could not be made (testdata/error.*).
func errorReport() *Report {
	r := New("KMS Verification Report")
	r.Details = Details{
		Timestamp: "2025-10-24T09:05:00Z",
		Extra:     map[string]string{"runner": "ubuntu-24.04", "node": "v22.11.0"},
	}
	r.Add(Check{Group: GroupHashComparison, Name: "SHA-256", Expected: seedSHA256, Verdict: VerdictError,
		Detail: "fetch https://kms.ats.run/kms.mjs: timeout after 30s"})
	r.Artifacts = []Artifact{{Role: "live url", URI: "https://kms.ats.run/kms.mjs"}}
	r.Finish()
	return r
}

// pageReport checks a page's subresources (testdata/page.*).
func pageReport() *Report {
	r := New("Page Verification Report")
	r.Subject = &Subject{
		Name:    "index.html",
		URI:     "https://ats.run/",
		Digests: map[string]string{"sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
		Size:    2048,
	}
	r.Add(Check{Group: GroupSubresource, Name: "https://ats.run/app.js", Expected: sriApp, Actual: sriApp, Verdict: VerdictPass})
	r.Add(Check{Group: "headers", Name: "Content-Security-Policy", Expected: "present", Actual: "present", Verdict: VerdictPass})
	r.Add(Check{Group: GroupSubresource, Name: "https://cdn.example/lib.js", Actual: sriStyle, Verdict: VerdictInfo,
		Detail: "no integrity attribute"})
	r.Add(Check{Group: GroupSubresource, Name: "https://ats.run/style.css", Expected: sriStyle, Actual: sriOther, Verdict: VerdictFail,
		Detail: "integrity mismatch"})
	r.Finish()
	return r
}

// fixtures are the reports with golden renderings in testdata/<name>.md
// and testdata/<name>.txt.
var fixtures = []struct {
	name   string
	report func() *Report
}{
	{"pass", seedReport},
	{"fail", failReport},
	{"error", errorReport},
	{"page", pageReport},
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// diff fails the test if got is not want, showing the first differing line.
func diff(t *testing.T, got, want []byte) {
	t.Helper()
	if bytes.Equal(got, want) {
		return
	}
	g, w := bytes.Split(got, []byte("\n")), bytes.Split(want, []byte("\n"))
	for i := 0; i < max(len(g), len(w)); i++ {
		var gl, wl []byte
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if !bytes.Equal(gl, wl) {
			t.Fatalf("line %d:\n got: %q\nwant: %q\n\nwhole output:\n%s", i+1, gl, wl, got)
		}
	}
	t.Fatalf("outputs differ:\n%s", got)
}
