package tlog_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/ats-run/selfattest/verify/tlog"
)

func TestVerifyWitnesses(t *testing.T) {
	l := newEd25519Log(t, "log.example.com")
	l.grow(20)
	w1, w2, w3 := newWitness(t, "w1.example"), newWitness(t, "w2.example"), newWitness(t, "w3.example")
	stranger := newWitness(t, "stranger.example")
	impostor := newWitness(t, "w3.example") // w3's name, another key
	all := []*tlog.WitnessKey{w1.key, w2.key, w3.key}
	body := l.body(t, 20)

	// dupLine adds a second, valid cosignature by w1 at another time.
	withDup := func(msg []byte) []byte {
		return append(bytes.Clone(msg), []byte(w1.cosignAt(body, 1700000000))...)
	}
	// flipLast corrupts the last signature line's signature bytes.
	flipLast := func(msg []byte) []byte { return flipLastSig(t, msg) }
	for _, tc := range []struct {
		name      string
		msg       []byte
		keys      []*tlog.WitnessKey
		threshold int
		ok        bool
		counted   int
		ignored   map[string]int
	}{
		{name: "2 of 3", msg: l.sign(t, body, w1.signer, w2.signer), keys: all, threshold: 2, ok: true, counted: 2},
		{name: "3 of 3", msg: l.sign(t, body, w1.signer, w2.signer, w3.signer), keys: all, threshold: 3, ok: true, counted: 3},
		{name: "k-1 valid", msg: l.sign(t, body, w1.signer), keys: all, threshold: 2, counted: 1},
		{name: "unknown witness does not count", msg: l.sign(t, body, w1.signer, stranger.signer), keys: all, threshold: 2, counted: 1,
			ignored: map[string]int{"unknown key": 1}},
		{name: "unknown witness ignored when threshold met", msg: l.sign(t, body, w1.signer, w2.signer, stranger.signer), keys: all, threshold: 2, ok: true, counted: 2,
			ignored: map[string]int{"unknown key": 1}},
		{name: "impostor under a named witness's name", msg: l.sign(t, body, w1.signer, impostor.signer), keys: all, threshold: 2, counted: 1,
			ignored: map[string]int{"unknown key": 1}},
		{name: "duplicate witness counts once", msg: withDup(l.sign(t, body, w1.signer)), keys: all, threshold: 2, counted: 1,
			ignored: map[string]int{"duplicate": 1}},
		{name: "duplicate key in policy counts once", msg: l.sign(t, body, w1.signer), keys: []*tlog.WitnessKey{w1.key, w1.key, w2.key}, threshold: 2, counted: 1},
		{name: "invalid cosignature does not count", msg: flipLast(l.sign(t, body, w1.signer, w2.signer)), keys: all, threshold: 2, counted: 1,
			ignored: map[string]int{"invalid": 1}},
		{name: "no cosignatures", msg: l.sign(t, body), keys: all, threshold: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cp, err := tlog.VerifyCheckpoint(tc.msg, l.origin, l.key)
			if err != nil {
				t.Fatal(err)
			}
			res, err := tlog.VerifyWitnesses(cp, tlog.WitnessPolicy{Keys: tc.keys, Threshold: tc.threshold})
			var counted []tlog.Cosignature
			var ignored []tlog.IgnoredSignature
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				counted, ignored = res.Cosignatures, res.Ignored
			} else {
				var we *tlog.WitnessError
				if !errors.As(err, &we) || !errors.Is(err, tlog.ErrVerification) || res != nil {
					t.Fatalf("got %v, want a WitnessError", err)
				}
				counted, ignored = we.Verified, we.Ignored
			}
			if len(counted) != tc.counted {
				t.Errorf("%d counted, want %d", len(counted), tc.counted)
			}
			got := map[string]int{}
			for _, s := range ignored {
				got[s.Reason]++
			}
			for reason, n := range tc.ignored {
				if got[reason] != n {
					t.Errorf("ignored %v, want %v", got, tc.ignored)
				}
			}
		})
	}
}

