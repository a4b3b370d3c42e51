package signing

import (
	"context"
	"errors"
	"testing"

	"github.com/ats-run/selfattest/attest"
)

// TestServiceURLsRefused: a service URL the fetch policy refuses — plain
// http to a host other than loopback, another scheme — is bad input before
// anything is sent (plain http to a public Rekor or Fulcio was used).
func TestServiceURLsRefused(t *testing.T) {
	for _, u := range []string{"http://example.com", "http://rekor.example.com/api", "ftp://example.com"} {
		if _, err := NewRekor(u, 2, ServiceOptions{}); !errors.Is(err, attest.ErrBadInput) {
			t.Errorf("NewRekor(%s): err = %v; want attest.ErrBadInput", u, err)
		}
		_, err := Artifact(context.Background(), []byte("x"), Options{Keyless: &Keyless{FulcioURL: u, Token: TokenFunc(func(context.Context) (string, error) {
			t.Errorf("Fulcio %s: a token was asked for", u)
			return "", errors.New("no token here")
		})}})
		if !errors.Is(err, attest.ErrBadInput) {
			t.Errorf("Keyless with Fulcio %s: err = %v; want attest.ErrBadInput", u, err)
		}
	}
	for _, u := range []string{"https://rekor.example.com", "http://127.0.0.1:3000"} {
		if _, err := NewRekor(u, 2, ServiceOptions{}); err != nil {
			t.Errorf("NewRekor(%s): %v", u, err)
		}
	}
}
