package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/sign"

	"github.com/ats-run/selfattest/attest/signing"
)

// rekorV1Signer makes a new ECDSA P-256 key that signs with the Rekor v1
// log at logURL: the options signing.Artifact takes, and the key's public
// half written as PEM to dir/key.pem, the --key the verifier is given.
func rekorV1Signer(t *testing.T, logURL, dir string) (signing.Options, string) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, err := signing.NewKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	rekor, err := signing.NewRekor(logURL, 1, signing.ServiceOptions{Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(priv.Public())
	if err != nil {
		t.Fatal(err)
	}
	pub := write(t, dir, "key.pem", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	return signing.Options{Key: key, TransparencyLogs: []sign.Transparency{rekor}}, pub
}
