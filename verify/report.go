package verify

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ats-run/selfattest/attest"
	"github.com/ats-run/selfattest/verify/report"
)

// Reports of a comparison and of a page check, in the format of package
// [github.com/ats-run/selfattest/verify/report]. They are built here, where
// the results are defined, so that package report imports nothing of this
// package, and a Sigstore report (package
// [github.com/ats-run/selfattest/verify/sigstore]) compiles no HTML parser.

// CompareReport builds the report of [Compare]: pass it what Compare
// returned. A mismatch ([MismatchError]) gives a fail report with
// the whole table; any other error an error report whose reason is the
// error, and no checks. The report is finished ([report.Report.Finish]).
func CompareReport(title string, d report.Details, local, live string, c *Comparison, err error) *report.Report {
	r := report.New(title)
	r.Details = d
	r.Artifacts = []report.Artifact{
		report.NewArtifact("local build", local),
		report.NewArtifact("live artifact", live),
	}
	var m *MismatchError
	if errors.As(err, &m) {
		c = m.Comparison
	}
	if c == nil {
		r.Status = report.StatusError
		if err == nil {
			err = errors.New("no comparison")
		}
		r.Reason = err.Error()
		r.Finish()
		return r
	}
	r.Subject = report.NewSubject(c.Live.Input, c.Live.Digests)
	for _, row := range c.Rows {
		v := report.VerdictPass
		if !row.Match {
			v = report.VerdictFail
		}
		r.Add(report.Check{Group: report.GroupHashComparison, Name: row.Name, Expected: row.Local, Actual: row.Live, Verdict: v})
	}
	if err != nil && m == nil {
		r.Status, r.Reason = report.StatusError, err.Error()
	}
	r.Finish()
	return r
}

// PageReport builds the report of [CheckPage]: pass it what CheckPage
// returned. Each subresource becomes a check in [report.GroupSubresource] (its
// integrity against what was served) and, when a local build was given,
// one in [report.GroupLocalBuild]. A subresource without integrity under a
// non-strict policy is [report.VerdictInfo]. An error other than
// [PageError] gives an error report with no checks.
func PageReport(title string, d report.Details, page string, res *PageResult, err error) *report.Report {
	r := report.New(title)
	r.Details = d
	r.Artifacts = []report.Artifact{report.NewArtifact("live page", page)}
	var pe *PageError
	if errors.As(err, &pe) {
		res = pe.Result
	}
	if res == nil {
		r.Status = report.StatusError
		if err == nil {
			err = errors.New("no result")
		}
		r.Reason = err.Error()
		r.Finish()
		return r
	}
	r.Subject = report.NewSubject(res.URL, res.Digests)
	if res.LocalDir != "" {
		r.Artifacts = append(r.Artifacts, report.Artifact{Role: "local build", Name: res.LocalDir})
	}
	for _, s := range res.Subresources {
		r.Add(subresourceCheck(s))
		if s.Local != nil {
			r.Add(localCheck(s))
		}
	}
	if len(res.Subresources) == 0 {
		r.Add(report.Check{Group: report.GroupSubresource, Name: res.URL, Expected: "", Actual: "no scripts or stylesheets", Verdict: report.VerdictInfo,
			Detail: "the page loads no subresource this verifier checks"})
	}
	if err != nil && pe == nil {
		r.Status, r.Reason = report.StatusError, err.Error()
	}
	r.Finish()
	return r
}

func subresourceCheck(s Subresource) report.Check {
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
	c := report.Check{Group: report.GroupSubresource, Name: name, Actual: s.Actual}
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
	case OutcomePass:
		c.Verdict = report.VerdictPass
	case OutcomeWarn:
		c.Verdict = report.VerdictInfo
	case OutcomeFail:
		c.Verdict = report.VerdictFail
	default:
		c.Verdict = report.VerdictError
	}
	var detail []string
	if s.Verdict != VerdictMatch && s.Verdict != VerdictMismatch {
		detail = append(detail, string(s.Verdict))
	}
	if s.Verdict == VerdictLocalMismatch || s.Verdict == VerdictLocalMissing {
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

func localCheck(s Subresource) report.Check {
	l := s.Local
	c := report.Check{Group: report.GroupLocalBuild, Name: l.Path, Expected: "(missing)", Verdict: report.VerdictFail, Detail: l.Detail}
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
		c.Verdict = report.VerdictPass
	}
	return c
}
