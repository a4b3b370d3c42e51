package attest

import (
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/ats-run/selfattest"
)

// Limits on what [ParseIntegrity] reads. Real integrity attributes hold a
// handful of tokens and a few hundred bytes; these only bound the work an
// attacker-written attribute can cause.
const (
	maxIntegrityLen    = 64 << 10 // bytes in the attribute
	maxIntegrityTokens = 256      // tokens examined (Firefox keeps 256 too)
	maxIgnoredTokenLen = 64       // bytes of an over-long attribute quoted in Ignored
)

var (
	// ErrNoIntegrity is wrapped by the error [Integrity.Match] returns when
	// the metadata has no usable token: an empty or blank attribute, or one
	// whose every token is ignored. A browser loads such a resource without
	// any check; Match never calls that a match.
	ErrNoIntegrity = selfattest.Beneath(selfattest.ErrRejected, "attest: no usable integrity metadata")

	// ErrIntegrityMismatch is wrapped by every [*IntegrityMismatchError].
	ErrIntegrityMismatch = selfattest.Beneath(selfattest.ErrRejected, "attest: integrity mismatch")
)

// IntegrityToken is one usable token of a Subresource Integrity attribute:
// "sha384-<base64>" with optional "?options".
type IntegrityToken struct {
	// Algorithm is SHA256, SHA384 or SHA512.
	Algorithm Algorithm `json:"algorithm"`
	// Digest is the decoded digest, Algorithm.Size() bytes long.
	Digest []byte `json:"digest"`
	// Options is the text after the first "?", without the "?". SRI defines
	// no options; they are kept so [Integrity.String] writes them back, and
	// otherwise ignored.
	Options string `json:"options,omitempty"`
}

// String returns t as SRI writes it: "sha384-<base64>", followed by
// "?options" when there are options.
func (t IntegrityToken) String() string {
	s := sriString(t.Algorithm, t.Digest)
	if t.Options != "" {
		s += "?" + t.Options
	}
	return s
}

// usable reports whether t can take part in a match: a supported
// algorithm, a digest of its length, and options that [Integrity.String]
// can write back as one token.
func (t IntegrityToken) usable() bool {
	if t.Algorithm.rank() == 0 || len(t.Digest) != t.Algorithm.Size() {
		return false
	}
	for i := 0; i < len(t.Options); i++ {
		if !isVCHAR(t.Options[i]) {
			return false
		}
	}
	return true
}

// IgnoreReason says why [ParseIntegrity] ignored a token.
type IgnoreReason string

// The reasons a token is ignored.
const (
	// IgnoredUnknownAlgorithm: the token is "alg-value" but alg is not one
	// SRI supports ("sha1-…", "md5-…", "ed25519-…"). Browsers skip these
	// silently, so that authors can list algorithms of the future.
	IgnoredUnknownAlgorithm IgnoreReason = "unknown algorithm"
	// IgnoredAlgorithmSpelling: the algorithm is supported but not spelled
	// "sha256", "sha384" or "sha512": upper or mixed case ("SHA384-…"),
	// which the current SRI draft accepts and Chromium's parser does not,
	// or "sha-384-…", which Chromium accepts and the specification does
	// not.
	IgnoredAlgorithmSpelling IgnoreReason = "algorithm not spelled sha256, sha384 or sha512"
	// IgnoredMalformed: the token has no "-" between algorithm and value.
	IgnoredMalformed IgnoreReason = "not algorithm-value"
	// IgnoredEmptyDigest: a supported algorithm with nothing after "-".
	IgnoredEmptyDigest IgnoreReason = "empty digest"
	// IgnoredBadBase64: the value is not the standard, padded base64 that
	// browsers compute (RFC 4648 section 4): base64url, missing padding,
	// non-zero trailing bits or stray characters.
	IgnoredBadBase64 IgnoreReason = "digest is not padded standard base64"
	// IgnoredDigestLength: the value decodes, but not to the digest length
	// of its algorithm (a truncated digest, or another algorithm's).
	IgnoredDigestLength IgnoreReason = "wrong digest length for algorithm"
	// IgnoredBadCharacter: the attribute holds a byte that is neither ASCII
	// whitespace nor printable ASCII, such as a vertical tab, which Chromium
	// splits tokens on and the HTML standard does not. The whole attribute
	// is ignored, as one entry.
	IgnoredBadCharacter IgnoreReason = "attribute has a control or non-ASCII character"
	// IgnoredTooLong: the attribute is longer than 64 KiB. The whole
	// attribute is ignored, as one entry quoting its start.
	IgnoredTooLong IgnoreReason = "attribute longer than 64 KiB"
	// IgnoredTooManyTokens: the tokens after the 256th, as one entry.
	IgnoredTooManyTokens IgnoreReason = "more than 256 tokens"
)

