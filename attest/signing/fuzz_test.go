package signing

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/ats-run/selfattest/attest"
)

// FuzzParseKey: a key file is the user's, but ParseKey must refuse what
// is not a usable PKCS#8 signing key with an error wrapping
// attest.ErrBadInput, never panic, and give a key that signs otherwise.
func FuzzParseKey(f *testing.F) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	for _, k := range []any{ec, ed} {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	}
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"))
	f.Add([]byte("not pem"))
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := ParseKey(b)
		if err != nil {
			if !errors.Is(err, attest.ErrBadInput) || !errors.Is(err, ErrSign) {
				t.Fatalf("error %v does not wrap attest.ErrBadInput and ErrSign", err)
			}
			return
		}
		if k.GetPublicKey() == nil {
			t.Fatal("a key without a public key")
		}
		if _, _, err := k.SignData(context.Background(), []byte("data")); err != nil {
			t.Fatalf("parsed key does not sign: %v", err)
		}
	})
}

// FuzzPrintable: whatever a service says, a ServiceError's message holds
// at most maxCauseLength bytes of it (and the ellipsis), valid UTF-8, and
// no control or bidirectional-control character.
func FuzzPrintable(f *testing.F) {
	f.Add("plain")
	f.Add("\x1b]0;title\x07\r\n\u202e\u2028\xff\xfe" + strings.Repeat("é", 600))
	f.Fuzz(func(t *testing.T, s string) {
		msg := (&ServiceError{Service: "fulcio", Err: errors.New(s)}).Error()
		cause := strings.TrimPrefix(msg, "attest: signing: fulcio: ")
		if len(cause) > maxCauseLength+len("…") {
			t.Fatalf("cause of %d bytes", len(cause))
		}
		if !utf8.ValidString(cause) {
			t.Fatalf("invalid UTF-8: %q", cause)
		}
		for _, r := range cause {
			if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '\u2028' || r == '\u2029' {
				t.Fatalf("character %U in %q", r, cause)
			}
		}
	})
}
