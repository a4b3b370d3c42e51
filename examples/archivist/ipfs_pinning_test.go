//go:build unix

package main

import (
	"context"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/ats-run/selfattest/anchor/ipfs"
	"github.com/ats-run/selfattest/anchor/ipfs/kubotest"
	"github.com/ats-run/selfattest/anchor/ipfs/pinningtest"
)

// TestAnchorPinningService: anchor --to ipfs --pinning-service pins the
// record at an IPFS Pinning Service API service (the in-process one,
// pinning on a real Kubo) with the token from --pinning-token-env, and
// upgrade asks the service: final once it says pinned and the gateway
// serves the record. A wrong token could not be checked (3); a missing or
// refused flag is bad usage (2), before anything is sent.
func TestAnchorPinningService(t *testing.T) {
	node := kubotest.Start(t, kubotest.Options{})
	kubo := &ipfs.Kubo{URL: node.APIURL}
	svc := &pinningtest.Service{Token: "s3cret-token", Pinner: func(ctx context.Context, c cid.Cid) error { return kubo.PinAdd(ctx, c) }}
	url := svc.Start(t)
	t.Setenv("ARCHIVIST_TEST_PIN_TOKEN", "s3cret-token")
	t.Setenv("ARCHIVIST_TEST_WRONG_TOKEN", "not-the-token")

	dir := t.TempDir()
	write(t, dir, "report.json", []byte(`{"status":"pass"}`))
	expectCode(t, archivist(t, dir, "add", "report.json"), 0)
	base := []string{"--to", "ipfs", "--kubo-api", node.APIURL, "--ipfs-gateway", node.GatewayURL}

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no token variable", []string{"--pinning-service", url}, "--pinning-service needs --pinning-token-env"},
		{"token variable unset", []string{"--pinning-service", url, "--pinning-token-env", "ARCHIVIST_TEST_UNSET"}, "is empty or not set"},
		{"token without a service", []string{"--pinning-token-env", "ARCHIVIST_TEST_PIN_TOKEN"}, "without --pinning-service"},
		{"plain http to a public host", []string{"--pinning-service", "http://pins.example.com/psa", "--pinning-token-env", "ARCHIVIST_TEST_PIN_TOKEN"}, "--pinning-service"},
	} {
		r := archivist(t, dir, append(append([]string{"anchor"}, base...), tc.args...)...)
		expectCode(t, r, 2)
		if !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%s: stderr lacks %q:\n%s", tc.name, tc.want, r.stderr)
		}
	}
	if n := len(svc.Sent()); n != 0 {
		t.Fatalf("the service got %d pin request(s) from refused command lines", n)
	}

	// The wrong token: the service refuses, the anchor could not be made.
	r := archivist(t, dir, append(append([]string{"anchor"}, base...), "--pinning-service", url, "--pinning-token-env", "ARCHIVIST_TEST_WRONG_TOKEN")...)
	expectCode(t, r, 3)
	if strings.Contains(r.stdout+r.stderr, "not-the-token") {
		t.Fatalf("the token is in the output:\n%s%s", r.stdout, r.stderr)
	}

	pin := []string{"--pinning-service", url, "--pinning-token-env", "ARCHIVIST_TEST_PIN_TOKEN"}
	r = archivist(t, dir, append(append([]string{"anchor"}, base...), pin...)...)
	expectCode(t, r, 0)
	sent := svc.Sent()
	if len(sent) != 1 {
		t.Fatalf("the service got %d pin requests, want 1", len(sent))
	}
	r = archivist(t, dir, append(append([]string{"upgrade"}, base...), pin...)...)
	expectCode(t, r, 0)
	if !strings.Contains(r.stdout, "ipfs: final") {
		t.Fatalf("upgrade:\n%s", r.stdout)
	}
	if strings.Contains(r.stdout+r.stderr, "s3cret-token") {
		t.Fatalf("the token is in the output:\n%s%s", r.stdout, r.stderr)
	}
	// The record the service was asked to pin is pinned on the node.
	c, err := cid.Decode(sent[0].Cid)
	if err != nil {
		t.Fatal(err)
	}
	if out := node.Run(t, "pin", "ls", "--type=recursive", c.String()); !strings.Contains(out, c.String()) {
		t.Fatalf("Kubo does not pin %s: %s", c, out)
	}
}
