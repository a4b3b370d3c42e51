package report

import (
	"fmt"
	"strconv"
	"strings"
)

// SchemaV1 is the schema URI of the report format this package writes and
// reads. See the package documentation for the format.
const SchemaV1 = "https://github.com/ats-run/selfattest/report/v1"

// MaxSize is the largest report, in bytes, that [Parse] reads.
const MaxSize = 16 << 20

// Status is the outcome of a whole report.
type Status string

// The three statuses.
const (
	// StatusPass means verified: something was compared and everything
	// compared agreed.
	StatusPass Status = "pass"
	// StatusFail means rejected: a value disagreed or a check failed.
	StatusFail Status = "fail"
	// StatusError means the verification could not be completed (network,
	// time-out, bad input) or compared nothing. Nothing is known.
	StatusError Status = "error"
)

func (s Status) valid() bool {
	return s == StatusPass || s == StatusFail || s == StatusError
}

// Verdict is the outcome of one [Check], and of the Sigstore signature.
type Verdict string

// The four verdicts.
const (
	// VerdictPass: compared, and the values agree.
	VerdictPass Verdict = "pass"
	// VerdictFail: compared, and they disagree.
	VerdictFail Verdict = "fail"
	// VerdictError: could not be compared.
	VerdictError Verdict = "error"
	// VerdictInfo: reported, not checked, such as a subresource without an
	// integrity attribute under a non-strict policy. It neither passes nor
	// fails a report.
	VerdictInfo Verdict = "info"
)

func (v Verdict) valid() bool {
	return v == VerdictPass || v == VerdictFail || v == VerdictError || v == VerdictInfo
}

// The check groups this package knows by name. [Check.Group] may hold any
// other string too.
const (
	// GroupHashComparison holds the comparison of a local build with the
	// live artifact: SHA-256, SRI, Size… It is rendered as the
	// "Hash Comparison" table.
	GroupHashComparison = "hash-comparison"
	// GroupSubresource holds one check per subresource of a page: its
	// integrity attribute against the digest of what was served.
	GroupSubresource = "subresource"
	// GroupSigstore holds checks made while verifying a Sigstore bundle.
	GroupSigstore = "sigstore"
	// GroupLocalBuild holds one check per subresource of a page compared
	// with the local build folder: the local file's SHA-256 against the
	// served bytes'.
	GroupLocalBuild = "local-build"
	// GroupLogConfirmation holds one check per transparency-log entry of
	// a Sigstore bundle confirmed online (made by
	// [github.com/ats-run/selfattest/verify/sigstore/confirm.AddToReport]):
	// the log's latest checkpoint, consistent with the bundle's and
	// including the entry.
	GroupLogConfirmation = "log-confirmation"
)

// Report is a verification report. Build one with [New], [Report.Add] and
// [Report.Finish]; read one with [Parse]. The JSON field names are the
// schema; see the package documentation.
type Report struct {
	// Schema is SchemaV1.
	Schema string `json:"schema"`
	// Title names the verification, e.g. "KMS Verification Report".
	Title string `json:"title"`
	// Status is the overall outcome, derived by Finish.
	Status Status `json:"status"`
	// Reason is one line saying why Status is fail or error.
	Reason string `json:"reason,omitempty"`
	// Subject is the artifact the report is about, if there is one.
	Subject *Subject `json:"subject,omitempty"`
	// Details say where and by what the verification ran.
	Details Details `json:"details"`
	// Checks are the comparisons, in the order they were made.
	Checks []Check `json:"checks"`
	// Artifacts are the files and URLs involved.
	Artifacts []Artifact `json:"artifacts,omitempty"`
	// Sigstore is the outcome of verifying a Sigstore bundle, if one was.
	Sigstore *Sigstore `json:"sigstore,omitempty"`
}

// Subject is the artifact a report is about, in the shape of an in-toto
// subject.
type Subject struct {
	// Name is the artifact's file name.
	Name string `json:"name"`
	// URI is where it was fetched from.
	URI string `json:"uri,omitempty"`
	// Digests maps an algorithm name ("sha256") to a lowercase hex digest.
	Digests map[string]string `json:"digests"`
	// Size is its length in bytes.
	Size int64 `json:"size"`
}

