package attest

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// The example of W3C SRI section 3.1 ("Integrity metadata") and 3.2.1
// ("Agility"): a script holding only helloJS, and the digests the
// specification prints for it. hello256 is not printed by the
// specification; it was computed with
//
//	printf '%s' "alert('Hello, world.');" | openssl dgst -sha256 -binary | base64
//
// and TestSRISpecVectors checks all three against crypto/sha256 and
// crypto/sha512 directly, never through the code under test.
const (
	helloJS  = "alert('Hello, world.');"
	hello256 = "sha256-qznLcsROx4GACP2dm0UCKCzCG+HiZ1guq6ZZDob/Tng="
	hello384 = "sha384-H8BRh8j48O9oYatfu5AZzq6A9RINhZO5H16dQZngK7T62em8MUt1FLm52t+eX6xO"
	hello512 = "sha512-Q2bFTOhEALkN8hOms2FKTDLy7eugP2zFZ1T8LCvX42Fp3WoNr3bjZSAHeOsHrbV1Fu9/A0EzCinRE7Af1ofPrw=="
	// Two sha384 values from the specification's examples for resources we
	// do not have: well-formed, and matching neither helloJS nor anything
	// else in these tests.
	spec384a = "sha384-Li9vy3DqF8tnTXuiaAJuML3ky+er10rcgNR/VqsVpcw+ThHmYcwiB1pbOxEbzJr7"
	spec384b = "sha384-+/M6kredJcxdsqkczBUjMLvqyHb1K/JThDXWsBVxMEeZHEaMKEOEct339VItX1zB"
)

// digestsOf measures b with crypto/sha256 and crypto/sha512 directly, so
// the SRI tests do not depend on Measure.
func digestsOf(b []byte) Digests {
	return Digests{
		Size:   int64(len(b)),
		SHA256: sha256.Sum256(b),
		SHA384: sha512.Sum384(b),
		SHA512: sha512.Sum512(b),
	}
}

// sriOf computes "alg-<base64>" of b with the standard library only.
func sriOf(t *testing.T, alg string, b []byte) string {
	t.Helper()
	var sum []byte
	switch alg {
	case "sha256":
		s := sha256.Sum256(b)
		sum = s[:]
	case "sha384":
		s := sha512.Sum384(b)
		sum = s[:]
	case "sha512":
		s := sha512.Sum512(b)
		sum = s[:]
	default:
		t.Fatalf("sriOf: unknown algorithm %q", alg)
	}
	return alg + "-" + base64.StdEncoding.EncodeToString(sum)
}

// b64 returns the value part of an "alg-<base64>" string.
func b64(t *testing.T, sri string) string {
	t.Helper()
	_, v, ok := strings.Cut(sri, "-")
	if !ok {
		t.Fatalf("b64: %q has no '-'", sri)
	}
	return v
}

func TestSRISpecVectors(t *testing.T) {
	for _, tt := range []struct{ alg, want string }{
		{"sha256", hello256},
		{"sha384", hello384},
		{"sha512", hello512},
	} {
		t.Run(tt.alg, func(t *testing.T) {
			if got := sriOf(t, tt.alg, []byte(helloJS)); got != tt.want {
				t.Fatalf("%s(%q) = %s, the specification prints %s", tt.alg, helloJS, got, tt.want)
			}
		})
	}
}

// tamper returns value with its character at i replaced by c.
func tamper(value string, i int, c byte) string {
	b := []byte(value)
	if i < 0 {
		i += len(b)
	}
	b[i] = c
	return string(b)
}

