package tlog_test

import (
	"bufio"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/ats-run/selfattest/verify/tlog"
)

// realLogKeys are the log keys of every conformance trusted root, as
// verifier keys.
func realLogKeys(t testing.TB) []string {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(conformance, "bundle-verify", "*", "trusted_root.json"))
	seen := map[string]bool{}
	var out []string
	for _, p := range paths[:min(len(paths), 20)] {
		for _, k := range loadKeys(t, p) {
			if s := tlog.FormatLogKey(k); !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("no log keys in the conformance trusted roots")
	}
	return out
}

func realWitnessKeys(t testing.TB) []string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "witnesses.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	for s := bufio.NewScanner(f); s.Scan(); {
		if l := strings.TrimSpace(s.Text()); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func TestParseLogKey(t *testing.T) {
	_, ed, err := note.GenerateKey(rand.Reader, "log.example")
	if err != nil {
		t.Fatal(err)
	}
	for _, vk := range append(realLogKeys(t), ed) {
		t.Run(vk, func(t *testing.T) {
			k, err := tlog.ParseLogKey(vk)
			if err != nil {
				t.Fatal(err)
			}
			if got := tlog.FormatLogKey(k); got != vk {
				t.Fatalf("FormatLogKey = %q, want %q", got, vk)
			}
		})
	}
	name, hash, b64 := splitVKey(ed)
	for _, tt := range []struct{ name, vkey string }{
		{"empty", ""},
		{"no hash", name + "+" + b64},
		{"wrong hash", name + "+00000000+" + b64},
		{"short hash", name + "+" + hash[1:] + "+" + b64},
		{"non-canonical base64 (trailing bits)", name + "+" + hash + "+" + b64[:len(b64)-2] + nonCanonical(b64[len(b64)-2]) + "="},
		{"base64 with a newline", name + "+" + hash + "+" + b64[:10] + "\n" + b64[10:]},
		{"truncated base64", name + "+" + hash + "+" + b64[:len(b64)-4]},
		{"witness key (type 0x04)", realWitnessKeys(t)[0]},
		{"another name", "other.example+" + hash + "+" + b64},
	} {
		t.Run(tt.name, func(t *testing.T) {
			k, err := tlog.ParseLogKey(tt.vkey)
			var pe *tlog.PolicyError
			if !errors.As(err, &pe) {
				t.Fatalf("ParseLogKey(%q) = %v, %v; want a *PolicyError", tt.vkey, k, err)
			}
			if errors.Is(err, tlog.ErrVerification) {
				t.Fatalf("a key that does not parse is not a rejected checkpoint: %v", err)
			}
		})
	}
}

func splitVKey(vk string) (name, hash, b64 string) {
	name, rest, _ := strings.Cut(vk, "+")
	hash, b64, _ = strings.Cut(rest, "+")
	return
}

// nonCanonical returns the base64 digit after c: the same 6-bit group's
// high bits with a different low (padding) bit, which lenient decoders
// accept and strict ones refuse.
func nonCanonical(c byte) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	i := strings.IndexByte(alphabet, c)
	return string(alphabet[i^1])
}

func FuzzParseLogKey(f *testing.F) {
	for _, vk := range realLogKeys(f) {
		f.Add(vk)
	}
	for _, vk := range realWitnessKeys(f) {
		f.Add(vk)
	}
	f.Fuzz(func(t *testing.T, vkey string) {
		k, err := tlog.ParseLogKey(vkey)
		if err != nil {
			var pe *tlog.PolicyError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T) is not a *PolicyError", err, err)
			}
			return
		}
		if got := tlog.FormatLogKey(k); !strings.EqualFold(got, vkey) {
			t.Fatalf("round trip: %q parsed, formats as %q", vkey, got)
		}
		if _, hash, _ := splitVKey(vkey); !strings.EqualFold(hash, strings.Split(k.String(), "+")[len(strings.Split(k.String(), "+"))-1]) {
			t.Fatalf("%q: hash %s, key says %s", vkey, hash, k)
		}
	})
}

func FuzzParseWitnessKey(f *testing.F) {
	for _, vk := range realWitnessKeys(f) {
		f.Add(vk)
	}
	for _, vk := range realLogKeys(f) {
		f.Add(vk)
	}
	f.Fuzz(func(t *testing.T, vkey string) {
		k, err := tlog.ParseWitnessKey(vkey)
		if err != nil {
			var pe *tlog.PolicyError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T) is not a *PolicyError", err, err)
			}
			return
		}
		// String is the cosignature/v1 form; it must parse to the same key.
		k2, err := tlog.ParseWitnessKey(k.String())
		if err != nil {
			t.Fatalf("%q parsed, its String %q does not: %v", vkey, k, err)
		}
		if k2.String() != k.String() || !k2.PublicKey().Equal(k.PublicKey()) || k2.Name() != k.Name() {
			t.Fatalf("round trip: %q → %q → %q", vkey, k, k2)
		}
		if name, _, _ := strings.Cut(vkey, "+"); name != k.Name() {
			t.Fatalf("%q: name %q", vkey, k.Name())
		}
	})
}
