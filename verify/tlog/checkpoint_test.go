package tlog_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/ats-run/selfattest/verify/tlog"
)

func TestParseFormatCheckpoint(t *testing.T) {
	good := "example.com/log\n42\nrs1YPY0ydAV0lxgfrq5pE4oRpUJwo3syeps5+eGUTDI=\nTimestamp: 1689177396617352539\n"
	for _, tc := range []struct {
		name, text string
		ok         bool
	}{
		{"valid", good, true},
		{"valid size 0", "o\n0\nrs1YPY0ydAV0lxgfrq5pE4oRpUJwo3syeps5+eGUTDI=\n", true},
		{"rekor v1 origin with spaces", "rekor.sigstore.dev - 2605736670972794746\n1\nrs1YPY0ydAV0lxgfrq5pE4oRpUJwo3syeps5+eGUTDI=\n", true},
		{"empty", "", false},
		{"no final newline", strings.TrimSuffix(good, "\n"), false},
		{"two lines", "o\n1\n", false},
		{"empty origin", "\n1\nrs1YPY0ydAV0lxgfrq5pE4oRpUJwo3syeps5+eGUTDI=\n", false},
		{"leading zero", "o\n01\nrs1YPY0ydAV0lxgfrq5pE4oRpUJwo3syeps5+eGUTDI=\n", false},
		{"plus sign", "o\n+1\nrs1YPY0ydAV0lxgfrq5pE4oRpUJwo3syeps5+eGUTDI=\n", false},
		{"negative", "o\n-1\nrs1YPY0ydAV0lxgfrq5pE4oRpUJwo3syeps5+eGUTDI=\n", false},
		{"size overflow", "o\n18446744073709551616\nrs1YPY0ydAV0lxgfrq5pE4oRpUJwo3syeps5+eGUTDI=\n", false},
		{"short hash", "o\n1\nrs1YPY0ydAV0lxgfrq5pE4oRpUJwo3syeps5+eGUTA=\n", false},
		{"hash not base64", "o\n1\n!!!!PY0ydAV0lxgfrq5pE4oRpUJwo3syeps5+eGUTDI=\n", false},
		{"non-canonical base64", "o\n1\nrs1YPY0ydAV0lxgfrq5pE4oRpUJwo3syeps5+eGUTDJ=\n", false},
		{"empty extension line", "o\n1\nrs1YPY0ydAV0lxgfrq5pE4oRpUJwo3syeps5+eGUTDI=\n\n", false},
		{"control character", "o\x01\n1\nrs1YPY0ydAV0lxgfrq5pE4oRpUJwo3syeps5+eGUTDI=\n", false},
		{"carriage return", "o\r\n1\nrs1YPY0ydAV0lxgfrq5pE4oRpUJwo3syeps5+eGUTDI=\n", false},
		{"invalid utf-8", "o\xff\n1\nrs1YPY0ydAV0lxgfrq5pE4oRpUJwo3syeps5+eGUTDI=\n", false},
		{"oversize", "o\n1\nrs1YPY0ydAV0lxgfrq5pE4oRpUJwo3syeps5+eGUTDI=\n" + strings.Repeat("x", tlog.MaxCheckpointSize) + "\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := tlog.ParseCheckpoint([]byte(tc.text))
			if !tc.ok {
				var me *tlog.MalformedError
				if !errors.As(err, &me) || !errors.Is(err, tlog.ErrVerification) {
					t.Fatalf("ParseCheckpoint = %+v, %v; want a MalformedError", c, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			out, err := tlog.FormatCheckpoint(c)
			if err != nil || string(out) != tc.text {
				t.Fatalf("FormatCheckpoint = %q, %v; want %q", out, err, tc.text)
			}
		})
	}
}

func TestVerifyCheckpoint(t *testing.T) {
	ed := newEd25519Log(t, "log.example.com")
	ec := newECDSALog(t, "ecdsa.example.com")
	v1 := newECDSALog(t, "rekor.example.com")
	impostor := newEd25519Log(t, "log.example.com") // same name, another key
	ed.grow(10)
	ec.grow(10)
	v1.grow(10)
	impostor.grow(10)
	body := ed.body(t, 10)
	v1Origin := tlog.RekorV1Origin("rekor.example.com", 1193050959916656506)
	v1Body, _ := tlog.FormatCheckpoint(&tlog.Checkpoint{Origin: v1Origin, Size: 10, Hash: v1.tree.HashAt(10), Extensions: []string{"Timestamp: 1"}})

	flipSig := func(msg []byte) []byte { return flipLastSig(t, msg) }
	manySigs := func() []byte {
		msg := ed.sign(t, body)
		var extra []byte
		for i := 0; i < tlog.MaxSignatures; i++ {
			extra = append(extra, []byte("— other.example AAAAAAAA\n")...)
		}
		return append(msg, extra...)
	}
	type want int
	const (
		ok want = iota
		malformed
		forged
		unknownKey
		wrongOrigin
		policy
	)
	for _, tc := range []struct {
		name   string
		msg    []byte
		origin string
		keys   []*tlog.LogKey
		want   want
	}{
		{"ed25519", ed.sign(t, body), ed.origin, []*tlog.LogKey{ed.key}, ok},
		{"ecdsa (rekor-tiles signer)", ec.sign(t, ec.body(t, 10)), ec.origin, []*tlog.LogKey{ec.key}, ok},
		{"rekor v1 origin", v1.sign(t, v1Body), v1Origin, []*tlog.LogKey{v1.key}, ok},
		{"among other keys", ed.sign(t, body), ed.origin, []*tlog.LogKey{ec.key, v1.key, ed.key}, ok},

		{"forged signature", flipSig(ed.sign(t, body)), ed.origin, []*tlog.LogKey{ed.key}, forged},
		{"forged ecdsa signature", flipSig(ec.sign(t, ec.body(t, 10))), ec.origin, []*tlog.LogKey{ec.key}, forged},
		{"text changed after signing", bytes.Replace(ed.sign(t, body), []byte("\n10\n"), []byte("\n11\n"), 1), ed.origin, []*tlog.LogKey{ed.key}, forged},
		{"unknown key, same name", impostor.sign(t, impostor.body(t, 10)), ed.origin, []*tlog.LogKey{ed.key}, unknownKey},
		{"no signature by the log named", ec.sign(t, ec.body(t, 10)), ed.origin, []*tlog.LogKey{ed.key}, unknownKey},
		{"wrong origin line", ed.sign(t, bytes.Replace(body, []byte("log.example.com\n"), []byte("other.example.com\n"), 1)), ed.origin, []*tlog.LogKey{ed.key}, wrongOrigin},
		{"rekor v1 other shard", v1.sign(t, v1Body), tlog.RekorV1Origin("rekor.example.com", 2), []*tlog.LogKey{v1.key}, wrongOrigin},
		{"no blank line", bytes.Replace(ed.sign(t, body), []byte("\n\n"), []byte("\n"), 1), ed.origin, []*tlog.LogKey{ed.key}, malformed},
		{"no signatures", append(bytes.Clone(body), '\n'), ed.origin, []*tlog.LogKey{ed.key}, malformed},
		{"bad signature base64", append(append(bytes.Clone(body), '\n'), []byte("— log.example.com !!!!\n")...), ed.origin, []*tlog.LogKey{ed.key}, malformed},
		{"signed malformed body", ed.sign(t, []byte("log.example.com\n010\nnot a hash\n")), ed.origin, []*tlog.LogKey{ed.key}, malformed},
		{"too many signature lines", manySigs(), ed.origin, []*tlog.LogKey{ed.key}, malformed},
		{"oversize", append(ed.sign(t, body), bytes.Repeat([]byte("— a AAAAAAAA\n"), tlog.MaxCheckpointSize/13)...), ed.origin, []*tlog.LogKey{ed.key}, malformed},

		{"no keys", ed.sign(t, body), ed.origin, nil, policy},
		{"no key for the origin", ed.sign(t, body), "elsewhere.example", []*tlog.LogKey{ed.key}, policy},
		{"no origin", ed.sign(t, body), "", []*tlog.LogKey{ed.key}, policy},
		{"two keys one name", ed.sign(t, body), ed.origin, []*tlog.LogKey{ed.key, impostor.key}, ok},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cp, err := tlog.VerifyCheckpoint(tc.msg, tc.origin, tc.keys...)
			if tc.want == ok {
				if err != nil {
					t.Fatal(err)
				}
				if cp.Size != 10 || cp.Origin != tc.origin || len(cp.Sigs) == 0 || !bytes.Equal(cp.Note, tc.msg) {
					t.Fatalf("checkpoint %+v", cp)
				}
				return
			}
			if cp != nil {
				t.Fatalf("got a checkpoint and %v", err)
			}
			var (
				me *tlog.MalformedError
				se *tlog.SignatureError
				oe *tlog.OriginError
				pe *tlog.PolicyError
			)
			switch tc.want {
			case policy:
				if !errors.As(err, &pe) || errors.Is(err, tlog.ErrVerification) {
					t.Fatalf("got %v, want a PolicyError that is not ErrVerification", err)
				}
				return
			case malformed:
				if !errors.As(err, &me) {
					t.Fatalf("got %v, want MalformedError", err)
				}
			case forged, unknownKey:
				if !errors.As(err, &se) || se.Forged != (tc.want == forged) {
					t.Fatalf("got %v, want SignatureError{Forged: %v}", err, tc.want == forged)
				}
			case wrongOrigin:
				if !errors.As(err, &oe) {
					t.Fatalf("got %v, want OriginError", err)
				}
			}
			if !errors.Is(err, tlog.ErrVerification) {
				t.Fatalf("%v does not wrap ErrVerification", err)
			}
		})
	}
}

func TestLogKeyValidity(t *testing.T) {
	l := newEd25519Log(t, "log.example.com")
	if err := l.key.CheckValidAt(testTime(2025)); !errors.Is(err, tlog.ErrVerification) {
		t.Fatalf("a key without a window: %v", err)
	}
	k := l.key.WithValidity(testTime(2024), testTime(2026))
	for _, tc := range []struct {
		year int
		ok   bool
	}{{2023, false}, {2024, true}, {2025, true}, {2026, true}, {2027, false}} {
		err := k.CheckValidAt(testTime(tc.year))
		var ke *tlog.KeyValidityError
		if tc.ok != (err == nil) || (!tc.ok && !errors.As(err, &ke)) {
			t.Errorf("%d: %v", tc.year, err)
		}
	}
	if err := l.key.WithValidity(testTime(2024), testTime(0)).CheckValidAt(testTime(2100)); err != nil {
		t.Errorf("open-ended window: %v", err)
	}
}