func TestParseIntegrity(t *testing.T) {
	type ign struct {
		reason IgnoreReason
		alg    Algorithm
	}
	v256, v384, v512 := b64(t, hello256), b64(t, hello384), b64(t, hello512)
	long := strings.Repeat(" ", maxIntegrityLen-len(hello384)) + hello384 + " "
	var many []string
	for range maxIntegrityTokens {
		many = append(many, "sha1-AAAA")
	}
	tests := []struct {
		name    string
		in      string
		tokens  []string // want Tokens, as IntegrityToken.String
		ignored []ign
	}{
		{name: "empty", in: ""},
		{name: "whitespace only", in: " \t\r\n\f "},
		{name: "spec sha384", in: hello384, tokens: []string{hello384}},
		{name: "spec agility across lines", in: hello384 + "\n                    " + hello512,
			tokens: []string{hello384, hello512}},
		{name: "spec two sha384", in: spec384a + "\n " + spec384b, tokens: []string{spec384a, spec384b}},
		{name: "all ASCII whitespace separates", in: "\t" + hello256 + "\f" + hello384 + "\r" + hello512 + "\n",
			tokens: []string{hello256, hello384, hello512}},
		{name: "options kept", in: hello384 + "?ct=application/javascript", tokens: []string{hello384 + "?ct=application/javascript"}},
		{name: "options with more question marks", in: hello384 + "?a?b=-c", tokens: []string{hello384 + "?a?b=-c"}},
		{name: "empty options dropped", in: hello384 + "?", tokens: []string{hello384}},
		{name: "duplicate kept", in: hello384 + " " + hello384, tokens: []string{hello384, hello384}},
		{name: "unknown algorithm sha1", in: "sha1-" + v256 + " " + hello384, tokens: []string{hello384},
			ignored: []ign{{IgnoredUnknownAlgorithm, ""}}},
		{name: "unknown algorithm only", in: "md5-" + v256 + " sha3-256-" + v256 + " ed25519-" + v256,
			ignored: []ign{{IgnoredUnknownAlgorithm, ""}, {IgnoredUnknownAlgorithm, ""}, {IgnoredUnknownAlgorithm, ""}}},
		{name: "no dash", in: "sha256" + " " + "foo", ignored: []ign{{IgnoredEmptyDigest, SHA256}, {IgnoredMalformed, ""}}},
		{name: "empty value", in: "sha384-", ignored: []ign{{IgnoredEmptyDigest, SHA384}}},
		{name: "empty value with options", in: "sha384-?x", ignored: []ign{{IgnoredEmptyDigest, SHA384}}},
		{name: "options before dash", in: "sha384?x-" + v384, ignored: []ign{{IgnoredEmptyDigest, SHA384}}},
		{name: "upper-case algorithm", in: "SHA384-" + v384, ignored: []ign{{IgnoredAlgorithmSpelling, SHA384}}},
		{name: "mixed-case algorithm", in: "Sha512-" + v512, ignored: []ign{{IgnoredAlgorithmSpelling, SHA512}}},
		{name: "dashed algorithm", in: "sha-256-" + v256 + " SHA-512-" + v512,
			ignored: []ign{{IgnoredAlgorithmSpelling, SHA256}, {IgnoredAlgorithmSpelling, SHA512}}},
		{name: "sha- without known size", in: "sha-1-" + v256, ignored: []ign{{IgnoredUnknownAlgorithm, ""}}},
		{name: "base64url", in: "sha384-" + strings.NewReplacer("+", "-", "/", "_").Replace(v384),
			ignored: []ign{{IgnoredBadBase64, SHA384}}},
		{name: "base64url underscore", in: "sha512-" + strings.NewReplacer("+", "-", "/", "_").Replace(v512),
			ignored: []ign{{IgnoredBadBase64, SHA512}}},
		{name: "unpadded", in: "sha512-" + strings.TrimRight(v512, "="), ignored: []ign{{IgnoredBadBase64, SHA512}}},
		{name: "over-padded", in: "sha256-" + v256 + "=", ignored: []ign{{IgnoredBadBase64, SHA256}}},
		{name: "truncated", in: "sha256-" + v256[:len(v256)-3], ignored: []ign{{IgnoredBadBase64, SHA256}}},
		// "…/Tng=": 'g' carries two zero bits; 'h' sets one. Decoders that
		// drop the bits give the right digest, but the text is not the one
		// a browser computes, so it never matches there.
		{name: "non-zero trailing bits", in: "sha256-" + tamper(v256, -2, 'h'), ignored: []ign{{IgnoredBadBase64, SHA256}}},
		{name: "stray character", in: "sha384-" + tamper(v384, 5, '.'), ignored: []ign{{IgnoredBadBase64, SHA384}}},
		{name: "short digest", in: "sha256-" + v256[:40] + "==", ignored: []ign{{IgnoredBadBase64, SHA256}}},
		{name: "sixteen-byte digest", in: "sha256-" + base64.StdEncoding.EncodeToString(make([]byte, 16)),
			ignored: []ign{{IgnoredDigestLength, SHA256}}},
		{name: "sha512 digest named sha256", in: "sha256-" + v512, ignored: []ign{{IgnoredDigestLength, SHA256}}},
		{name: "sha256 digest named sha512", in: "sha512-" + v256, ignored: []ign{{IgnoredDigestLength, SHA512}}},
		{name: "value with dash", in: "sha256-" + v256[:4] + "-" + v256[4:], ignored: []ign{{IgnoredBadBase64, SHA256}}},
		{name: "vertical tab", in: hello384 + "\v" + hello512, ignored: []ign{{IgnoredBadCharacter, ""}}},
		{name: "NUL", in: hello384 + "\x00", ignored: []ign{{IgnoredBadCharacter, ""}}},
		{name: "DEL", in: hello384 + "?\x7f", ignored: []ign{{IgnoredBadCharacter, ""}}},
		{name: "non-breaking space", in: hello384 + "\u00a0" + hello512, ignored: []ign{{IgnoredBadCharacter, ""}}},
		{name: "long s is not s", in: "\u017fha256-" + v256, ignored: []ign{{IgnoredBadCharacter, ""}}},
		{name: "exactly 64 KiB", in: long[:maxIntegrityLen], tokens: []string{hello384}},
		{name: "over 64 KiB", in: long, ignored: []ign{{IgnoredTooLong, ""}}},
		{name: "256 tokens", in: strings.Join(many, " "),
			ignored: slices.Repeat([]ign{{IgnoredUnknownAlgorithm, ""}}, maxIntegrityTokens)},
		{name: "past 256 tokens", in: strings.Join(many, " ") + " sha256-x " + hello384 + " sha-512-y  ",
			ignored: append(slices.Repeat([]ign{{IgnoredUnknownAlgorithm, ""}}, maxIntegrityTokens),
				ign{IgnoredTooManyTokens, SHA512})},
		{name: "past 256 tokens no algorithm", in: strings.Join(many, " ") + " sha1-x",
			ignored: append(slices.Repeat([]ign{{IgnoredUnknownAlgorithm, ""}}, maxIntegrityTokens),
				ign{IgnoredTooManyTokens, ""})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := ParseIntegrity(tt.in)
			var tokens []string
			for _, tok := range m.Tokens {
				tokens = append(tokens, tok.String())
				if len(tok.Digest) != tok.Algorithm.Size() || tok.Algorithm.Size() == 0 {
					t.Errorf("token %s: %d-byte digest for %q", tok, len(tok.Digest), tok.Algorithm)
				}
			}
			if !slices.Equal(tokens, tt.tokens) {
				t.Errorf("Tokens = %q, want %q", tokens, tt.tokens)
			}
			var ignored []ign
			for _, ig := range m.Ignored {
				ignored = append(ignored, ign{ig.Reason, ig.Algorithm})
				if ig.Token == "" && ig.Reason != IgnoredTooLong {
					t.Errorf("ignored token with empty text: %+v", ig)
				}
				if strings.ContainsAny(ig.Token, asciiWhitespace) && ig.Reason != IgnoredTooManyTokens &&
					ig.Reason != IgnoredBadCharacter && ig.Reason != IgnoredTooLong {
					t.Errorf("ignored token %q holds whitespace", ig.Token)
				}
			}
			if !slices.Equal(ignored, tt.ignored) {
				t.Errorf("Ignored = %v, want %v", ignored, tt.ignored)
			}
		})
	}
}

