package sigstore

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ats-run/selfattest/verify/report"
)

// NewReport builds the report of [Verifier.Verify] for
// the artifact named artifact: the Sigstore section of a CI job
// summary (signature, Rekor entry, certificate issuer, identity) and one
// check per verified fact in [report.GroupSigstore]. A rejection gives a fail
// report whose Sigstore signature is invalid; any other error an error
// report.
func NewReport(title string, d report.Details, artifact string, p Policy, res *Result, err error) *report.Report {
	r := report.New(title)
	r.Details = d
	r.Artifacts = []report.Artifact{report.NewArtifact("signed artifact", artifact)}
	switch {
	case err != nil && errors.Is(err, ErrVerification):
		r.Sigstore = &report.Sigstore{Signature: report.VerdictFail, Detail: err.Error()}
		r.Add(report.Check{Group: report.GroupSigstore, Name: "Bundle", Expected: "verifies", Actual: "rejected", Verdict: report.VerdictFail, Detail: err.Error()})
	case err != nil || res == nil:
		if err == nil {
			err = errors.New("no result")
		}
		r.Status, r.Reason = report.StatusError, err.Error()
		r.Sigstore = &report.Sigstore{Signature: report.VerdictError, Detail: err.Error()}
	default:
		s := &report.Sigstore{Signature: report.VerdictPass}
		if c := res.Signer.Certificate; c != nil {
			s.CertificateIssuer, s.Identity = c.Extensions.Issuer, c.SubjectAlternativeName
			r.Add(report.Check{Group: report.GroupSigstore, Name: "Certificate identity", Expected: policyValue(p.SAN, p.SANRegexp), Actual: c.SubjectAlternativeName, Verdict: report.VerdictPass})
			r.Add(report.Check{Group: report.GroupSigstore, Name: "OIDC issuer", Expected: policyValue(p.Issuer, p.IssuerRegexp), Actual: c.Extensions.Issuer, Verdict: report.VerdictPass,
				Detail: "certificate issued by " + c.CertificateIssuer})
		} else {
			r.Add(report.Check{Group: report.GroupSigstore, Name: "Signing key", Expected: "the policy's key", Actual: "sha256:" + res.Signer.KeySHA256 + " (PKIX)", Verdict: report.VerdictPass})
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
			r.Add(report.Check{Group: report.GroupSigstore, Name: "Transparency log", Expected: "included", Actual: actual, Verdict: report.VerdictPass})
		}
		for _, ts := range res.Timestamps {
			r.Add(report.Check{Group: report.GroupSigstore, Name: "Timestamp (" + ts.Kind + ")", Expected: "trusted time", Actual: ts.Time.Format(time.RFC3339), Verdict: report.VerdictPass, Detail: ts.URI})
		}
		if st := res.Statement; st != nil {
			r.Add(report.Check{Group: report.GroupSigstore, Name: "Statement", Expected: policyValue(p.PredicateType, ""), Actual: st.PredicateType, Verdict: report.VerdictPass,
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

// AddConfirmation adds the outcome of [Verifier.Confirm] to
// r, a report made by [NewReport]: pass it what Confirm returned. Each
// log entry becomes one check in [report.GroupLogConfirmation]: expected, the
// bundle's checkpoint; actual, the log's latest checkpoint; the detail
// says how inclusion and consistency were proven or why they were not.
// A confirmed entry passes, a rejected one fails, one that could not be
// checked is an error. An entry that was not confirmed (no source for its
// log, a log the trusted root does not know) is [report.VerdictInfo] when
// another entry was confirmed and Confirm succeeded, and an error when
// nothing was: it is never a pass. An error without a
// [ConfirmError] gives one check whose verdict follows the error.
// The report is finished again ([report.Report.Finish]).
func AddConfirmation(r *report.Report, c *Confirmation, err error) {
	var ce *ConfirmError
	if errors.As(err, &ce) {
		c = ce.Result
	}
	if c == nil {
		if err == nil {
			err = errors.New("no confirmation")
		}
		v := report.VerdictError
		if errors.Is(err, ErrVerification) {
			v = report.VerdictFail
		}
		r.Add(report.Check{Group: report.GroupLogConfirmation, Name: "Online confirmation", Expected: "confirmed", Actual: "not confirmed", Verdict: v, Detail: err.Error()})
		r.Finish()
		return
	}
	for _, e := range c.Entries {
		name := fmt.Sprintf("%s entry %d", e.LogURL, e.Index)
		if e.LogURL == "" {
			name = fmt.Sprintf("log %s entry %d", e.LogID, e.Index)
		}
		ch := report.Check{Group: report.GroupLogConfirmation, Name: name, Expected: checkpointText(e.Bundle), Actual: checkpointText(e.Latest), Detail: e.Reason}
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
		case ConfirmStatusConfirmed:
			ch.Verdict = report.VerdictPass
			ch.Detail = confirmDetail(e)
		case ConfirmStatusRejected:
			ch.Verdict = report.VerdictFail
		case ConfirmStatusCouldNotCheck:
			ch.Verdict = report.VerdictError
		default:
			ch.Verdict = report.VerdictInfo
			if err != nil {
				ch.Verdict = report.VerdictError
			}
		}
		r.Add(ch)
	}
	if err != nil && ce == nil {
		r.Status, r.Reason = report.StatusError, err.Error()
	}
	r.Finish()
}

// checkpointText shows a checkpoint as "origin @ size (root 1a2b3c4d…)".
func checkpointText(cp *Checkpoint) string {
	if cp == nil {
		return ""
	}
	root := cp.RootHash
	if len(root) > 16 {
		root = root[:16] + "…"
	}
	return fmt.Sprintf("%s @ %d (root %s)", cp.Origin, cp.Size, root)
}

func confirmDetail(e EntryConfirmation) string {
	consistency := fmt.Sprintf("consistent with the bundle's checkpoint (proof of %d hashes)", len(e.ConsistencyProof))
	if e.Bundle != nil && e.Latest != nil && e.Bundle.Size == e.Latest.Size {
		consistency = "the bundle's checkpoint is the latest"
	}
	switch e.Method {
	case ConfirmMethodTiles:
		return fmt.Sprintf("latest checkpoint signed by the log; %s; entry included at size %d (proof from the log's tiles)", consistency, e.InclusionSize)
	case ConfirmMethodRekorV1:
		return fmt.Sprintf("latest checkpoint signed by the log; %s; entry included at size %d (the bundle's inclusion proof at size %d, extended by consistency)",
			consistency, e.Latest.Size, e.InclusionSize)
	case ConfirmMethodRekorV1Entry:
		consistency = fmt.Sprintf("consistent with the entry's checkpoint (proof of %d hashes)", len(e.ConsistencyProof))
		if e.Entry != nil && e.Latest != nil && e.Entry.Size == e.Latest.Size {
			consistency = "the entry's checkpoint is the latest"
		}
		return fmt.Sprintf("latest checkpoint signed by the log; %s; entry included at size %d (the bundle carries a promise only: the entry read by its UUID, its signed entry timestamp verified, its inclusion proof at size %d, extended by consistency)",
			consistency, e.Latest.Size, e.InclusionSize)
	}
	return consistency
}