// Details say where and by what a verification ran. Every field is
// optional.
type Details struct {
	// Timestamp is when the verification ran, RFC 3339 in UTC. The caller
	// supplies it: this package never reads the clock.
	Timestamp string `json:"timestamp,omitempty"`
	// VerifierVersion is the verifier's version.
	VerifierVersion string `json:"verifier_version,omitempty"`
	// VerifierCommit is the commit of the verifier's source.
	VerifierCommit string `json:"verifier_commit,omitempty"`
	// VerifierCommitURL links to VerifierCommit.
	VerifierCommitURL string `json:"verifier_commit_url,omitempty"`
	// ReleaseTag is the release being verified.
	ReleaseTag string `json:"release_tag,omitempty"`
	// WorkflowRun identifies the CI run, e.g. "1234".
	WorkflowRun string `json:"workflow_run,omitempty"`
	// WorkflowRunURL links to WorkflowRun.
	WorkflowRunURL string `json:"workflow_run_url,omitempty"`
	// Extra holds further facts; they are rendered sorted by key.
	Extra map[string]string `json:"extra,omitempty"`
}

// Check is one comparison.
type Check struct {
	// Group says which table the check belongs to: GroupHashComparison,
	// GroupSubresource, GroupSigstore or any other string.
	Group string `json:"group"`
	// Name says what was compared: "SHA-256", "SRI", "Size", a URL.
	Name string `json:"name"`
	// Expected is the local or expected value.
	Expected string `json:"expected"`
	// Actual is the live or actual value.
	Actual string `json:"actual"`
	// Verdict is the outcome.
	Verdict Verdict `json:"verdict"`
	// Detail is one optional line of explanation.
	Detail string `json:"detail,omitempty"`
}

// Artifact is a file or URL involved in a verification.
type Artifact struct {
	// Role is its part: "local build", "live url", "bundle"…
	Role string `json:"role"`
	// Name is its file name; it may be empty when URI says it all.
	Name string `json:"name"`
	// URI is where it is or was fetched from.
	URI string `json:"uri,omitempty"`
}

// Sigstore is the outcome of verifying a Sigstore bundle.
type Sigstore struct {
	// Signature is the verdict on the bundle's signature. It counts towards
	// the report's status like a check.
	Signature Verdict `json:"signature"`
	// RekorLogIndex is the index of the transparency-log entry.
	RekorLogIndex *int64 `json:"rekor_log_index,omitempty"`
	// RekorURL links to that entry.
	RekorURL string `json:"rekor_url,omitempty"`
	// CertificateIssuer is the OIDC issuer of the signing certificate.
	CertificateIssuer string `json:"certificate_issuer,omitempty"`
	// Identity is the certificate's subject alternative name.
	Identity string `json:"identity,omitempty"`
	// Detail is one optional line of explanation.
	Detail string `json:"detail,omitempty"`
}

// New returns an empty report with the given title: Schema is SchemaV1 and
// Checks is empty, not nil. Its Status is unset until [Report.Finish].
func New(title string) *Report {
	return &Report{Schema: SchemaV1, Title: title, Checks: []Check{}}
}

// Add appends c to the report's checks. It does not change the status; call
// [Report.Finish] when every check is in.
func (r *Report) Add(c Check) {
	r.Checks = append(r.Checks, c)
}

// Finish sets the report's status from its checks and, if Sigstore is set,
// the signature verdict: any fail gives [StatusFail]; otherwise any error
// gives [StatusError]; otherwise, if nothing was compared (no checks, or
// only [VerdictInfo] ones), [StatusError] with the reason "nothing was
// checked"; otherwise [StatusPass].
//
// A status of fail or error set by the caller is kept, so a caller can
// record a verification that stopped early; any other value, pass
// included, is replaced. An empty reason is filled in for fail and error,
// and the reason of a pass is cleared. A verdict this package does not know
// counts as an error. Finish may be called again after more checks are
// added.
func (r *Report) Finish() {
	if r.Checks == nil {
		r.Checks = []Check{}
	}
	o := r.outcome()
	switch r.Status {
	case StatusFail, StatusError:
		// Kept: the caller knows something the checks do not say.
	default:
		r.Status = o.status
	}
	if r.Status == StatusPass {
		r.Reason = ""
		return
	}
	if r.Reason != "" {
		return
	}
	switch {
	case r.Status == o.status:
		r.Reason = o.reason
	case r.Status == StatusFail:
		r.Reason = "verification failed"
	default:
		r.Reason = "verification could not be completed"
	}
}

