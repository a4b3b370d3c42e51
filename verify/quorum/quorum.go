package quorum

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	intotov1 "github.com/in-toto/attestation/go/v1"
	"github.com/sigstore/sigstore-go/pkg/bundle"

	"github.com/ats-run/selfattest"
	"github.com/ats-run/selfattest/attest/intoto"
	"github.com/ats-run/selfattest/verify"
	"github.com/ats-run/selfattest/verify/report"
	"github.com/ats-run/selfattest/verify/sigstore"
)

// Schema names version 1 of [Result]'s JSON form.
const Schema = "https://github.com/ats-run/selfattest/quorum/v1"

// A Member is an independent verifier whose signed reports count: Name
// names it in results; Policy is the identity that signs its reports (a
// certificate identity or a key; its PredicateType must be empty or
// intoto.VerificationReportV1).
type Member struct {
	Name   string
	Policy sigstore.Policy
}

// Policy says whose reports count and how many must agree.
type Policy struct {
	Members   []Member
	Threshold int
}

// Subject is one subject of a report's statement.
type Subject struct {
	Name    string            `json:"name"`
	Digests map[string]string `json:"digests"`
}

// Vote is what one member's verified report said.
type Vote struct {
	Member   string        `json:"member"`
	Status   report.Status `json:"status"`
	Reason   string        `json:"reason,omitempty"` // the report's, for fail and error
	Subjects []Subject     `json:"subjects"`
	Bundles  []int         `json:"bundles"` // indexes of the bundles that carried it
	// Conflicting is set when the member's reports disagree with each
	// other; Subjects and Status are then those of its first report.
	Conflicting bool `json:"conflicting,omitempty"`
}

// Ignored is a bundle that counted for nothing, and why.
type Ignored struct {
	Bundle int    `json:"bundle"`
	Reason string `json:"reason"`
}

// Result is the count. Agreeing and Dissenting hold verified votes only.
type Result struct {
	Schema     string    `json:"schema"`
	Threshold  int       `json:"threshold"`
	Agreeing   []Vote    `json:"agreeing"`
	Dissenting []Vote    `json:"dissenting"`
	Ignored    []Ignored `json:"ignored"`
}

// Error reports a quorum that does not hold. It wraps
// verify.ErrVerification; Result says who saw what.
type Error struct {
	Reason string
	Result *Result
}

func (e *Error) Error() string { return "quorum: " + e.Reason }

func (e *Error) Unwrap() error { return verify.ErrVerification }

// Verify verifies each bundle (the JSON of a Sigstore bundle) with v
// against artifact and the members' policies, and counts the votes (see
// the package documentation). It returns the result when at least
// p.Threshold members agree; otherwise a [*Error] (wrapping
// verify.ErrVerification) carrying the result. A policy that cannot be
// used (no members, a threshold out of 1..len(members), a member without
// a name or named twice, a member policy that does not compile) or an
// artifact given as a reader (each bundle is checked against the artifact;
// name a file or a digest) is an error wrapping verify.ErrBadInput. A bundle that could not be checked
// (ErrCouldNotCheck: a context that ended) stops the count with that
// error: a quorum is never decided on the bundles that happened to be
// checkable.
func Verify(ctx context.Context, v *sigstore.Verifier, artifact sigstore.SignedArtifact, bundles [][]byte, p Policy) (*Result, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	if artifact.IsReader() {
		// Each bundle is verified against the artifact, and a reader is
		// spent by the first: the rest would all fail to verify.
		return nil, fmt.Errorf("%w: quorum: the artifact is a reader, which one verification spends; name a file or a digest", verify.ErrBadInput)
	}
	res := &Result{Schema: Schema, Threshold: p.Threshold, Agreeing: []Vote{}, Dissenting: []Vote{}, Ignored: []Ignored{}}
	votes := make(map[string]*Vote)
	var order []string
	for i, data := range bundles {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("%w: %w", verify.ErrCouldNotCheck, err)
		}
		b, err := sigstore.ParseBundle(data)
		if err != nil {
			res.Ignored = append(res.Ignored, Ignored{Bundle: i, Reason: err.Error()})
			continue
		}
		member, vote, reason, err := p.read(ctx, v, artifact, b)
		if err != nil {
			return nil, err
		}
		if vote == nil {
			res.Ignored = append(res.Ignored, Ignored{Bundle: i, Reason: reason})
			continue
		}
		vote.Bundles = []int{i}
		prev, ok := votes[member]
		if !ok {
			votes[member] = vote
			order = append(order, member)
			continue
		}
		prev.Bundles = append(prev.Bundles, i)
		if prev.Status != vote.Status || subjectsKey(prev.Subjects) != subjectsKey(vote.Subjects) {
			prev.Conflicting = true
		}
	}

	// Group the consistent "pass" votes by what they name.
	groups := make(map[string][]*Vote)
	for _, m := range order {
		vt := votes[m]
		if vt.Status == report.StatusPass && !vt.Conflicting {
			k := subjectsKey(vt.Subjects)
			groups[k] = append(groups[k], vt)
		}
	}
	best, tie := "", false
	for k, g := range groups {
		switch {
		case best == "" || len(g) > len(groups[best]):
			best, tie = k, false
		case len(g) == len(groups[best]):
			tie = true
			if k < best { // deterministic choice of which is shown as agreeing
				best = k
			}
		}
	}
	for _, m := range order {
		vt := votes[m]
		if best != "" && !vt.Conflicting && vt.Status == report.StatusPass && subjectsKey(vt.Subjects) == best {
			res.Agreeing = append(res.Agreeing, *vt)
		} else {
			res.Dissenting = append(res.Dissenting, *vt)
		}
	}
	switch {
	case tie:
		return nil, &Error{Reason: fmt.Sprintf("%d members agree on one set of subjects and as many on another", len(res.Agreeing)), Result: res}
	case len(res.Agreeing) < p.Threshold:
		return nil, &Error{Reason: fmt.Sprintf("%d of the %d members needed agree (%d dissent, %d bundles ignored)", len(res.Agreeing), p.Threshold, len(res.Dissenting), len(res.Ignored)), Result: res}
	}
	return res, nil
}

