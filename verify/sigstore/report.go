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
