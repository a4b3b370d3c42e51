package signing

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/sign"

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

// TestSigningHonoursContext: a timestamp authority that accepts the
// connection and never answers holds the signing only as long as ctx
// (sigstore-go's client sends without ctx; the call used to wait for its
// own 30-second limit).
func TestSigningHonoursContext(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, err := NewKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	tsa := NewTimestampAuthority("http://"+l.Addr().String()+"/tsa", ServiceOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	_, err = Artifact(ctx, []byte("x"), Options{Key: key, TimestampAuthorities: []*sign.TimestampAuthority{tsa}, WithoutTransparencyLogUnsafe: true})
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("signing returned after %s, ctx ended after 1 s", d)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v; want context.DeadlineExceeded", err)
	}
}
