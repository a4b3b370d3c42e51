package tlog

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	vtlog "github.com/ats-run/selfattest/verify/tlog"
	"golang.org/x/mod/sumdb/note"
)

func TestSignerKey(t *testing.T) {
	t.Run("x/mod key", func(t *testing.T) {
		skey, vkey, err := note.GenerateKey(rand.Reader, testOrigin)
		if err != nil {
			t.Fatal(err)
		}
		name, key, err := ParseSignerKey(skey)
		if err != nil {
			t.Fatal(err)
		}
		if name != testOrigin {
			t.Fatalf("name %q", name)
		}
		back, err := FormatSignerKey(name, key)
		if err != nil || back != skey {
			t.Fatalf("FormatSignerKey(ParseSignerKey(k)) = %q, %v; want k", back, err)
		}
		// The key's verifier, as verify/tlog builds it, is x/mod's.
		lk, err := vtlog.NewLogKey(name, key.Public())
		if err != nil {
			t.Fatal(err)
		}
		v, err := note.NewVerifier(vkey)
		if err != nil {
			t.Fatal(err)
		}
		if lk.KeyHash() != v.KeyHash() {
			t.Fatalf("key hash %08x, x/mod says %08x", lk.KeyHash(), v.KeyHash())
		}
	})
	good, err := FormatSignerKey(testOrigin, testKey("k"))
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, "+")
	for _, tc := range []struct{ name, skey string }{
		{"empty", ""},
		{"public key", strings.Replace(good, "PRIVATE+KEY+", "", 1)},
		{"no hash", "PRIVATE+KEY+" + testOrigin + "+" + parts[4]},
		{"wrong hash", "PRIVATE+KEY+" + testOrigin + "+00000000+" + parts[4]},
		{"short hash", "PRIVATE+KEY+" + testOrigin + "+0000000+" + parts[4]},
		{"other name", "PRIVATE+KEY+other.example+" + parts[3] + "+" + parts[4]},
		{"bad base64", good + "!"},
		{"short key", "PRIVATE+KEY+" + testOrigin + "+" + parts[3] + "+AQID"},
		{"other algorithm", "PRIVATE+KEY+" + testOrigin + "+" + parts[3] + "+Ag" + parts[4][2:]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ParseSignerKey(tc.skey)
			if !errors.Is(err, ErrConfig) {
				t.Fatalf("ParseSignerKey: %v, want ErrConfig", err)
			}
			if len(parts[4]) > 8 && strings.Contains(err.Error(), parts[4][:8]) {
				t.Fatalf("the error quotes the key: %v", err)
			}
		})
	}
	if _, err := FormatSignerKey("a b", testKey("k")); !errors.Is(err, ErrConfig) {
		t.Fatalf("FormatSignerKey with a bad name: %v", err)
	}
	if _, err := FormatSignerKey(testOrigin, ed25519.PrivateKey{1, 2}); !errors.Is(err, ErrConfig) {
		t.Fatalf("FormatSignerKey with a bad key: %v", err)
	}
}

func FuzzParseSignerKey(f *testing.F) {
	good, err := FormatSignerKey(testOrigin, testKey("fuzz"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add("PRIVATE+KEY+a+00000000+AQ==")
	f.Add("")
	f.Fuzz(func(t *testing.T, skey string) {
		name, key, err := ParseSignerKey(skey)
		if err != nil {
			return
		}
		back, err := FormatSignerKey(name, key)
		if err != nil {
			t.Fatalf("FormatSignerKey of a parsed key: %v", err)
		}
		if back != skey {
			t.Fatalf("ParseSignerKey accepted %q, which formats as %q", skey, back)
		}
	})
}