func (p Policy) check() error {
	if len(p.Members) == 0 {
		return fmt.Errorf("%w: quorum: no members", verify.ErrBadInput)
	}
	if p.Threshold < 1 || p.Threshold > len(p.Members) {
		return fmt.Errorf("%w: quorum: threshold %d is not between 1 and the %d members", verify.ErrBadInput, p.Threshold, len(p.Members))
	}
	seen := make(map[string]bool)
	for _, m := range p.Members {
		if m.Name == "" || seen[m.Name] {
			return fmt.Errorf("%w: quorum: member name %q is empty or repeated", verify.ErrBadInput, m.Name)
		}
		seen[m.Name] = true
		if m.Policy.PredicateType != "" && m.Policy.PredicateType != intoto.VerificationReportV1 {
			return fmt.Errorf("%w: quorum: member %q: predicate type %q is not the verification report's", verify.ErrBadInput, m.Name, m.Policy.PredicateType)
		}
	}
	return nil
}

// read verifies b against each member's policy and returns the member that
// signed it and its vote; or no vote and why; or an error that stops the
// count (a policy that does not compile, a check that could not be made).
func (p Policy) read(ctx context.Context, v *sigstore.Verifier, artifact sigstore.SignedArtifact, b *bundle.Bundle) (string, *Vote, string, error) {
	var reasons []string
	for _, m := range p.Members {
		pol := m.Policy
		pol.PredicateType = intoto.VerificationReportV1
		_, err := v.Verify(ctx, b, artifact, pol)
		switch {
		case errors.Is(err, selfattest.ErrBadInput):
			return "", nil, "", fmt.Errorf("%w: quorum: member %q: %w", verify.ErrBadInput, m.Name, err)
		case errors.Is(err, selfattest.ErrCouldNotCheck):
			return "", nil, "", fmt.Errorf("%w: %w", verify.ErrCouldNotCheck, err)
		case err != nil:
			reasons = append(reasons, m.Name+": "+err.Error())
			continue
		}
		env, err := b.Envelope()
		if err != nil {
			return "", nil, "not a DSSE bundle: " + err.Error(), nil
		}
		st, err := env.Statement()
		if err != nil {
			return "", nil, "statement: " + err.Error(), nil
		}
		vote, err := parseVote(m.Name, st)
		if err != nil {
			return "", nil, err.Error(), nil
		}
		return m.Name, vote, "", nil
	}
	return "", nil, "no member's policy verifies it: " + strings.Join(reasons, "; "), nil
}

// parseVote reads the vote of member from the statement of a bundle that
// verified under member's policy: the verification report the statement
// carries, then the report, then the statement's subjects. An error is
// why the bundle is no vote, worded as the reason [Verify] records for an
// ignored bundle; it wraps attest.ErrBadInput (the statement) or
// report.ErrInvalid (the report).
func parseVote(member string, st *intotov1.Statement) (*Vote, error) {
	vr, err := intoto.ParseVerificationReport(st)
	if err != nil {
		return nil, fmt.Errorf("signed by %s, but: %w", member, err)
	}
	r, err := report.Parse(vr.Report)
	if err != nil {
		return nil, fmt.Errorf("signed by %s, but its report: %w", member, err)
	}
	vote := &Vote{Member: member, Status: r.Status, Subjects: []Subject{}}
	if r.Status != report.StatusPass {
		vote.Reason = r.Reason
	}
	for _, s := range st.GetSubject() {
		vote.Subjects = append(vote.Subjects, Subject{Name: s.GetName(), Digests: s.GetDigest()})
	}
	return vote, nil
}

// subjectsKey is a canonical form of a subject list: sorted names, each
// with its sorted digests.
func subjectsKey(ss []Subject) string {
	var parts []string
	for _, s := range ss {
		algs := make([]string, 0, len(s.Digests))
		for a := range s.Digests {
			algs = append(algs, a)
		}
		sort.Strings(algs)
		var d []string
		for _, a := range algs {
			d = append(d, a+":"+strings.ToLower(s.Digests[a]))
		}
		parts = append(parts, fmt.Sprintf("%q=%s", s.Name, strings.Join(d, ",")))
	}
	slices.Sort(parts)
	return strings.Join(parts, "\n")
}
