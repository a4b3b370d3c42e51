package quorum_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/sign"

	"github.com/ats-run/selfattest/attest"
	"github.com/ats-run/selfattest/attest/intoto"
	"github.com/ats-run/selfattest/internal/rekorv2"
	"github.com/ats-run/selfattest/verify"
	"github.com/ats-run/selfattest/verify/quorum"
	"github.com/ats-run/selfattest/verify/report"
	"github.com/ats-run/selfattest/verify/sigstore"
	"github.com/ats-run/selfattest/verify/trust"
)

// reportJSON is a verification report about the named artifacts: one hash
// comparison per artifact, passing or not.
func reportJSON(t *testing.T, pass bool, subjects ...intoto.Subject) []byte {
	t.Helper()
	r := report.New("release verification")
	for _, s := range subjects {
		actual := s.Digests.Hex(attest.SHA256)
		v := report.VerdictPass
		if !pass {
			actual, v = "0000", report.VerdictFail
		}
		r.Add(report.Check{Group: report.GroupHashComparison, Name: s.Name + " SHA-256", Expected: s.Digests.Hex(attest.SHA256), Actual: actual, Verdict: v})
	}
	r.Finish()
	var b bytes.Buffer
	if err := r.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// otherPredicate is a predicate of another type than the report's.
type otherPredicate struct{}

func (otherPredicate) PredicateType() string          { return "https://example.com/other/v1" }
func (otherPredicate) PredicateJSON() ([]byte, error) { return []byte(`{"a":1}`), nil }

// attestation is one bundle to sign: who signs, and the statement.
type attestation struct {
	signer    sign.Keypair
	predicate intoto.Predicate
	subjects  []intoto.Subject
}

// signAll signs each statement to the real Rekor v2 server with a
// timestamp, all at once, and returns the bundles' JSON.
func signAll(t *testing.T, srv *rekorv2.Server, tsa *rekorv2.TSA, as []attestation) [][]byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out := make([][]byte, len(as))
	errs := make([]error, len(as))
	var wg sync.WaitGroup
	for i, a := range as {
		st, err := intoto.NewStatement(a.predicate, a.subjects...)
		if err != nil {
			t.Fatal(err)
		}
		payload, err := intoto.MarshalStatement(st)
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			pb, err := sign.Bundle(&sign.DSSEData{Data: payload, PayloadType: "application/vnd.in-toto+json"}, a.signer, sign.BundleOptions{
				Context:              ctx,
				TransparencyLogs:     []sign.Transparency{sign.NewRekor(&sign.RekorOptions{BaseURL: srv.URL, Version: 2, Timeout: 10 * time.Second})},
				TimestampAuthorities: []*sign.TimestampAuthority{sign.NewTimestampAuthority(&sign.TimestampAuthorityOptions{URL: tsa.URL, Timeout: 10 * time.Second})},
			})
			if err != nil {
				errs[i] = err
				return
			}
			out[i], errs[i] = (&bundle.Bundle{Bundle: pb}).MarshalJSON()
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	return out
}

func keypair(t *testing.T) sign.Keypair {
	t.Helper()
	kp, err := sign.NewEphemeralKeypair(nil)
	if err != nil {
		t.Fatal(err)
	}
	return kp
}

func names(vs []quorum.Vote) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.Member)
	}
	return out
}