// IgnoredToken is a token [ParseIntegrity] could not use, with the reason.
type IgnoredToken struct {
	// Token is the token as written (for IgnoredTooManyTokens, every token
	// past the limit; for IgnoredTooLong, the attribute's first bytes).
	Token  string       `json:"token"`
	Reason IgnoreReason `json:"reason"`
	// Algorithm is the supported algorithm the token names, however
	// spelled, or "" if it names none. A token that names an algorithm
	// still counts when [Integrity.Strongest] picks the strongest one.
	Algorithm Algorithm `json:"algorithm,omitempty"`
}

// Integrity is a parsed Subresource Integrity attribute (W3C SRI,
// https://www.w3.org/TR/SRI/), as [ParseIntegrity] returns it: the usable
// tokens, and every other token with the reason it cannot be used.
//
// # Matching
//
// [Integrity.Match] follows the specification's "do bytes match
// metadataList": only tokens of the strongest algorithm are compared, and
// the bytes match if any one of them does. A weaker token that matches does
// not help. Unlike a browser, Match refuses metadata with no usable token
// ([ErrNoIntegrity]) instead of loading the bytes unchecked.
//
// Where the specification's editions (the 2016 Recommendation and the
// current draft) and Chromium disagree on which tokens count, Match takes
// the stricter reading, so that it does not accept bytes that one of them
// would refuse. It may refuse bytes some browser loads:
//
//   - Every token that names a supported algorithm counts when choosing the
//     strongest algorithm, even if it is ignored: "sha512-<garbage>
//     sha384-<correct>" is a mismatch, as it is for a browser that keeps
//     the garbage sha512 entry and then fails to match it.
//   - "SHA384-…" and "sha-384-…" name sha384 for that choice, but are never
//     usable: browsers disagree on whether they exist.
//   - A digest is usable only as the canonical, padded, standard base64
//     text of a digest of the right length, the exact text a browser
//     computes and compares case-sensitively. It is decoded once at parse
//     time; comparing the decoded bytes is then the same test as
//     comparing the text. base64url and unpadded values, which the
//     specification's text comparison never matches, are ignored.
//
// A literal Integrity (not from ParseIntegrity) is held to the same rules:
// a token with an unsupported algorithm or a digest of the wrong length is
// never used.
type Integrity struct {
	Tokens  []IntegrityToken `json:"tokens"`
	Ignored []IgnoredToken   `json:"ignored,omitempty"`
}

// ParseIntegrity parses the value of an integrity attribute. It never
// fails: tokens it cannot use go to Ignored with a reason, so that a typo
// is reported rather than silently dropped as a browser would.
//
// The value is split on ASCII whitespace (space, tab, LF, FF, CR), as
// browsers do and as the specification's multi-line examples need. Each
// token is "alg-value", optionally followed by "?options"; the text before
// the first "?" is split at its first "-". alg must be exactly "sha256",
// "sha384" or "sha512", and value the padded standard base64 of a digest of
// that algorithm's length; see [Integrity] for why anything else is ignored.
//
// Work is bounded: an attribute longer than 64 KiB is ignored whole, and
// only the first 256 tokens are examined one by one; the rest are reported
// as one ignored entry that still counts toward the strongest algorithm.
func ParseIntegrity(s string) Integrity {
	var m Integrity
	if len(s) > maxIntegrityLen {
		m.Ignored = []IgnoredToken{{Token: strings.Clone(s[:maxIgnoredTokenLen]), Reason: IgnoredTooLong}}
		return m
	}
	for i := 0; i < len(s); i++ {
		if !isASCIIWhitespace(s[i]) && !isVCHAR(s[i]) {
			m.Ignored = []IgnoredToken{{Token: s, Reason: IgnoredBadCharacter}}
			return m
		}
	}
	rest := s
	for n := 0; ; n++ {
		rest = strings.TrimLeft(rest, asciiWhitespace)
		if rest == "" {
			break
		}
		if n == maxIntegrityTokens {
			m.Ignored = append(m.Ignored, IgnoredToken{
				Token:     strings.TrimRight(rest, asciiWhitespace),
				Reason:    IgnoredTooManyTokens,
				Algorithm: strongestNamed(rest),
			})
			break
		}
		end := strings.IndexAny(rest, asciiWhitespace)
		if end < 0 {
			end = len(rest)
		}
		tok := rest[:end]
		rest = rest[end:]
		if t, reason, alg := parseIntegrityToken(tok); reason == "" {
			m.Tokens = append(m.Tokens, t)
		} else {
			m.Ignored = append(m.Ignored, IgnoredToken{Token: tok, Reason: reason, Algorithm: alg})
		}
	}
	return m
}

