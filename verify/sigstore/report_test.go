package sigstore_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/ats-run/selfattest/verify/report"
	"github.com/ats-run/selfattest/verify/sigstore"
	"github.com/ats-run/selfattest/verify/sigstore/confirm"
)

func TestAddConfirmation(t *testing.T) {
	newReport := func() *report.Report {
		res := &sigstore.Result{Schema: sigstore.ResultSchema, Signer: sigstore.Signer{KeySHA256: "ab"},
			LogEntries: []sigstore.LogEntry{{LogID: "0d0f", LogURL: "https://rekor-v2.example", Index: 7, Kind: "hashedrekord", Version: "0.0.2"}}}
		return sigstore.NewReport("t", report.Details{}, "a.txt", sigstore.Policy{}, res, nil)
	}
	cp := func(n uint64) *sigstore.Checkpoint {
		return &sigstore.Checkpoint{Origin: "rekor-v2.example", Size: n, RootHash: strings.Repeat("ab", 32)}
	}
	confirmed := confirm.Entry{LogID: "0d0f", LogURL: "https://rekor-v2.example", Index: 7, Status: confirm.StatusConfirmed,
		Method: confirm.MethodTiles, Bundle: cp(8), Latest: cp(12), ConsistencyProof: []string{"cd"}, InclusionSize: 12}
	promise := confirm.Entry{LogID: "0d0f", LogURL: "https://rekor.example", Index: 7, Status: confirm.StatusConfirmed,
		Method: confirm.MethodRekorV1Entry, Entry: cp(9), Latest: cp(12), ConsistencyProof: []string{"cd"}, InclusionProof: []string{"ef"}, InclusionSize: 9}
	notConfirmed := confirm.Entry{LogID: "9e9e", Index: 3, Status: confirm.StatusNotConfirmed, Reason: "not confirmed: no source for log 9e9e"}
	rejected := confirm.Entry{LogID: "0d0f", LogURL: "https://rekor-v2.example", Index: 7, Status: confirm.StatusRejected,
		Bundle: cp(8), Latest: cp(6), Reason: "tree size went backwards"}
	unchecked := confirm.Entry{LogID: "0d0f", Index: 7, Status: confirm.StatusCouldNotCheck, Bundle: cp(8), Reason: "connection refused"}
	conf := func(es ...confirm.Entry) *confirm.Confirmation {
		return &confirm.Confirmation{Schema: confirm.Schema, Entries: es}
	}
	for _, tc := range []struct {
		name     string
		c        *confirm.Confirmation
		err      error
		status   report.Status
		verdicts []report.Verdict
	}{
		{"confirmed", conf(confirmed), nil, report.StatusPass, []report.Verdict{report.VerdictPass}},
		{"promise only, confirmed from the log's entry", conf(promise), nil, report.StatusPass, []report.Verdict{report.VerdictPass}},
		{"confirmed and one without a source", conf(confirmed, notConfirmed), nil, report.StatusPass, []report.Verdict{report.VerdictPass, report.VerdictInfo}},
		{"nothing confirmed", nil, &confirm.Error{Result: conf(notConfirmed)}, report.StatusError, []report.Verdict{report.VerdictError}},
		{"rejected", nil, &confirm.Error{Result: conf(rejected)}, report.StatusFail, []report.Verdict{report.VerdictFail}},
		{"could not check", nil, &confirm.Error{Result: conf(unchecked)}, report.StatusError, []report.Verdict{report.VerdictError}},
		{"bad input", nil, sigstore.ErrBadInput, report.StatusError, []report.Verdict{report.VerdictError}},
		{"rejection without evidence", nil, sigstore.ErrVerification, report.StatusFail, []report.Verdict{report.VerdictFail}},
		{"nothing at all", nil, nil, report.StatusError, []report.Verdict{report.VerdictError}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newReport()
			confirm.AddToReport(r, tc.c, tc.err)
			var got []report.Verdict
			for _, c := range r.Checks {
				if c.Group == report.GroupLogConfirmation {
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
			if err := r.WriteText(&txt, report.TextOptions{}); err != nil || !strings.Contains(txt.String(), "Transparency Log Confirmation:") {
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
	if !errors.Is(&confirm.Error{Result: conf(notConfirmed)}, sigstore.ErrCouldNotCheck) {
		t.Error("a ConfirmError without rejections is not ErrCouldNotCheck")
	}
}

// roundTrip renders r in every format and returns what [report.Parse]
// reads back from its JSON.
func roundTrip(t *testing.T, r *report.Report) *report.Report {
	t.Helper()
	var j, md, txt bytes.Buffer
	if err := r.WriteJSON(&j); err != nil {
		t.Fatal(err)
	}
	back, err := report.Parse(j.Bytes())
	if err != nil {
		t.Fatalf("Parse(WriteJSON): %v\n%s", err, j.Bytes())
	}
	if err := r.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteText(&txt, report.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	return back
}
