package report

import (
	"testing"
)

func TestNew(t *testing.T) {
	r := New("T")
	if r.Schema != SchemaV1 || r.Title != "T" || r.Checks == nil || len(r.Checks) != 0 || r.Status != "" {
		t.Fatalf("New = %+v", r)
	}
}

func TestFinish(t *testing.T) {
	pass := Check{Group: GroupHashComparison, Name: "SHA-256", Verdict: VerdictPass}
	fail := Check{Group: GroupHashComparison, Name: "SRI", Verdict: VerdictFail}
	errc := Check{Group: GroupSubresource, Name: "https://x/a.js", Verdict: VerdictError}
	info := Check{Group: GroupSubresource, Name: "https://x/b.js", Verdict: VerdictInfo}
	named := func(name string, v Verdict) Check { return Check{Group: "g", Name: name, Verdict: v} }
	tests := []struct {
		name       string
		preset     Status
		presetWhy  string
		checks     []Check
		sigstore   *Sigstore
		wantStatus Status
		wantReason string
	}{
		{name: "all pass", checks: []Check{pass, pass}, wantStatus: StatusPass},
		{name: "pass and info", checks: []Check{pass, info}, wantStatus: StatusPass},
		{name: "one fail", checks: []Check{pass, fail}, wantStatus: StatusFail, wantReason: "check failed: SRI"},
		{name: "fail beats error", checks: []Check{errc, fail}, wantStatus: StatusFail, wantReason: "check failed: SRI"},
		{name: "error", checks: []Check{pass, errc}, wantStatus: StatusError, wantReason: "check could not be completed: https://x/a.js"},
		{name: "no checks", wantStatus: StatusError, wantReason: "nothing was checked"},
		{name: "only info", checks: []Check{info}, wantStatus: StatusError, wantReason: "nothing was checked"},
		{name: "unknown verdict is an error", checks: []Check{pass, {Name: "x", Verdict: "maybe"}}, wantStatus: StatusError,
			wantReason: "check could not be completed: x"},
		{name: "unnamed check uses group", checks: []Check{{Group: "grp", Verdict: VerdictFail}}, wantStatus: StatusFail,
			wantReason: "check failed: grp"},
		{name: "many failures", checks: []Check{named("a", VerdictFail), named("b", VerdictFail), named("c", VerdictFail), named("d", VerdictFail), named("e", VerdictFail)},
			wantStatus: StatusFail, wantReason: "5 checks failed: a, b, c and 2 more"},
		{name: "two errors", checks: []Check{named("a", VerdictError), named("b", VerdictError)},
			wantStatus: StatusError, wantReason: "2 checks could not be completed: a, b"},
		{name: "preset pass is recomputed", preset: StatusPass, checks: []Check{fail}, wantStatus: StatusFail, wantReason: "check failed: SRI"},
		{name: "preset pass with nothing checked", preset: StatusPass, wantStatus: StatusError, wantReason: "nothing was checked"},
		{name: "preset garbage is recomputed", preset: "ok", checks: []Check{pass}, wantStatus: StatusPass},
		{name: "preset error kept", preset: StatusError, presetWhy: "bundle download timed out", checks: []Check{pass},
			wantStatus: StatusError, wantReason: "bundle download timed out"},
		{name: "preset error kept over fail", preset: StatusError, checks: []Check{fail},
			wantStatus: StatusError, wantReason: "verification could not be completed"},
		{name: "preset fail kept", preset: StatusFail, checks: []Check{pass},
			wantStatus: StatusFail, wantReason: "verification failed"},
		{name: "preset fail with failing check", preset: StatusFail, checks: []Check{fail},
			wantStatus: StatusFail, wantReason: "check failed: SRI"},
		{name: "pass clears reason", presetWhy: "stale", checks: []Check{pass}, wantStatus: StatusPass},
		{name: "sigstore fail fails", checks: []Check{pass}, sigstore: &Sigstore{Signature: VerdictFail},
			wantStatus: StatusFail, wantReason: "check failed: Sigstore signature"},
		{name: "sigstore error", checks: []Check{pass}, sigstore: &Sigstore{Signature: VerdictError},
			wantStatus: StatusError, wantReason: "check could not be completed: Sigstore signature"},
		{name: "sigstore pass alone counts", sigstore: &Sigstore{Signature: VerdictPass}, wantStatus: StatusPass},
		{name: "sigstore info alone is nothing", sigstore: &Sigstore{Signature: VerdictInfo},
			wantStatus: StatusError, wantReason: "nothing was checked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := New("T")
			r.Status, r.Reason, r.Sigstore = tt.preset, tt.presetWhy, tt.sigstore
			for _, c := range tt.checks {
				r.Add(c)
			}
			r.Finish()
			if r.Status != tt.wantStatus || r.Reason != tt.wantReason {
				t.Fatalf("Finish: status %q reason %q, want %q %q", r.Status, r.Reason, tt.wantStatus, tt.wantReason)
			}
			r.Finish() // idempotent
			if r.Status != tt.wantStatus || r.Reason != tt.wantReason {
				t.Fatalf("second Finish: status %q reason %q, want %q %q", r.Status, r.Reason, tt.wantStatus, tt.wantReason)
			}
		})
	}
}

func TestFinishNilChecks(t *testing.T) {
	r := &Report{Schema: SchemaV1}
	r.Finish()
	if r.Checks == nil || r.Status != StatusError {
		t.Fatalf("Finish on a zero report: %+v", r)
	}
}
