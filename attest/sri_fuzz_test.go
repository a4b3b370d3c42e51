package attest

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
)

// FuzzParseIntegrity checks, for any attribute and any content, that
// ParseIntegrity does not panic and stays within its limits, that String
// round-trips the usable tokens, that Match never passes without a usable
// token, and that whenever Match passes a usable token of the strongest
// algorithm named really holds the content's digest.
func FuzzParseIntegrity(f *testing.F) {
	hello := []byte(helloJS)
	for _, seed := range []string{
		"",
		" \t\n",
		hello256,
		hello384,
		hello512,
		hello384 + "\n                    " + hello512,
		spec384a + "\n" + spec384b,
		hello384 + "?ct=application/javascript",
		"sha1-AAAA " + hello256,
		"sha1024-AAAA md5-AAAA",
		"SHA384-" + hello384[len("sha384-"):],
		"sha-512-" + hello512[len("sha512-"):] + " " + hello384,
		"sha512-" + hello256[len("sha256-"):] + " " + hello384,
		"sha256-" + strings.TrimRight(hello256[len("sha256-"):], "="),
		"sha384-" + strings.NewReplacer("+", "-", "/", "_").Replace(hello384[len("sha384-"):]),
		hello384 + "\v" + hello512,
		"sha256 sha256- -sha256 ?-? sha256-?",
		hello256 + " " + spec384a, // the weaker matches, the stronger does not
	} {
		f.Add(seed, hello)
		f.Add(seed, []byte("alert('Hello, world!');"))
	}
	f.Fuzz(func(t *testing.T, s string, content []byte) {
		m := ParseIntegrity(s)
		if n := len(m.Tokens) + len(m.Ignored); n > maxIntegrityTokens+1 {
			t.Fatalf("%d entries, limit is %d tokens and one excess entry", n, maxIntegrityTokens)
		}
		for _, tok := range m.Tokens {
			if !tok.usable() {
				t.Fatalf("unusable token %+v in Tokens", tok)
			}
		}
		for _, ig := range m.Ignored {
			if ig.Reason == "" {
				t.Fatalf("ignored token %q has no reason", ig.Token)
			}
		}

		// Round trip: String writes the usable tokens back, and nothing
		// it writes is ignored.
		out := m.String()
		back := ParseIntegrity(out)
		if len(back.Ignored) != 0 {
			t.Fatalf("ParseIntegrity(%q) ignored %v", out, back.Ignored)
		}
		if !slices.EqualFunc(m.Tokens, back.Tokens, func(a, b IntegrityToken) bool {
			return a.Algorithm == b.Algorithm && bytes.Equal(a.Digest, b.Digest) && a.Options == b.Options
		}) {
			t.Fatalf("round trip of %q: Tokens %v became %v", s, m.Tokens, back.Tokens)
		}
		if back.String() != out {
			t.Fatalf("String not stable: %q then %q", out, back.String())
		}

		d := digestsOf(content)
		err := m.Match(d)
		if len(m.Tokens) == 0 {
			if !errors.Is(err, ErrNoIntegrity) {
				t.Fatalf("no usable tokens in %q, Match = %v, want ErrNoIntegrity", s, err)
			}
			return
		}
		if err != nil {
			if !errors.Is(err, ErrIntegrityMismatch) {
				t.Fatalf("Match = %v, want nil or a mismatch", err)
			}
			return
		}
		// Match passed: recompute, independently of Match, the strongest
		// algorithm named by any token, used or ignored, and check that a
		// token of that algorithm holds the content's digest.
		var strongest Algorithm
		for _, tok := range m.Tokens {
			if tok.Algorithm.rank() > strongest.rank() {
				strongest = tok.Algorithm
			}
		}
		for _, ig := range m.Ignored {
			if ig.Algorithm.rank() > strongest.rank() {
				strongest = ig.Algorithm
			}
		}
		for _, tok := range m.Tokens {
			if tok.Algorithm == strongest && bytes.Equal(tok.Digest, d.Sum(strongest)) {
				return
			}
		}
		t.Fatalf("Match(%q) passed, but no %s token holds the digest", s, strongest)
	})
}
