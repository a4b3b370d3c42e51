package report

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/ats-run/selfattest/verify"
)

func TestAddConfirmation(t *testing.T) {
	sigstore := func() *Report {
		res := &verify.SigstoreResult{Schema: verify.SigstoreResultSchema, Signer: verify.Signer{KeySHA256: "ab"},
			LogEntries: []verify.LogEntry{{LogID: "0d0f", LogURL: "https://rekor-v2.example", Index: 7, Kind: "hashedrekord", Version: "0.0.2"}}}
		return FromSigstore("t", Details{}, "a.txt", verify.Policy{}, res, nil)
	}
	cp := func(n uint64) *verify.Checkpoint {
		return &verify.Checkpoint{Origin: "rekor-v2.example", Size: n, RootHash: strings.Repeat("ab", 32)}
	}
	confirmed := verify.EntryConfirmation{LogID: "0d0f", LogURL: "https://rekor-v2.example", Index: 7, Status: verify.ConfirmStatusConfirmed,
		Method: verify.ConfirmMethodTiles, Bundle: cp(8), Latest: cp(12), ConsistencyProof: []string{"cd"}, InclusionSize: 12}
	promise := verify.EntryConfirmation{LogID: "0d0f", LogURL: "https://rekor.example", Index: 7, Status: verify.ConfirmStatusConfirmed,
		Method: verify.ConfirmMethodRekorV1Entry, Entry: cp(9), Latest: cp(12), ConsistencyProof: []string{"cd"}, InclusionProof: []string{"ef"}, InclusionSize: 9}
	notConfirmed := verify.EntryConfirmation{LogID: "9e9e", Index: 3, Status: verify.ConfirmStatusNotConfirmed, Reason: "not confirmed: no source for log 9e9e"}
	rejected := verify.EntryConfirmation{LogID: "0d0f", LogURL: "https://rekor-v2.example", Index: 7, Status: verify.ConfirmStatusRejected,
		Bundle: cp(8), Latest: cp(6), Reason: "tree size went backwards"}
	unchecked := verify.EntryConfirmation{LogID: "0d0f", Index: 7, Status: verify.ConfirmStatusCouldNotCheck, Bundle: cp(8), Reason: "connection refused"}
	conf := func(es ...verify.EntryConfirmation) *verify.Confirmation {
		return &verify.Confirmation{Schema: verify.ConfirmationSchema, Entries: es}
	}
	for _, tc := range []struct {
		name     string
		c        *verify.Confirmation
		err      error
		status   Status
		verdicts []Verdict
	}{
		{"confirmed", conf(confirmed), nil, StatusPass, []Verdict{VerdictPass}},
		{"promise only, confirmed from the log's entry", conf(promise), nil, StatusPass, []Verdict{VerdictPass}},
		{"confirmed and one without a source", conf(confirmed, notConfirmed), nil, StatusPass, []Verdict{VerdictPass, VerdictInfo}},
		{"nothing confirmed", nil, &verify.ConfirmError{Result: conf(notConfirmed)}, StatusError, []Verdict{VerdictError}},
		{"rejected", nil, &verify.ConfirmError{Result: conf(rejected)}, StatusFail, []Verdict{VerdictFail}},
		{"could not check", nil, &verify.ConfirmError{Result: conf(unchecked)}, StatusError, []Verdict{VerdictError}},
		{"bad input", nil, verify.ErrBadInput, StatusError, []Verdict{VerdictError}},
		{"rejection without evidence", nil, verify.ErrVerification, StatusFail, []Verdict{VerdictFail}},
		{"nothing at all", nil, nil, StatusError, []Verdict{VerdictError}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := sigstore()
			r.AddConfirmation(tc.c, tc.err)
			var got []Verdict
			for _, c := range r.Checks {
				if c.Group == GroupLogConfirmation {
					got = append(got, c.Verdict)
				}
			}
			if r.Status != tc.status || len(got) != len(tc.verdicts) {
				t.Fatalf("status %s, verdicts %v; want %s, %v (%+v)", r.Status, got, tc.status, tc.verdicts, r.Checks)
			}
			for i := range got {
				if got[i] != tc.verdicts[i] {
					t.Fatalf("verdicts %v, want %v", got, tc.verdicts)
				}
			}
			back := roundTrip(t, r)
			if back.Status != r.Status {
				t.Errorf("status after Parse %s", back.Status)
			}
			var md, txt bytes.Buffer
			if err := r.WriteMarkdown(&md); err != nil || !strings.Contains(md.String(), "## Transparency Log Confirmation") {
				t.Errorf("Markdown %v:\n%s", err, md.String())
			}
			if err := r.WriteText(&txt, TextOptions{}); err != nil || !strings.Contains(txt.String(), "Transparency Log Confirmation:") {
				t.Errorf("text %v:\n%s", err, txt.String())
			}
			if strings.HasPrefix(tc.name, "promise") && (!strings.Contains(md.String(), "inclusion promise only; the log's entry at rekor-v2.example @ 9") ||
				!strings.Contains(md.String(), "read by its UUID")) {
				t.Errorf("Markdown does not say how the promise was confirmed:\n%s", md.String())
			}
			if tc.name == "confirmed" && !strings.Contains(md.String(), "rekor-v2.example @ 12") {
				t.Errorf("Markdown lacks the latest checkpoint:\n%s", md.String())
			}
		})
	}
	if !errors.Is(&verify.ConfirmError{Result: conf(notConfirmed)}, verify.ErrCouldNotCheck) {
		t.Error("a ConfirmError without rejections is not ErrCouldNotCheck")
	}
}