func TestVerifyWitnessesPolicy(t *testing.T) {
	l := newEd25519Log(t, "log.example.com")
	l.grow(3)
	w1 := newWitness(t, "w1.example")
	cp := l.checkpoint(t, 3, w1.signer)
	for _, tc := range []struct {
		name string
		cp   *tlog.VerifiedCheckpoint
		p    tlog.WitnessPolicy
	}{
		{"zero policy", cp, tlog.WitnessPolicy{}},
		{"threshold 0", cp, tlog.WitnessPolicy{Keys: []*tlog.WitnessKey{w1.key}}},
		{"threshold above keys", cp, tlog.WitnessPolicy{Keys: []*tlog.WitnessKey{w1.key, w1.key}, Threshold: 2}},
		{"nil key", cp, tlog.WitnessPolicy{Keys: []*tlog.WitnessKey{nil}, Threshold: 1}},
		{"unverified checkpoint", &tlog.VerifiedCheckpoint{Checkpoint: cp.Checkpoint, UnverifiedSigs: cp.UnverifiedSigs}, tlog.WitnessPolicy{Keys: []*tlog.WitnessKey{w1.key}, Threshold: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tlog.VerifyWitnesses(tc.cp, tc.p)
			var pe *tlog.PolicyError
			if !errors.As(err, &pe) || errors.Is(err, tlog.ErrVerification) {
				t.Fatalf("got %v, want a PolicyError", err)
			}
		})
	}
}

func TestParseWitnessKey(t *testing.T) {
	for _, tc := range []struct {
		name, vkey string
		ok         bool
	}{
		{"cosignature/v1 key", "witness.stagemole.eu+67f7aea0+BEqSG3yu9YrmcM3BHvQYTxwFj3uSWakQepafafpUqklv", true},
		{"wrong hash", "witness.stagemole.eu+67f7aea1+BEqSG3yu9YrmcM3BHvQYTxwFj3uSWakQepafafpUqklv", false},
		{"other name", "witness.stagemole.org+67f7aea0+BEqSG3yu9YrmcM3BHvQYTxwFj3uSWakQepafafpUqklv", false},
		{"ECDSA type", "w+67f7aea0+AkqSG3yu9YrmcM3BHvQYTxwFj3uSWakQepafafpUqklv", false},
		{"short key", "w+67f7aea0+BEqSG3yu9YrmcM3BHvQYTxwFj3uSWakQepafafpUqk=", false},
		{"no parts", "witness", false},
		{"private key", "PRIVATE+KEY+w+67f7aea0+BEqSG3yu9YrmcM3BHvQYTxwFj3uSWakQepafafpUqklv", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := tlog.ParseWitnessKey(tc.vkey)
			if tc.ok != (err == nil) {
				t.Fatalf("ParseWitnessKey = %v, %v", k, err)
			}
		})
	}
}

func TestParseCosignature(t *testing.T) {
	// A real cosignature line from the conformance data (rekor2-checkpoint-cosigned).
	line := note.Signature{Name: "witness.example", Hash: 0x3bc3c7e4,
		Base64: "O8PH5AAAAABopO8+4O9uzScQrNEnGdKLYXSPoUjH1Se4n92W+wT/j5Kel/4J2XWE4bEe9bpIVUD6EGOeUDFkSWz/rbDhvVcJ/2OrDw=="}
	ts, sig, err := tlog.ParseCosignature(line)
	if err != nil || ts.Unix() != 0x68a4ef3e || len(sig) != 72 {
		t.Fatalf("ParseCosignature = %v, %d bytes, %v", ts, len(sig), err)
	}
	for name, l := range map[string]note.Signature{
		"hash mismatch": {Name: line.Name, Hash: 1, Base64: line.Base64},
		"log signature": {Name: "l", Hash: 0xf30d5a99, Base64: "8w1amdbj1mjNN674dHAkD92+QZoEgBC7o0mXYSTRluDjQrOPjrps3zQB9ut+ShLepyZPsWBDi5IB3yXyjgjQT6OG9A8="},
		"not base64":    {Name: line.Name, Hash: line.Hash, Base64: "!"},
		"timestamp overflow": {Name: "w", Hash: 0x01020304, Base64: base64.StdEncoding.EncodeToString(
			append([]byte{1, 2, 3, 4, 0x80, 0, 0, 0, 0, 0, 0, 0}, make([]byte, 64)...))},
		"short": {Name: "w", Hash: 0x01020304, Base64: base64.StdEncoding.EncodeToString(
			append([]byte{1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 1}, make([]byte, 63)...))},
	} {
		t.Run(name, func(t *testing.T) {
			if _, _, err := tlog.ParseCosignature(l); !errors.Is(err, tlog.ErrVerification) {
				t.Fatalf("got %v", err)
			}
		})
	}
}
