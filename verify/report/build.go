package report

import (
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/ats-run/selfattest/attest"
	"github.com/ats-run/selfattest/verify"
)

// FromCompare builds the report of [verify.Compare]: pass it what Compare
// returned. A mismatch ([verify.MismatchError]) gives a fail report with
// the whole table; any other error an error report whose reason is the
// error, and no checks. The report is finished ([Report.Finish]).
func FromCompare(title string, d Details, local, live string, c *verify.Comparison, err error) *Report {
	r := New(title)
	r.Details = d
	r.Artifacts = []Artifact{
		artifactFor("local build", local),
		artifactFor("live artifact", live),
	}
	var m *verify.MismatchError
	if errors.As(err, &m) {
		c = m.Comparison
	}
	if c == nil {
		r.Status = StatusError
		if err == nil {
			err = errors.New("no comparison")
		}
		r.Reason = err.Error()
		r.Finish()
		return r
	}
	r.Subject = subjectFor(c.Live.Input, c.Live.Digests)
	for _, row := range c.Rows {
		v := VerdictPass
		if !row.Match {
			v = VerdictFail
		}
		r.Add(Check{Group: GroupHashComparison, Name: row.Name, Expected: row.Local, Actual: row.Live, Verdict: v})
	}
	if err != nil && m == nil {
		r.Status, r.Reason = StatusError, err.Error()
	}
	r.Finish()
	return r
}

// FromPage builds the report of [verify.CheckPage]: pass it what CheckPage
// returned. Each subresource becomes a check in [GroupSubresource] (its
// integrity against what was served) and, when a local build was given,
// one in [GroupLocalBuild]. A subresource without integrity under a
// non-strict policy is [VerdictInfo]. An error other than
// [verify.PageError] gives an error report with no checks.
func FromPage(title string, d Details, page string, res *verify.PageResult, err error) *Report {
	r := New(title)
	r.Details = d
	r.Artifacts = []Artifact{artifactFor("live page", page)}
	var pe *verify.PageError
	if errors.As(err, &pe) {
		res = pe.Result
	}
	if res == nil {
		r.Status = StatusError
		if err == nil {
			err = errors.New("no result")
		}
		r.Reason = err.Error()
		r.Finish()
		return r
	}
	r.Subject = subjectFor(res.URL, res.Digests)
	if res.LocalDir != "" {
		r.Artifacts = append(r.Artifacts, Artifact{Role: "local build", Name: res.LocalDir})
	}
	for _, s := range res.Subresources {
		r.Add(subresourceCheck(s))
		if s.Local != nil {
			r.Add(localCheck(s))
		}
	}
	if len(res.Subresources) == 0 {
		r.Add(Check{Group: GroupSubresource, Name: res.URL, Expected: "", Actual: "no scripts or stylesheets", Verdict: VerdictInfo,
			Detail: "the page loads no subresource this verifier checks"})
	}
	if err != nil && pe == nil {
		r.Status, r.Reason = StatusError, err.Error()
	}
	r.Finish()
	return r
}

func subresourceCheck(s verify.Subresource) Check {
	name := s.URL
	if name == "" {
		name = s.Ref
	}
	if s.Kind.Inline() {
		// Inline code has no URL: name it by kind, element and the
		// attribute or script type, and show its CSP hash.
		name = string(s.Kind) + " <" + s.Element + ">"
		if s.Ref != "" {
			name += " " + s.Ref
		}
		if s.Document != "" {
			name += " in " + s.Document
		}
	}
	c := Check{Group: GroupSubresource, Name: name, Actual: s.Actual}
	switch {
	case s.Kind.Inline():
		c.Expected, c.Actual = "(inline code: no integrity applies)", s.Code
	case !s.Kind.Pinnable():
		c.Expected = "(" + string(s.Kind) + ": no integrity applies)"
	case len(s.Expected) > 0:
		c.Expected = strings.Join(s.Expected, " ")
	case !s.HasIntegrity:
		c.Expected = "(no integrity attribute)"
	default:
		c.Expected = "(no usable integrity: " + fmt.Sprintf("%q", s.Integrity) + ")"
	}
	switch s.Outcome {
	case verify.OutcomePass:
		c.Verdict = VerdictPass
	case verify.OutcomeWarn:
		c.Verdict = VerdictInfo
	case verify.OutcomeFail:
		c.Verdict = VerdictFail
	default:
		c.Verdict = VerdictError
	}
	var detail []string
	if s.Verdict != verify.VerdictMatch && s.Verdict != verify.VerdictMismatch {
		detail = append(detail, string(s.Verdict))
	}
	if s.Verdict == verify.VerdictLocalMismatch || s.Verdict == verify.VerdictLocalMissing {
		// The integrity itself matched; the local check is what failed.
		detail = append(detail, "integrity matches; see the local build check")
	}
	for _, ig := range s.Ignored {
		detail = append(detail, fmt.Sprintf("ignored token %q: %s", ig.Token, ig.Reason))
	}
	if s.Error != "" {
		detail = append(detail, s.Error)
	}
	c.Detail = strings.Join(detail, "; ")
	return c
}