// outcome is what the verdicts of a report add up to.
type outcome struct {
	status Status
	reason string // empty for a pass
}

func (r *Report) outcome() outcome {
	var failed, errored []string
	compared := 0
	count := func(name string, v Verdict) {
		switch v {
		case VerdictPass:
			compared++
		case VerdictFail:
			compared++
			failed = append(failed, name)
		case VerdictInfo:
		default: // VerdictError, and anything unknown
			compared++
			errored = append(errored, name)
		}
	}
	for _, c := range r.Checks {
		name := c.Name
		if name == "" {
			name = c.Group
		}
		count(name, c.Verdict)
	}
	if r.Sigstore != nil {
		count("Sigstore signature", r.Sigstore.Signature)
	}
	switch {
	case len(failed) > 0:
		return outcome{StatusFail, listChecks(failed, "failed")}
	case len(errored) > 0:
		return outcome{StatusError, listChecks(errored, "could not be completed")}
	case compared == 0:
		return outcome{StatusError, "nothing was checked"}
	}
	return outcome{StatusPass, ""}
}

// listChecks says "check failed: SHA-256" or "4 checks failed: SHA-256,
// SRI, Size and 1 more".
func listChecks(names []string, what string) string {
	const shown = 3
	var b strings.Builder
	if len(names) == 1 {
		b.WriteString("check ")
	} else {
		b.WriteString(strconv.Itoa(len(names)) + " checks ")
	}
	b.WriteString(what + ": ")
	n := min(len(names), shown)
	b.WriteString(strings.Join(names[:n], ", "))
	if len(names) > shown {
		fmt.Fprintf(&b, " and %d more", len(names)-shown)
	}
	return b.String()
}

// validate reports whether r is a well-formed, consistent v1 report. Parse
// and every writer call it.
func (r *Report) validate() error {
	if r == nil {
		return fmt.Errorf("%w: nil report", ErrInvalid)
	}
	if r.Schema != SchemaV1 {
		return &SchemaError{Schema: r.Schema}
	}
	if !r.Status.valid() {
		return fmt.Errorf("%w: unknown status %s (call Finish before writing a report)", ErrInvalid, quote(string(r.Status)))
	}
	for i, c := range r.Checks {
		if !c.Verdict.valid() {
			return fmt.Errorf("%w: check %d (%s): unknown verdict %s", ErrInvalid, i, quote(c.Name), quote(string(c.Verdict)))
		}
	}
	if s := r.Subject; s != nil && s.Size < 0 {
		return fmt.Errorf("%w: subject size %d is negative", ErrInvalid, s.Size)
	}
	if s := r.Sigstore; s != nil {
		if !s.Signature.valid() {
			return fmt.Errorf("%w: unknown sigstore signature verdict %s", ErrInvalid, quote(string(s.Signature)))
		}
		if s.RekorLogIndex != nil && *s.RekorLogIndex < 0 {
			return fmt.Errorf("%w: rekor log index %d is negative", ErrInvalid, *s.RekorLogIndex)
		}
	}
	if r.Status == StatusPass {
		if o := r.outcome(); o.status != StatusPass {
			return &StatusMismatchError{Status: r.Status, Derived: o.status, Reason: o.reason}
		}
	}
	return nil
}

// quote quotes s for an error message, cut to a readable length.
func quote(s string) string {
	const limit = 80
	if len(s) > limit {
		return strconv.QuoteToASCII(s[:limit]) + "…"
	}
	return strconv.QuoteToASCII(s)
}
