package ipfs_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/ats-run/selfattest/anchor/ipfs"
	"github.com/ats-run/selfattest/anchor/ipfs/pinningtest"
	"github.com/ats-run/selfattest/internal/loopback"
)

// TestPinningLocalhostOnLoopback: with no Client, a pinning service's
// calls go through the transport that dials "localhost" on loopback
// addresses only (its dial rule is tested in internal/loopback), and the
// token reaches a service on 127.0.0.1 named http://localhost:PORT.
func TestPinningLocalhostOnLoopback(t *testing.T) {
	f := &pinningtest.Service{Token: psaToken}
	endpoint := f.Start(t)
	p := newPinning(t, strings.Replace(endpoint, "127.0.0.1", "localhost", 1), psaToken)
	if got := ipfs.TransportOf(p); got != http.RoundTripper(loopback.Transport()) {
		t.Fatalf("the transport of a service without Client is %T %p, want loopback.Transport()", got, got)
	}
	p.Client = &http.Client{}
	if got := ipfs.TransportOf(p); got != http.RoundTripper(loopback.Transport()) {
		t.Fatalf("the transport of a Client without Transport is %T %p, want loopback.Transport()", got, got)
	}
	p.Client = nil
	if _, err := p.Pin(context.Background(), testCID(7), "", nil); err != nil {
		t.Fatalf("Pin through http://localhost = %v", err)
	}
}