func localCheck(s verify.Subresource) Check {
	l := s.Local
	c := Check{Group: GroupLocalBuild, Name: l.Path, Expected: "(missing)", Verdict: VerdictFail, Detail: l.Detail}
	if c.Name == "" {
		c.Name = s.URL
	}
	if l.Digests != nil {
		c.Expected = l.Digests.Hex(attest.SHA256)
	}
	if s.Digests != nil {
		c.Actual = s.Digests.Hex(attest.SHA256)
	}
	if l.Match {
		c.Verdict = VerdictPass
	}
	return c
}

func subjectFor(input string, d attest.Digests) *Subject {
	s := &Subject{
		Name: baseName(input),
		Size: d.Size,
		Digests: map[string]string{
			"sha256": d.Hex(attest.SHA256),
			"sha384": d.Hex(attest.SHA384),
			"sha512": d.Hex(attest.SHA512),
		},
	}
	if verify.IsURL(input) {
		s.URI = input
	}
	return s
}

func artifactFor(role, input string) Artifact {
	a := Artifact{Role: role, Name: baseName(input)}
	if verify.IsURL(input) {
		a.URI = input
	}
	return a
}

// baseName is the last path element of a path or a URL's path.
func baseName(input string) string {
	if verify.IsURL(input) {
		if i := strings.IndexAny(input, "?#"); i >= 0 {
			input = input[:i]
		}
		if i := strings.Index(input, "://"); i >= 0 && !strings.Contains(input[i+3:], "/") {
			return input[i+3:]
		}
	}
	return path.Base(strings.ReplaceAll(input, "\\", "/"))
}

// FromSigstore builds the report of [verify.SigstoreVerifier.Verify] for
// the artifact named artifact: the Sigstore section of the seed's job
// summary (signature, Rekor entry, certificate issuer, identity) and one
// check per verified fact in [GroupSigstore]. A rejection gives a fail
// report whose Sigstore signature is invalid; any other error an error
// report.
func FromSigstore(title string, d Details, artifact string, p verify.Policy, res *verify.SigstoreResult, err error) *Report {
	r := New(title)
	r.Details = d
	r.Artifacts = []Artifact{artifactFor("signed artifact", artifact)}
	switch {
	case err != nil && errors.Is(err, verify.ErrVerification):
		r.Sigstore = &Sigstore{Signature: VerdictFail, Detail: err.Error()}
		r.Add(Check{Group: GroupSigstore, Name: "Bundle", Expected: "verifies", Actual: "rejected", Verdict: VerdictFail, Detail: err.Error()})
	case err != nil || res == nil:
		if err == nil {
			err = errors.New("no result")
		}
		r.Status, r.Reason = StatusError, err.Error()
		r.Sigstore = &Sigstore{Signature: VerdictError, Detail: err.Error()}
	default:
		s := &Sigstore{Signature: VerdictPass}
		if c := res.Signer.Certificate; c != nil {
			s.CertificateIssuer, s.Identity = c.Extensions.Issuer, c.SubjectAlternativeName
			r.Add(Check{Group: GroupSigstore, Name: "Certificate identity", Expected: policyValue(p.SAN, p.SANRegexp), Actual: c.SubjectAlternativeName, Verdict: VerdictPass})
			r.Add(Check{Group: GroupSigstore, Name: "OIDC issuer", Expected: policyValue(p.Issuer, p.IssuerRegexp), Actual: c.Extensions.Issuer, Verdict: VerdictPass,
				Detail: "certificate issued by " + c.CertificateIssuer})
		} else {
			r.Add(Check{Group: GroupSigstore, Name: "Signing key", Expected: "the policy's key", Actual: "sha256:" + res.Signer.KeySHA256 + " (PKIX)", Verdict: VerdictPass})
		}
		for i, e := range res.LogEntries {
			if i == 0 {
				idx := e.Index
				s.RekorLogIndex = &idx
				if e.InclusionPromise && strings.HasPrefix(e.LogURL, "https://") {
					s.RekorURL = strings.TrimSuffix(e.LogURL, "/") + "/api/v1/log/entries?logIndex=" + strconv.FormatInt(e.Index, 10)
				}
			}
			actual := fmt.Sprintf("%s entry %d (%s %s)", e.LogURL, e.Index, e.Kind, e.Version)
			if e.LogURL == "" {
				actual = fmt.Sprintf("log %s entry %d (%s %s)", e.LogID, e.Index, e.Kind, e.Version)
			}
			r.Add(Check{Group: GroupSigstore, Name: "Transparency log", Expected: "included", Actual: actual, Verdict: VerdictPass})
		}
		for _, ts := range res.Timestamps {
			r.Add(Check{Group: GroupSigstore, Name: "Timestamp (" + ts.Kind + ")", Expected: "trusted time", Actual: ts.Time.Format(time.RFC3339), Verdict: VerdictPass, Detail: ts.URI})
		}
		if st := res.Statement; st != nil {
			r.Add(Check{Group: GroupSigstore, Name: "Statement", Expected: policyValue(p.PredicateType, ""), Actual: st.PredicateType, Verdict: VerdictPass,
				Detail: "a subject's digest matches the artifact"})
		}
		r.Sigstore = s
	}
	r.Finish()
	return r
}

