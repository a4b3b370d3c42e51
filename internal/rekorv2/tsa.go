package rekorv2

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"testing"
	"time"

	"github.com/ats-run/selfattest/attest/signing/localtsa"
)

// TSAPath is the path [TSA.URL] ends in, as sigstore's timestamp-authority
// serves it.
const TSAPath = localtsa.Path

// TSA is an RFC 3161 timestamp authority running in-process on 127.0.0.1.
// Its fields are read-only.
type TSA struct {
	// URL is where to POST an application/timestamp-query (what
	// sign.TimestampAuthorityOptions.URL takes).
	URL string
	// Chain is the signing certificate, then the root that issued it.
	Chain []*x509.Certificate
	// Started is when it came up; [TSA.Root] makes it valid from a
	// minute before.
	Started time.Time
}

// StartTSA runs a timestamp authority for the test (attest/signing/localtsa): a
// new ECDSA P-256 root and a leaf with the critical time-stamping extended
// key usage sigstore requires, answering POST [TSAPath] with a DER
// TimeStampResp signed as sigstore's timestamp-authority signs it.
// It stops when the test ends.
func StartTSA(t testing.TB) *TSA {
	t.Helper()
	now := time.Now()
	a, err := localtsa.Generate("selfattest test tsa", now.Add(-time.Hour), 25*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	url, stop, err := a.Serve(ctx, time.Now)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { stop(); cancel() })
	return &TSA{URL: url, Chain: a.Chain, Started: now}
}

// Root returns a trusted root naming only this authority (its URL, its
// chain leaf first, valid from a minute before it started).
func (a *TSA) Root() Root {
	type cert struct {
		RawBytes []byte `json:"rawBytes"`
	}
	var certs []cert
	for _, c := range a.Chain {
		certs = append(certs, cert{c.Raw})
	}
	type subject struct {
		Organization string `json:"organization"`
		CommonName   string `json:"commonName"`
	}
	b, err := json.Marshal(struct {
		Subject   subject `json:"subject"`
		URI       string  `json:"uri"`
		CertChain struct {
			Certificates []cert `json:"certificates"`
		} `json:"certChain"`
		ValidFor struct {
			Start string `json:"start"`
		} `json:"validFor"`
	}{
		Subject: subject{"selfattest test", "selfattest-test-tsa"},
		URI:     a.URL,
		CertChain: struct {
			Certificates []cert `json:"certificates"`
		}{certs},
		ValidFor: struct {
			Start string `json:"start"`
		}{a.Started.Add(-time.Minute).UTC().Format(time.RFC3339)},
	})
	if err != nil {
		panic(err)
	}
	return Root{TimestampAuthorities: []json.RawMessage{b}}
}
