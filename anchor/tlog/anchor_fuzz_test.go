package tlog

import (
	"errors"
	"testing"

	"github.com/ats-run/selfattest/anchor"
	vtlog "github.com/ats-run/selfattest/verify/tlog"
)

// FuzzParseEntry: ParseEntry and VerifyOffline never panic, every error
// wraps one of anchor's sentinels, a parsed entry written back parses to
// the same entry, and nothing fuzzed verifies.
func FuzzParseEntry(f *testing.F) {
	const cp = `"checkpoint":"log.selfattest.example\n2\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n— log.selfattest.example AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"`
	const h = `"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="`
	for _, s := range []string{
		`{"kind":"tlog","target":"log.selfattest.example","index":0}`,
		`{"kind":"tlog","target":"log.selfattest.example","index":1,"proof":[` + h + `],` + cp + `}`,
		`{"kind":"tlog","target":"log.selfattest.example","index":1,"publicKey":"MCowBQYDK2VwAyEAtekPm1+CwPbaYh7e4DNrffJzor9GwO3xO70/U4rblxM=","signature":"F9EFPWp/P+IDNtYqo6LqZE2Q4/0jXOrNZc9RkesYaChrd33NARaDP1ICjFJyBX/ib3rwY/V71zPBlZvkEuurAQ==","proof":[` + h + `],` + cp + `}`,
		`{"kind":"tlog","target":"log.selfattest.example","index":null}`,
		`{"kind":"tlog","target":"x","index":9007199254740992,"proof":[]}`,
		`{"kind":"tlog","target":"x","index":1.5}`,
		`{"kind":"eth","target":"x","index":1}`,
	} {
		f.Add([]byte(s))
	}
	lk, err := vtlog.NewLogKey(testOrigin, testKey("anchor").Public())
	if err != nil {
		f.Fatal(err)
	}
	v, err := NewVerifier(testOrigin, []*vtlog.LogKey{lk}, VerifierOptions{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := anchor.ParseEntry(data)
		if err != nil {
			return
		}
		x, err := ParseEntry(e)
		if err != nil {
			if !errors.Is(err, anchor.ErrBadInput) {
				t.Fatalf("ParseEntry error wraps no ErrBadInput: %v", err)
			}
		} else {
			back, err := x.Entry()
			if err != nil {
				t.Fatalf("a parsed entry cannot be written back: %v", err)
			}
			y, err := ParseEntry(back)
			if err != nil {
				t.Fatalf("an entry written back does not parse: %v\n%s", err, back.JSON())
			}
			again, _ := y.Entry()
			if !again.Equal(back) {
				t.Fatalf("written twice, two entries:\n%s\n%s", back.JSON(), again.JSON())
			}
		}
		err = v.VerifyOffline(anchor.Hash{}, e)
		if err == nil {
			t.Fatalf("a fuzzed entry verified: %s", data)
		}
		if !errors.Is(err, anchor.ErrBadInput) && !errors.Is(err, anchor.ErrAnchor) && !errors.Is(err, anchor.ErrPending) {
			t.Fatalf("error wraps no sentinel: %v", err)
		}
	})
}