// policyValue shows what a policy asked for: the exact value, or /re/.
func policyValue(exact, re string) string {
	switch {
	case exact != "":
		return exact
	case re != "":
		return "/" + re + "/"
	}
	return "(any)"
}

// AddConfirmation adds the outcome of [verify.SigstoreVerifier.Confirm] to
// r, a report made by [FromSigstore]: pass it what Confirm returned. Each
// log entry becomes one check in [GroupLogConfirmation]: expected, the
// bundle's checkpoint; actual, the log's latest checkpoint; the detail
// says how inclusion and consistency were proven or why they were not.
// A confirmed entry passes, a rejected one fails, one that could not be
// checked is an error. An entry that was not confirmed (no source for its
// log, a log the trusted root does not know) is [VerdictInfo] when
// another entry was confirmed and Confirm succeeded, and an error when
// nothing was: it is never a pass. An error without a
// [verify.ConfirmError] gives one check whose verdict follows the error.
// The report is finished again ([Report.Finish]).
func (r *Report) AddConfirmation(c *verify.Confirmation, err error) {
	var ce *verify.ConfirmError
	if errors.As(err, &ce) {
		c = ce.Result
	}
	if c == nil {
		if err == nil {
			err = errors.New("no confirmation")
		}
		v := VerdictError
		if errors.Is(err, verify.ErrVerification) {
			v = VerdictFail
		}
		r.Add(Check{Group: GroupLogConfirmation, Name: "Online confirmation", Expected: "confirmed", Actual: "not confirmed", Verdict: v, Detail: err.Error()})
		r.Finish()
		return
	}
	for _, e := range c.Entries {
		name := fmt.Sprintf("%s entry %d", e.LogURL, e.Index)
		if e.LogURL == "" {
			name = fmt.Sprintf("log %s entry %d", e.LogID, e.Index)
		}
		ch := Check{Group: GroupLogConfirmation, Name: name, Expected: checkpointText(e.Bundle), Actual: checkpointText(e.Latest), Detail: e.Reason}
		if e.Bundle == nil {
			ch.Expected = "(no checkpoint)"
			if e.Entry != nil {
				ch.Expected = "(an inclusion promise only; the log's entry at " + checkpointText(e.Entry) + ")"
			}
		}
		if e.Latest == nil {
			ch.Actual = "(no latest checkpoint)"
		}
		switch e.Status {
		case verify.ConfirmStatusConfirmed:
			ch.Verdict = VerdictPass
			ch.Detail = confirmDetail(e)
		case verify.ConfirmStatusRejected:
			ch.Verdict = VerdictFail
		case verify.ConfirmStatusCouldNotCheck:
			ch.Verdict = VerdictError
		default:
			ch.Verdict = VerdictInfo
			if err != nil {
				ch.Verdict = VerdictError
			}
		}
		r.Add(ch)
	}
	if err != nil && ce == nil {
		r.Status, r.Reason = StatusError, err.Error()
	}
	r.Finish()
}

// checkpointText shows a checkpoint as "origin @ size (root 1a2b3c4d…)".
func checkpointText(cp *verify.Checkpoint) string {
	if cp == nil {
		return ""
	}
	root := cp.RootHash
	if len(root) > 16 {
		root = root[:16] + "…"
	}
	return fmt.Sprintf("%s @ %d (root %s)", cp.Origin, cp.Size, root)
}

func confirmDetail(e verify.EntryConfirmation) string {
	consistency := fmt.Sprintf("consistent with the bundle's checkpoint (proof of %d hashes)", len(e.ConsistencyProof))
	if e.Bundle != nil && e.Latest != nil && e.Bundle.Size == e.Latest.Size {
		consistency = "the bundle's checkpoint is the latest"
	}
	switch e.Method {
	case verify.ConfirmMethodTiles:
		return fmt.Sprintf("latest checkpoint signed by the log; %s; entry included at size %d (proof from the log's tiles)", consistency, e.InclusionSize)
	case verify.ConfirmMethodRekorV1:
		return fmt.Sprintf("latest checkpoint signed by the log; %s; entry included at size %d (the bundle's inclusion proof at size %d, extended by consistency)",
			consistency, e.Latest.Size, e.InclusionSize)
	case verify.ConfirmMethodRekorV1Entry:
		consistency = fmt.Sprintf("consistent with the entry's checkpoint (proof of %d hashes)", len(e.ConsistencyProof))
		if e.Entry != nil && e.Latest != nil && e.Entry.Size == e.Latest.Size {
			consistency = "the entry's checkpoint is the latest"
		}
		return fmt.Sprintf("latest checkpoint signed by the log; %s; entry included at size %d (the bundle carries a promise only: the entry read by its UUID, its signed entry timestamp verified, its inclusion proof at size %d, extended by consistency)",
			consistency, e.Latest.Size, e.InclusionSize)
	}
	return consistency
}
