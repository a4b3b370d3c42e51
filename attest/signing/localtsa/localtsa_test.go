package localtsa

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/timestamp"
)

func request(t *testing.T, url string, msg []byte) []byte {
	t.Helper()
	q, err := timestamp.CreateRequest(bytes.NewReader(msg), &timestamp.RequestOptions{Certificates: true})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(url, "application/timestamp-query", bytes.NewReader(q))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, %v: %s", resp.StatusCode, err, b)
	}
	return b
}

// A token from the served authority verifies as sigstore-go verifies one,
// against the authority as a trusted root names it, at the clock's time.
func TestServeVerifies(t *testing.T) {
	a, err := Generate("test tsa", time.Now().Add(-time.Hour), 2*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(-time.Minute).Truncate(time.Second)
	url, stop, err := a.Serve(context.Background(), func() time.Time { return at })
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("served on %s", url)
	}
	msg := []byte("signature bytes")
	tok := request(t, url, msg)
	ts, err := a.TrustedAuthority(url).Verify(tok, msg)
	if err != nil {
		t.Fatal(err)
	}
	if !ts.Time.Equal(at) {
		t.Fatalf("time %v, want %v", ts.Time, at)
	}
	if _, err := a.TrustedAuthority(url).Verify(tok, []byte("other")); err == nil {
		t.Fatal("a token verified for another message")
	}
	other, err := Generate("other", time.Now().Add(-time.Hour), 2*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.TrustedAuthority(url).Verify(tok, msg); err == nil {
		t.Fatal("a token verified against another authority")
	}
	// Bad requests are refused, not answered.
	resp, err := http.Post(url, "application/timestamp-query", strings.NewReader("not a request"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("garbage request: status %d", resp.StatusCode)
	}
	stop()
	if _, err := http.Post(url, "application/timestamp-query", strings.NewReader("x")); err == nil {
		t.Fatal("still serving after stop")
	}
}

func TestPEM(t *testing.T) {
	a, err := Generate("test tsa", time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	p, err := a.MarshalPEM()
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParsePEM(p)
	if err != nil {
		t.Fatal(err)
	}
	if !b.Chain[0].Equal(a.Chain[0]) || !b.Chain[1].Equal(a.Chain[1]) || !b.key.Equal(a.key) {
		t.Fatal("round trip changed the authority")
	}
	o, err := Generate("other", time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	op, err := o.MarshalPEM()
	if err != nil {
		t.Fatal(err)
	}
	keyOf := func(b []byte) []byte { return b[:bytes.Index(b, []byte("-----BEGIN CERTIFICATE"))] }
	certsOf := func(b []byte) []byte { return b[bytes.Index(b, []byte("-----BEGIN CERTIFICATE")):] }
	for name, bad := range map[string][]byte{
		"empty":              nil,
		"key only":           keyOf(p),
		"chain only":         certsOf(p),
		"another key":        append(keyOf(op), certsOf(p)...),
		"two keys":           append(append(keyOf(p), keyOf(p)...), certsOf(p)...),
		"other block":        append(bytes.Clone(p), []byte("-----BEGIN FOO-----\nAA==\n-----END FOO-----\n")...),
		"mixed chain":        append(keyOf(p), append(certsOf(p)[:bytes.Index(certsOf(p)[1:], []byte("-----BEGIN"))+1], certsOf(op)[bytes.Index(certsOf(op)[1:], []byte("-----BEGIN"))+1:]...)...),
		"three certificates": append(bytes.Clone(p), certsOf(op)[:bytes.Index(certsOf(op)[1:], []byte("-----BEGIN"))+1]...),
	} {
		if _, err := ParsePEM(bad); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzParsePEM(f *testing.F) {
	a, err := Generate("test tsa", time.Now(), time.Hour)
	if err != nil {
		f.Fatal(err)
	}
	p, err := a.MarshalPEM()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(p)
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ParsePEM(data)
		if err != nil {
			return
		}
		if len(b.Chain) != 2 || !b.key.PublicKey.Equal(b.Chain[0].PublicKey) {
			t.Fatal("accepted an authority whose key is not its certificate's")
		}
	})
}