// parseIntegrityToken parses one whitespace-free token. On failure it
// returns the reason and the supported algorithm the token names, if any.
func parseIntegrityToken(tok string) (IntegrityToken, IgnoreReason, Algorithm) {
	expr, opts, _ := strings.Cut(tok, "?")
	name, value, hasDash := strings.Cut(expr, "-")
	alg, exact := algorithmNamed(name, value)
	switch {
	case alg == "" && !hasDash:
		return IntegrityToken{}, IgnoredMalformed, ""
	case alg == "":
		return IntegrityToken{}, IgnoredUnknownAlgorithm, ""
	case !exact:
		return IntegrityToken{}, IgnoredAlgorithmSpelling, alg
	case value == "":
		return IntegrityToken{}, IgnoredEmptyDigest, alg
	}
	digest, err := base64.StdEncoding.Strict().DecodeString(value)
	switch {
	case err != nil:
		return IntegrityToken{}, IgnoredBadBase64, alg
	case len(digest) != alg.Size():
		return IntegrityToken{}, IgnoredDigestLength, alg
	case base64.StdEncoding.EncodeToString(digest) != value:
		// Belt and braces: the decoder skips CR and LF, which cannot
		// occur here; any text that is not the canonical encoding of the
		// digest would never be a case-sensitive match in a browser.
		return IntegrityToken{}, IgnoredBadBase64, alg
	}
	return IntegrityToken{Algorithm: alg, Digest: digest, Options: opts}, "", ""
}

// algorithmNamed returns the supported algorithm that name (the text before
// a token's first "-") names, and whether it is spelled exactly. value is
// the text after that "-", consulted only for the "sha-384-…" spelling.
// Case is folded for ASCII letters only: "ſha256" names nothing.
func algorithmNamed(name, value string) (alg Algorithm, exact bool) {
	for _, a := range Algorithms {
		if name == string(a) {
			return a, true
		}
		if equalFoldASCII(name, string(a)) {
			return a, false
		}
	}
	if equalFoldASCII(name, "sha") {
		bits, _, _ := strings.Cut(value, "-")
		for _, a := range Algorithms {
			if bits == string(a)[len("sha"):] {
				return a, false
			}
		}
	}
	return "", false
}

// strongestNamed returns the strongest supported algorithm named by any
// token of s, however spelled, without allocating.
func strongestNamed(s string) Algorithm {
	var best Algorithm
	for {
		s = strings.TrimLeft(s, asciiWhitespace)
		if s == "" {
			return best
		}
		end := strings.IndexAny(s, asciiWhitespace)
		if end < 0 {
			end = len(s)
		}
		expr, _, _ := strings.Cut(s[:end], "?")
		name, value, _ := strings.Cut(expr, "-")
		if a, _ := algorithmNamed(name, value); a.rank() > best.rank() {
			best = a
		}
		s = s[end:]
	}
}

// strongest returns the strongest supported algorithm named by any token,
// usable or ignored, or "" if none names one.
func (m Integrity) strongest() Algorithm {
	var best Algorithm
	for _, t := range m.Tokens {
		if t.Algorithm.rank() > best.rank() {
			best = t.Algorithm
		}
	}
	for _, ig := range m.Ignored {
		if ig.Algorithm.rank() > best.rank() {
			best = ig.Algorithm
		}
	}
	return best
}

// Strongest returns the usable tokens of the strongest algorithm, the
// specification's "get the strongest metadata from set". The strongest
// algorithm is chosen among all tokens that name one, ignored tokens
// included, so Strongest is empty when the strongest algorithm named has
// no usable token ("sha512-<truncated> sha384-<digest>"): then nothing can
// match. It is also empty when there is no usable token at all.
func (m Integrity) Strongest() []IntegrityToken {
	alg := m.strongest()
	var out []IntegrityToken
	for _, t := range m.Tokens {
		if t.Algorithm == alg && t.usable() {
			out = append(out, t)
		}
	}
	return out
}