// TestQuorum has independent verifiers sign verification reports with
// their keys, logged to a real Rekor v2 server and timestamped, and counts
// them: k agreeing members pass; k−1, a member counted twice, a dissent
// that leaves too few, an outsider, a tampered bundle, another predicate,
// and two equal groups that disagree do not.
func TestQuorum(t *testing.T) {
	srv := rekorv2.Start(t, rekorv2.Options{CheckpointInterval: 200 * time.Millisecond})
	tsa := rekorv2.StartTSA(t)
	tr, err := trust.FromJSON(srv.TrustedRootJSON(tsa.Root()))
	if err != nil {
		t.Fatal(err)
	}
	v, err := sigstore.NewVerifier(tr, sigstore.Options{RequireTimestampAuthority: true})
	if err != nil {
		t.Fatal(err)
	}
	alice, bob, carol, mallory := keypair(t), keypair(t), keypair(t), keypair(t)
	members := []quorum.Member{
		{Name: "alice", Policy: sigstore.Policy{Key: alice.GetPublicKey()}},
		{Name: "bob", Policy: sigstore.Policy{Key: bob.GetPublicKey()}},
		{Name: "carol", Policy: sigstore.Policy{Key: carol.GetPublicKey()}},
	}
	app := intoto.Subject{Name: "app.js", Digests: attest.MeasureBytes([]byte("the released app"))}
	extra := intoto.Subject{Name: "extra.js", Digests: attest.MeasureBytes([]byte("something else"))}
	pass := intoto.VerificationReport{Report: reportJSON(t, true, app)}
	passExtra := intoto.VerificationReport{Report: reportJSON(t, true, app, extra)}
	fail := intoto.VerificationReport{Report: reportJSON(t, false, app)}
	var other intoto.Predicate = otherPredicate{}

	bs := signAll(t, srv, tsa, []attestation{
		{alice, pass, []intoto.Subject{app}},             // 0
		{bob, pass, []intoto.Subject{app}},               // 1
		{carol, fail, []intoto.Subject{app}},             // 2
		{alice, pass, []intoto.Subject{app}},             // 3: alice again
		{mallory, pass, []intoto.Subject{app}},           // 4: not a member
		{carol, passExtra, []intoto.Subject{app, extra}}, // 5: other subjects
		{bob, fail, []intoto.Subject{app}},               // 6: bob contradicts himself
		{carol, other, []intoto.Subject{app}},            // 7: another predicate type
	})
	tampered := bytes.Replace(bs[1], []byte(`"sig":"`), []byte(`"sig":"AAAA`), 1)
	if bytes.Equal(tampered, bs[1]) {
		t.Fatal("tamper did not change the bundle")
	}
	artifact := sigstore.ArtifactDigest(attest.SHA256, app.Digests.SHA256[:])
	ctx := context.Background()
	count := func(k int, idx ...int) (*quorum.Result, error) {
		var in [][]byte
		for _, i := range idx {
			in = append(in, bs[i])
		}
		return quorum.Verify(ctx, v, artifact, in, quorum.Policy{Members: members, Threshold: k})
	}

	res, err := count(2, 0, 1, 4)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(names(res.Agreeing)) != "[alice bob]" || len(res.Dissenting) != 0 || len(res.Ignored) != 1 || res.Ignored[0].Bundle != 2 {
		t.Fatalf("result %+v", res)
	}
	if out, err := json.Marshal(res); err != nil || !bytes.Contains(out, []byte(quorum.Schema)) {
		t.Fatalf("JSON %s, %v", out, err)
	}

	// Rejections, each with the result as evidence.
	for _, c := range []struct {
		name       string
		k          int
		idx        []int
		agree      string
		dissenting string
	}{
		{"k-1 agree", 3, []int{0, 1}, "[alice bob]", "[]"},
		{"a member twice", 2, []int{0, 3}, "[alice]", "[]"},
		{"a dissent leaves too few", 2, []int{0, 2}, "[alice]", "[carol]"},
		{"an outsider does not count", 2, []int{0, 4}, "[alice]", "[]"},
		{"a member contradicting itself", 2, []int{0, 1, 6}, "[alice]", "[bob]"},
		{"two equal groups disagree", 1, []int{0, 5}, "[alice]", "[carol]"},
		{"another predicate type", 2, []int{0, 7}, "[alice]", "[]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := count(c.k, c.idx...)
			var qe *quorum.Error
			if !errors.As(err, &qe) || !errors.Is(err, verify.ErrVerification) {
				t.Fatalf("got %v, want *quorum.Error", err)
			}
			if got := fmt.Sprint(names(qe.Result.Agreeing)); got != c.agree {
				t.Fatalf("agreeing %s, want %s", got, c.agree)
			}
			if got := fmt.Sprint(names(qe.Result.Dissenting)); got != c.dissenting {
				t.Fatalf("dissenting %s, want %s", got, c.dissenting)
			}
		})
	}

	// Dissent is reported even when the quorum holds.
	res, err = count(2, 0, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(names(res.Dissenting)) != "[carol]" || res.Dissenting[0].Status != report.StatusFail {
		t.Fatalf("dissent %+v", res.Dissenting)
	}

	// A tampered bundle, another artifact: ignored, so no quorum.
	res, err = quorum.Verify(ctx, v, artifact, [][]byte{bs[0], tampered}, quorum.Policy{Members: members, Threshold: 2})
	var qe *quorum.Error
	if !errors.As(err, &qe) || len(qe.Result.Ignored) != 1 || qe.Result.Ignored[0].Bundle != 1 {
		t.Fatalf("tampered: %v %+v", err, res)
	}
	elsewhere := sigstore.ArtifactDigest(attest.SHA256, extra.Digests.SHA256[:])
	if _, err := quorum.Verify(ctx, v, elsewhere, [][]byte{bs[0], bs[1]}, quorum.Policy{Members: members, Threshold: 1}); !errors.As(err, &qe) || len(qe.Result.Ignored) != 2 {
		t.Fatalf("another artifact: %v", err)
	}

	// Policies that cannot be used.
	for name, p := range map[string]quorum.Policy{
		"no members":        {Threshold: 1},
		"threshold 0":       {Members: members},
		"threshold > n":     {Members: members, Threshold: 4},
		"unnamed member":    {Members: []quorum.Member{{Policy: members[0].Policy}}, Threshold: 1},
		"repeated name":     {Members: []quorum.Member{members[0], members[0]}, Threshold: 1},
		"no identity":       {Members: []quorum.Member{{Name: "x"}}, Threshold: 1},
		"another predicate": {Members: []quorum.Member{{Name: "x", Policy: sigstore.Policy{Key: alice.GetPublicKey(), PredicateType: "https://slsa.dev/provenance/v1"}}}, Threshold: 1},
	} {
		if _, err := quorum.Verify(ctx, v, artifact, [][]byte{bs[0]}, p); !errors.Is(err, verify.ErrBadInput) {
			t.Errorf("%s: %v, want ErrBadInput", name, err)
		}
	}
}

// TestQuorumRefusesReader: an artifact given as a reader would be spent
// by the first bundle's verification and fail every other; it is refused
// before anything is counted.
func TestQuorumRefusesReader(t *testing.T) {
	tr, err := trust.FromFile("../../testdata/sigstore/realworld/trusted_root.json")
	if err != nil {
		t.Fatal(err)
	}
	v, err := sigstore.NewVerifier(tr, sigstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = quorum.Verify(context.Background(), v, sigstore.ArtifactReader(bytes.NewReader([]byte("app"))), [][]byte{[]byte("{}")},
		quorum.Policy{Members: []quorum.Member{{Name: "alice", Policy: sigstore.Policy{Key: keypair(t).GetPublicKey()}}}, Threshold: 1})
	if !errors.Is(err, verify.ErrBadInput) {
		t.Fatalf("got %v, want verify.ErrBadInput", err)
	}
}
