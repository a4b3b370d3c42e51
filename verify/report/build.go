package report

import (
	"errors"
	"fmt"
	"path"
	"strings"

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
		NewArtifact("local build", local),
		NewArtifact("live artifact", live),
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
	r.Artifacts = []Artifact{NewArtifact("live page", page)}
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

// NewArtifact describes input (a path or a URL) in the role it plays in a
// check: its base name, and its URI when it is a URL. Builders of report
// sections outside this package (package
// [github.com/ats-run/selfattest/verify/sigstore]) name their artifacts
// with it.
func NewArtifact(role, input string) Artifact {
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