func TestParseIntegrityDigestBytes(t *testing.T) {
	m := ParseIntegrity(hello512 + "?x " + hello384)
	want512 := sha512.Sum512([]byte(helloJS))
	want384 := sha512.Sum384([]byte(helloJS))
	if len(m.Tokens) != 2 {
		t.Fatalf("got %d tokens, want 2", len(m.Tokens))
	}
	for i, want := range []IntegrityToken{
		{Algorithm: SHA512, Digest: want512[:], Options: "x"},
		{Algorithm: SHA384, Digest: want384[:]},
	} {
		got := m.Tokens[i]
		if got.Algorithm != want.Algorithm || !bytes.Equal(got.Digest, want.Digest) || got.Options != want.Options {
			t.Errorf("Tokens[%d] = %+v, want %+v", i, got, want)
		}
	}
}

func TestIntegrityMatch(t *testing.T) {
	hello := []byte(helloJS)
	flipped := bytes.Clone(hello)
	flipped[len(flipped)-2] ^= 0x01 // ')' becomes '('
	other := []byte("alert('Hello, world!');")
	v256, v384, v512 := b64(t, hello256), b64(t, hello384), b64(t, hello512)
	bad256, bad384, bad512 := sriOf(t, "sha256", other), sriOf(t, "sha384", other), sriOf(t, "sha512", other)
	hello256Sum := sha256.Sum256(hello)
	var many []string
	for range maxIntegrityTokens - 1 {
		many = append(many, "sha1-AAAA")
	}
	tests := []struct {
		name string
		attr string
		data []byte
		want error     // nil, ErrNoIntegrity or ErrIntegrityMismatch
		alg  Algorithm // for a mismatch: the algorithm compared
		exp  []string  // for a mismatch: Expected
	}{
		{name: "spec sha384", attr: hello384, data: hello},
		{name: "spec sha512", attr: hello512, data: hello},
		{name: "spec sha256", attr: hello256, data: hello},
		{name: "spec agility", attr: hello384 + "\n  " + hello512, data: hello},
		{name: "with options", attr: hello384 + "?ct=application/javascript", data: hello},
		{name: "unknown option ignored", attr: "sha1-AAAA?x " + hello512 + "?future-option", data: hello},
		{name: "second of two sha384 matches", attr: spec384a + " " + hello384, data: hello},
		{name: "unknown algorithm beside usable", attr: "sha1-" + v256 + " " + hello256, data: hello},
		{name: "stronger matches weaker does not", attr: bad256 + " " + hello512, data: hello},
		{name: "all three", attr: hello256 + " " + hello384 + " " + hello512, data: hello},

		{name: "flipped byte", attr: hello384, data: flipped, want: ErrIntegrityMismatch, alg: SHA384, exp: []string{hello384}},
		{name: "other content", attr: hello256, data: other, want: ErrIntegrityMismatch, alg: SHA256, exp: []string{hello256}},
		{name: "empty content", attr: hello256, data: nil, want: ErrIntegrityMismatch, alg: SHA256, exp: []string{hello256}},
		{name: "spec two sha384 neither matches", attr: spec384a + " " + spec384b, data: hello,
			want: ErrIntegrityMismatch, alg: SHA384, exp: []string{spec384a, spec384b}},
		{name: "weaker matches strongest does not", attr: hello256 + " " + bad384, data: hello,
			want: ErrIntegrityMismatch, alg: SHA384, exp: []string{bad384}},
		{name: "sha384 matches sha512 does not", attr: hello384 + "\n" + bad512, data: hello,
			want: ErrIntegrityMismatch, alg: SHA512, exp: []string{bad512}},
		{name: "strongest last", attr: bad512 + " " + hello384 + " " + hello256, data: hello,
			want: ErrIntegrityMismatch, alg: SHA512, exp: []string{bad512}},

		{name: "empty attribute", attr: "", data: hello, want: ErrNoIntegrity},
		{name: "whitespace attribute", attr: " \t\n ", data: hello, want: ErrNoIntegrity},
		{name: "unknown algorithm only", attr: "sha1-" + v256 + " md5-" + v256, data: hello, want: ErrNoIntegrity},
		{name: "truncated only", attr: "sha384-" + v384[:60], data: hello, want: ErrNoIntegrity},
		{name: "wrong length only", attr: "sha256-" + v512, data: hello, want: ErrNoIntegrity},
		{name: "digest prefix only", attr: "sha256-" + base64.StdEncoding.EncodeToString(hello256Sum[:16]),
			data: hello, want: ErrNoIntegrity},
		{name: "upper-case only", attr: "SHA384-" + v384, data: hello, want: ErrNoIntegrity},
		{name: "base64url only", attr: "sha384-" + strings.NewReplacer("+", "-", "/", "_").Replace(v384),
			data: hello, want: ErrNoIntegrity},
		// Lenient decoders read this as the right digest; a browser's text
		// comparison never matches it.
		{name: "non-zero trailing bits only", attr: "sha256-" + tamper(v256, -2, 'h'), data: hello, want: ErrNoIntegrity},
		{name: "unpadded only", attr: "sha512-" + strings.TrimRight(v512, "="), data: hello, want: ErrNoIntegrity},
		{name: "vertical tab", attr: hello384 + "\v" + bad512, data: hello, want: ErrNoIntegrity},
		{name: "vertical tab glued", attr: hello384 + "\vfoo", data: hello, want: ErrNoIntegrity},
		{name: "over 64 KiB", attr: hello384 + strings.Repeat(" ", maxIntegrityLen), data: hello, want: ErrNoIntegrity},

		// An ignored token of a stronger algorithm still makes that
		// algorithm the strongest: a browser that keeps it refuses the
		// bytes, so we do too.
		{name: "truncated strongest", attr: "sha512-" + v512[:40] + " " + hello384, data: hello,
			want: ErrIntegrityMismatch, alg: SHA512, exp: []string{"sha512-" + v512[:40]}},
		{name: "wrong length strongest", attr: "sha512-" + v256 + " " + hello384, data: hello,
			want: ErrIntegrityMismatch, alg: SHA512, exp: []string{"sha512-" + v256}},
		{name: "empty strongest", attr: "sha512- " + hello384, data: hello,
			want: ErrIntegrityMismatch, alg: SHA512, exp: []string{"sha512-"}},
		{name: "base64url strongest", attr: "sha512-" + strings.ReplaceAll(v512, "/", "_") + " " + hello256, data: hello,
			want: ErrIntegrityMismatch, alg: SHA512, exp: []string{"sha512-" + strings.ReplaceAll(v512, "/", "_")}},
		// Upper case: the current draft reads "SHA512-<wrong>" as sha512 and
		// refuses; Chromium ignores "SHA512-<right>" and checks sha256.
		{name: "upper-case strongest wrong", attr: "SHA512-" + b64(t, bad512) + " " + hello256, data: hello,
			want: ErrIntegrityMismatch, alg: SHA512, exp: []string{"SHA512-" + b64(t, bad512)}},
		{name: "upper-case strongest right", attr: "SHA512-" + v512 + " " + bad256, data: hello,
			want: ErrIntegrityMismatch, alg: SHA512, exp: []string{"SHA512-" + v512}},
		// Chromium reads "sha-512-" as sha512; the specification does not.
		{name: "dashed strongest wrong", attr: "sha-512-" + b64(t, bad512) + " " + hello384, data: hello,
			want: ErrIntegrityMismatch, alg: SHA512, exp: []string{"sha-512-" + b64(t, bad512)}},
		{name: "stronger past token limit", attr: strings.Join(many, " ") + " " + hello384 + " " + bad512, data: hello,
			want: ErrIntegrityMismatch, alg: SHA512, exp: []string{bad512}},
		{name: "weaker past token limit", attr: strings.Join(many, " ") + " " + hello384 + " " + bad256, data: hello},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ParseIntegrity(tt.attr).Match(digestsOf(tt.data))
			switch tt.want {
			case nil:
				if err != nil {
					t.Fatalf("Match = %v, want nil", err)
				}
				return
			case ErrNoIntegrity:
				if !errors.Is(err, ErrNoIntegrity) || errors.Is(err, ErrIntegrityMismatch) {
					t.Fatalf("Match = %v, want ErrNoIntegrity only", err)
				}
				return
			}
			if errors.Is(err, ErrNoIntegrity) {
				t.Fatalf("Match = %v, want a mismatch, not ErrNoIntegrity", err)
			}
			var mm *IntegrityMismatchError
			if !errors.Is(err, ErrIntegrityMismatch) || !errors.As(err, &mm) {
				t.Fatalf("Match = %v, want *IntegrityMismatchError", err)
			}
			if mm.Algorithm != tt.alg {
				t.Errorf("Algorithm = %q, want %q", mm.Algorithm, tt.alg)
			}
			if want := sriOf(t, string(tt.alg), tt.data); mm.Actual != want {
				t.Errorf("Actual = %s, want %s", mm.Actual, want)
			}
			if !slices.Equal(mm.Expected, tt.exp) {
				t.Errorf("Expected = %q, want %q", mm.Expected, tt.exp)
			}
		})
	}
}

