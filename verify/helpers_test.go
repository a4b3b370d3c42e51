package verify

import (
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
)

// tlsServer serves files from a map over TLS on 127.0.0.1 and returns
// fetch options whose transport trusts it.
func tlsServer(t *testing.T, h http.Handler) (*httptest.Server, FetchOptions) {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // handshakes cut short at Close are expected
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, FetchOptions{Transport: loopbackOnly{t, srv.Client().Transport}}
}

// loopbackOnly passes requests to loopback IP addresses on and fails the
// test on any other, so that a regression in the fetch policy can never
// send a test's traffic off the machine.
type loopbackOnly struct {
	t    *testing.T
	next http.RoundTripper
}

func (l loopbackOnly) RoundTrip(r *http.Request) (*http.Response, error) {
	if ip, err := netip.ParseAddr(r.URL.Hostname()); err != nil || !ip.IsLoopback() {
		l.t.Errorf("a request to %s was about to leave the machine", r.URL)
		return nil, errors.New("test transport: only loopback addresses")
	}
	return l.next.RoundTrip(r)
}

// files is an http.Handler serving fixed bodies by path, 404 otherwise.
type files map[string][]byte

func (f files) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, ok := f[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("ETag", `"v1"`)
	w.Write(b)
}

func writeTemp(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// sri384 computes an integrity value with the standard library alone,
// independently of attest.
func sri384(b []byte) string {
	s := sha512.Sum384(b)
	return "sha384-" + base64.StdEncoding.EncodeToString(s[:])
}
