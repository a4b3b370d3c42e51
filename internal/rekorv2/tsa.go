package rekorv2

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"io"
	"math/big"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/digitorus/timestamp"
)

// TSAPath is the path [TSA.URL] ends in, as sigstore's timestamp-authority
// serves it.
const TSAPath = "/api/v1/timestamp"

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

// StartTSA runs a timestamp authority for the test: a new ECDSA P-256 root
// and a leaf with the critical time-stamping extended key usage sigstore
// requires, answering POST [TSAPath] with a DER TimeStampResp signed as
// sigstore's timestamp-authority signs it (github.com/digitorus/timestamp,
// SHA-256, accuracy 1s, nonce echoed, its certificate included on
// request).
// It stops when the test ends.
func StartTSA(t testing.TB) *TSA {
	t.Helper()
	now := time.Now()
	rootKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rootTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{Organization: []string{"selfattest test"}, CommonName: "selfattest-test-tsa-root"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	rootCert := mustCert(t, rootTmpl, rootTmpl, &rootKey.PublicKey, rootKey)
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	// RFC 3161 §2.3: the time-stamping EKU, alone and critical.
	eku, err := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}})
	if err != nil {
		t.Fatal(err)
	}
	leafTmpl := &x509.Certificate{
		SerialNumber:    big.NewInt(2),
		Subject:         pkix.Name{Organization: []string{"selfattest test"}, CommonName: "selfattest-test-tsa"},
		NotBefore:       now.Add(-time.Hour),
		NotAfter:        now.Add(24 * time.Hour),
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true, Value: eku}},
	}
	leaf := mustCert(t, leafTmpl, rootCert, &leafKey.PublicKey, rootKey)

	mux := http.NewServeMux()
	mux.HandleFunc("POST "+TSAPath, func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		req, err := timestamp.ParseRequest(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ts := timestamp.Timestamp{
			HashAlgorithm:     req.HashAlgorithm,
			HashedMessage:     req.HashedMessage,
			Time:              time.Now().UTC(),
			Nonce:             req.Nonce,
			Policy:            asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 2},
			Accuracy:          time.Second,
			AddTSACertificate: req.Certificates,
			ExtraExtensions:   req.Extensions,
		}
		resp, err := ts.CreateResponseWithOpts(leaf, leafKey, crypto.SHA256)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/timestamp-reply")
		w.Write(resp)
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return &TSA{URL: "http://" + l.Addr().String() + TSAPath, Chain: []*x509.Certificate{leaf, rootCert}, Started: now}
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

func mustCert(t testing.TB, tmpl, parent *x509.Certificate, pub any, priv crypto.Signer) *x509.Certificate {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, priv)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