// TestIntegrityMatchLiteral holds a hand-built Integrity, which skips
// ParseIntegrity's checks, to the same rules.
func TestIntegrityMatchLiteral(t *testing.T) {
	hello := []byte(helloJS)
	d := digestsOf(hello)
	tests := []struct {
		name string
		m    Integrity
		want error
	}{
		{name: "good", m: Integrity{Tokens: []IntegrityToken{{Algorithm: SHA384, Digest: d.SHA384[:]}}}},
		{name: "zero value", m: Integrity{}, want: ErrNoIntegrity},
		{name: "nil digest", m: Integrity{Tokens: []IntegrityToken{{Algorithm: SHA256}}}, want: ErrNoIntegrity},
		{name: "digest prefix", m: Integrity{Tokens: []IntegrityToken{{Algorithm: SHA256, Digest: d.SHA256[:16]}}},
			want: ErrNoIntegrity},
		{name: "digest with extra byte", m: Integrity{Tokens: []IntegrityToken{{Algorithm: SHA256, Digest: append(bytes.Clone(d.SHA256[:]), 0)}}},
			want: ErrNoIntegrity},
		{name: "sha512 digest named sha384", m: Integrity{Tokens: []IntegrityToken{{Algorithm: SHA384, Digest: d.SHA512[:]}}},
			want: ErrNoIntegrity},
		{name: "upper-case algorithm", m: Integrity{Tokens: []IntegrityToken{{Algorithm: "SHA384", Digest: d.SHA384[:]}}},
			want: ErrNoIntegrity},
		{name: "unknown algorithm", m: Integrity{Tokens: []IntegrityToken{{Algorithm: "sha1", Digest: d.SHA256[:20]}}},
			want: ErrNoIntegrity},
		{name: "bad options", m: Integrity{Tokens: []IntegrityToken{{Algorithm: SHA384, Digest: d.SHA384[:], Options: "a b"}}},
			want: ErrNoIntegrity},
		{name: "unusable stronger token", m: Integrity{Tokens: []IntegrityToken{
			{Algorithm: SHA512, Digest: d.SHA512[:63]},
			{Algorithm: SHA384, Digest: d.SHA384[:]},
		}}, want: ErrIntegrityMismatch},
		{name: "ignored stronger token", m: Integrity{
			Tokens:  []IntegrityToken{{Algorithm: SHA256, Digest: d.SHA256[:]}},
			Ignored: []IgnoredToken{{Token: "x", Reason: IgnoredBadBase64, Algorithm: SHA384}},
		}, want: ErrIntegrityMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.m.Match(d)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Match = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Match = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestIntegrityMatchUnmeasured(t *testing.T) {
	zero := make([]byte, sha512.Size384)
	m := Integrity{Tokens: []IntegrityToken{{Algorithm: SHA384, Digest: zero}}}
	for _, tt := range []struct {
		name string
		d    Digests
	}{
		{"zero Digests", Digests{}},
		{"only sha256 set", Digests{SHA256: sha256.Sum256(nil)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := m.Match(tt.d)
			if err == nil || errors.Is(err, ErrIntegrityMismatch) || errors.Is(err, ErrNoIntegrity) {
				t.Fatalf("Match = %v, want a could-not-check error wrapping neither sentinel", err)
			}
		})
	}
}

func TestIntegrityStrongest(t *testing.T) {
	tests := []struct {
		name string
		attr string
		want []string
	}{
		{"empty", "", nil},
		{"one", hello256, []string{hello256}},
		{"spec agility", hello384 + " " + hello512, []string{hello512}},
		{"order does not matter", hello512 + " " + hello256 + " " + hello384, []string{hello512}},
		{"same strength kept in order", spec384a + " " + hello256 + " " + spec384b + "?o", []string{spec384a, spec384b + "?o"}},
		{"unknown algorithms do not count", hello256 + " sha1024-AAAA", []string{hello256}},
		{"ignored stronger token empties it", hello256 + " sha384-AAAA", nil},
		{"upper-case stronger token empties it", hello256 + " SHA384-" + b64(t, hello384), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, tok := range ParseIntegrity(tt.attr).Strongest() {
				got = append(got, tok.String())
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("Strongest = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestIntegrityString(t *testing.T) {
	d := digestsOf([]byte(helloJS))
	tests := []struct {
		name string
		m    Integrity
		want string
	}{
		{"empty", Integrity{}, ""},
		{"parsed", ParseIntegrity("\t" + hello384 + "?a=b\n sha1-x  " + hello512 + "? SHA256-y"), hello384 + "?a=b " + hello512},
		{"unusable tokens left out", Integrity{Tokens: []IntegrityToken{
			{Algorithm: SHA256, Digest: d.SHA256[:31]},
			{Algorithm: SHA384, Digest: d.SHA384[:], Options: "o"},
			{Algorithm: "md5", Digest: d.SHA256[:16]},
			{Algorithm: SHA512, Digest: d.SHA512[:], Options: "two words"},
		}}, hello384 + "?o"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.m.String(); got != tt.want {
				t.Fatalf("String = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFormatIntegrity(t *testing.T) {
	hello := []byte(helloJS)
	d := digestsOf(hello)
	tests := []struct {
		name string
		algs []Algorithm
		want string
	}{
		{"default is every algorithm", nil, hello256 + " " + hello384 + " " + hello512},
		{"one", []Algorithm{SHA384}, hello384},
		{"order kept", []Algorithm{SHA512, SHA256}, hello512 + " " + hello256},
		{"duplicates dropped", []Algorithm{SHA384, SHA384}, hello384},
		{"unsupported dropped", []Algorithm{"md5", "SHA384", SHA256}, hello256},
		{"nothing supported", []Algorithm{"sha1"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FormatIntegrity(d, tt.algs...)
			if got != tt.want {
				t.Fatalf("FormatIntegrity = %q, want %q", got, tt.want)
			}
			m := ParseIntegrity(got)
			if len(m.Ignored) != 0 {
				t.Errorf("ParseIntegrity(FormatIntegrity) ignored %v", m.Ignored)
			}
			err := m.Match(d)
			if tt.want == "" {
				if !errors.Is(err, ErrNoIntegrity) {
					t.Errorf("Match = %v, want ErrNoIntegrity", err)
				}
			} else if err != nil {
				t.Errorf("Match of own FormatIntegrity = %v", err)
			}
		})
	}
}

func TestIntegrityMismatchError(t *testing.T) {
	err := ParseIntegrity(hello384).Match(digestsOf([]byte("tampered")))
	wrapped := fmt.Errorf("checking app.js: %w", err)
	for _, tt := range []struct {
		name string
		err  error
	}{{"direct", err}, {"wrapped", wrapped}} {
		t.Run(tt.name, func(t *testing.T) {
			if !errors.Is(tt.err, ErrIntegrityMismatch) {
				t.Errorf("errors.Is(%v, ErrIntegrityMismatch) = false", tt.err)
			}
			if errors.Is(tt.err, ErrNoIntegrity) {
				t.Errorf("errors.Is(%v, ErrNoIntegrity) = true", tt.err)
			}
			var mm *IntegrityMismatchError
			if !errors.As(tt.err, &mm) {
				t.Fatalf("errors.As(%v, *IntegrityMismatchError) = false", tt.err)
			}
			if mm.Actual != sriOf(t, "sha384", []byte("tampered")) || !slices.Equal(mm.Expected, []string{hello384}) {
				t.Errorf("evidence = %+v", mm)
			}
		})
	}
}

func TestEqualFoldASCII(t *testing.T) {
	for _, tt := range []struct {
		s, t string
		want bool
	}{
		{"sha256", "sha256", true},
		{"SHA256", "sha256", true},
		{"ShA256", "sha256", true},
		{"\u017fha256", "sha256", false}, // strings.EqualFold says true
		{"sha256", "sha2566", false},
		{"sha25\u0036", "sha256", true},
		{"sha2[6", "sha2{6", false},
	} {
		t.Run(tt.s, func(t *testing.T) {
			if got := equalFoldASCII(tt.s, tt.t); got != tt.want {
				t.Fatalf("equalFoldASCII(%q, %q) = %v, want %v", tt.s, tt.t, got, tt.want)
			}
		})
	}
}