// Match reports whether bytes with digests d match m, as "do bytes match
// metadataList" in the specification, made strict as [Integrity]
// describes. It returns nil if a usable token of the strongest algorithm
// equals d's digest under that algorithm; an error wrapping
// [ErrNoIntegrity] if m has no usable token at all; and otherwise an
// [*IntegrityMismatchError] with the evidence, even when a weaker token
// matches.
//
// d must come from measuring the bytes: a d whose digest under the
// strongest algorithm is all zero (an unmeasured Digests{}) is refused
// with an error that wraps neither sentinel.
func (m Integrity) Match(d Digests) error {
	usable := 0
	for _, t := range m.Tokens {
		if t.usable() {
			usable++
		}
	}
	if usable == 0 {
		if len(m.Ignored) == 0 && len(m.Tokens) == 0 {
			return ErrNoIntegrity
		}
		return fmt.Errorf("%w: %d token(s) ignored", ErrNoIntegrity, len(m.Ignored)+len(m.Tokens))
	}
	alg := m.strongest() // a usable token names one, so alg is supported
	actual := d.Sum(alg)
	if allZero(actual) {
		return fmt.Errorf("attest: integrity: the %s digest to match is all zero: the bytes were not measured", alg)
	}
	var expected []string
	for _, t := range m.Tokens {
		if t.Algorithm != alg {
			continue
		}
		// usable() has checked the length: ConstantTimeCompare would
		// return 0 for unequal lengths anyway, never a prefix match.
		if t.usable() && subtle.ConstantTimeCompare(t.Digest, actual) == 1 {
			return nil
		}
		expected = append(expected, sriString(t.Algorithm, t.Digest))
	}
	for _, ig := range m.Ignored {
		if ig.Algorithm == alg {
			expected = append(expected, ig.Token)
		}
	}
	return &IntegrityMismatchError{Algorithm: alg, Expected: expected, Actual: d.SRI(alg)}
}

// String formats the usable tokens of m as an integrity attribute value,
// separated by single spaces, each with its "?options". Ignored tokens are
// left out, so ParseIntegrity(m.String()) has the same Tokens as m.
func (m Integrity) String() string {
	var b strings.Builder
	for _, t := range m.Tokens {
		if !t.usable() {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(t.String())
	}
	return b.String()
}

// FormatIntegrity returns an integrity attribute value for the bytes d
// describes: one "alg-<base64>" token per algorithm in algs, in the order
// given, or for every algorithm in [Algorithms] if algs is empty. Repeated
// and unsupported algorithms are skipped; if none is left the result is "",
// which [Integrity.Match] refuses.
func FormatIntegrity(d Digests, algs ...Algorithm) string {
	if len(algs) == 0 {
		algs = Algorithms
	}
	var parts []string
	var seen [4]bool // by rank
	for _, a := range algs {
		if r := a.rank(); r > 0 && !seen[r] {
			seen[r] = true
			parts = append(parts, d.SRI(a))
		}
	}
	return strings.Join(parts, " ")
}

// IntegrityMismatchError is returned by [Integrity.Match] when the metadata
// has usable tokens but none of the strongest algorithm matches the bytes.
type IntegrityMismatchError struct {
	// Algorithm is the strongest algorithm the metadata names.
	Algorithm Algorithm `json:"algorithm"`
	// Expected lists the metadata's tokens under Algorithm: usable ones as
	// "alg-<base64>", ignored ones as written.
	Expected []string `json:"expected"`
	// Actual is the bytes' digest under Algorithm, as "alg-<base64>".
	Actual string `json:"actual"`
}

func (e *IntegrityMismatchError) Error() string {
	return ErrIntegrityMismatch.Error() + ": bytes are " + e.Actual +
		", integrity metadata expects " + strings.Join(e.Expected, " or ")
}

// Unwrap returns [ErrIntegrityMismatch].
func (e *IntegrityMismatchError) Unwrap() error { return ErrIntegrityMismatch }

// sriString formats digest as "alg-<base64>" whatever its length.
func sriString(a Algorithm, digest []byte) string {
	return string(a) + "-" + base64.StdEncoding.EncodeToString(digest)
}

// asciiWhitespace is the HTML standard's ASCII whitespace, which separates
// the tokens of an integrity attribute.
const asciiWhitespace = " \t\n\f\r"

func isASCIIWhitespace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}

// isVCHAR reports whether c is a visible ASCII character (RFC 5234 VCHAR).
func isVCHAR(c byte) bool { return c >= 0x21 && c <= 0x7e }

// equalFoldASCII reports whether s and t are equal under ASCII case
// folding only (unlike strings.EqualFold, which also folds "ſ" to "s").
func equalFoldASCII(s, t string) bool {
	if len(s) != len(t) {
		return false
	}
	for i := 0; i < len(s); i++ {
		a, b := s[i], t[i]
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
