package signing_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	ct "github.com/google/certificate-transparency-go"
	cttls "github.com/google/certificate-transparency-go/tls"
	ctx509 "github.com/google/certificate-transparency-go/x509"
	ctx509util "github.com/google/certificate-transparency-go/x509util"
	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"github.com/sigstore/sigstore-go/pkg/sign"
	"github.com/sigstore/sigstore-go/pkg/testing/ca"

	"github.com/ats-run/selfattest/attest"
	"github.com/ats-run/selfattest/attest/intoto"
	"github.com/ats-run/selfattest/attest/signing"
	"github.com/ats-run/selfattest/internal/rekorv2"
	"github.com/ats-run/selfattest/verify/sigstore"
)

const (
	ghIssuer = "https://token.actions.githubusercontent.com"
	ghSAN    = "https://github.com/example/app/.github/workflows/release.yml@refs/heads/main"
)

// fakeFulcio is a certificate authority on 127.0.0.1 that speaks Fulcio's
// v2 API (POST /api/v2/signingCert, the request and answer sigstore-go's
// sign.Fulcio sends and reads). Its root and intermediate come from
// sigstore-go's testing/ca (the VirtualSigstore generators); unlike
// VirtualSigstore's own leaves, its certificates embed an SCT from a CT
// log key of its own, since package verify/sigstore always demands one. It checks
// the bearer token's presence and the proof of possession (a signature
// over the token's subject), and certifies the requested key for the
// token's subject and issuer as Fulcio does for GitHub Actions tokens.
type fakeFulcio struct {
	URL            string
	root, inter    *x509.Certificate
	interKey       crypto.Signer
	ctKey          *ecdsa.PrivateKey
	validFrom      time.Time
	requests       int
	lastAuthHeader string
}

func startFakeFulcio(t *testing.T) *fakeFulcio {
	t.Helper()
	rootCert, rootKey, err := ca.GenerateRootCa()
	if err != nil {
		t.Fatal(err)
	}
	inter, interKey, err := ca.GenerateFulcioIntermediate(rootCert, rootKey)
	if err != nil {
		t.Fatal(err)
	}
	ctKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeFulcio{root: rootCert, inter: inter, interKey: interKey, ctKey: ctKey, validFrom: time.Now().Add(-time.Hour)}
	srv := httptest.NewServer(http.HandlerFunc(f.serve(t)))
	t.Cleanup(srv.Close)
	f.URL = srv.URL
	return f
}

func (f *fakeFulcio) serve(t *testing.T) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/api/v2/signingCert" {
			http.NotFound(w, r)
			return
		}
		f.requests++
		f.lastAuthHeader = r.Header.Get("Authorization")
		token, ok := strings.CutPrefix(f.lastAuthHeader, "Bearer ")
		parts := strings.Split(token, ".")
		if !ok || len(parts) != 3 {
			http.Error(w, "no bearer token", http.StatusUnauthorized)
			return
		}
		claimsJSON, err := base64.RawURLEncoding.DecodeString(parts[1])
		var claims struct{ Iss, Sub, Aud string }
		if err != nil || json.Unmarshal(claimsJSON, &claims) != nil || claims.Aud != "sigstore" {
			http.Error(w, "bad token", http.StatusUnauthorized)
			return
		}
		var req struct {
			PublicKeyRequest struct {
				PublicKey struct {
					Algorithm string `json:"algorithm"`
					Content   string `json:"content"`
				} `json:"publicKey"`
				ProofOfPossession string `json:"proofOfPossession"`
			} `json:"publicKeyRequest"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		block, _ := pem.Decode([]byte(req.PublicKeyRequest.PublicKey.Content))
		if block == nil {
			http.Error(w, "no PEM public key", http.StatusBadRequest)
			return
		}
		pub, err := x509.ParsePKIXPublicKey(block.Bytes)
		ecPub, isEC := pub.(*ecdsa.PublicKey)
		if err != nil || !isEC {
			http.Error(w, "want an ECDSA key", http.StatusBadRequest)
			return
		}
		pop, err := base64.StdEncoding.DecodeString(req.PublicKeyRequest.ProofOfPossession)
		h := sha256.Sum256([]byte(claims.Sub))
		if err != nil || !ecdsa.VerifyASN1(ecPub, h[:], pop) {
			http.Error(w, "bad proof of possession", http.StatusBadRequest)
			return
		}
		leaf, err := f.issue(ecPub, claims.Iss, claims.Sub)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		var chain []string
		for _, c := range []*x509.Certificate{leaf, f.inter, f.root} {
			chain = append(chain, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})))
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"signedCertificateEmbeddedSct": map[string]any{"chain": map[string]any{"certificates": chain}}})
	}
}

// issue makes a ten-minute code-signing certificate for pub whose URI SAN
// is the token's subject, with the issuer (v2) extension and an embedded
// SCT (RFC 6962 §3.3) signed by f.ctKey.
func (f *fakeFulcio) issue(pub crypto.PublicKey, iss, sub string) (*x509.Certificate, error) {
	san, err := url.Parse(sub)
	if err != nil {
		return nil, err
	}
	issDER, err := asn1.MarshalWithParams(iss, "utf8")
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		return nil, err
	}
	now := time.Now().Add(-time.Minute)
	exts := []pkix.Extension{{Id: certificate.OIDIssuerV2, Value: issDER}}
	tmpl := &x509.Certificate{
		SerialNumber:    serial,
		NotBefore:       now,
		NotAfter:        now.Add(10 * time.Minute),
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtKeyUsage:     []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		URIs:            []*url.URL{san},
		ExtraExtensions: exts,
	}
	create := func() (*x509.Certificate, error) {
		der, err := x509.CreateCertificate(rand.Reader, tmpl, f.inter, pub, f.interKey)
		if err != nil {
			return nil, err
		}
		return x509.ParseCertificate(der)
	}
	pre, err := create()
	if err != nil {
		return nil, err
	}
	ctID := f.ctLogID()
	sct := ct.SignedCertificateTimestamp{SCTVersion: ct.V1, LogID: ct.LogID{KeyID: [32]byte(ctID)}, Timestamp: uint64(now.UnixMilli())}
	input, err := ct.SerializeSCTSignatureInput(sct, ct.LogEntry{Leaf: ct.MerkleTreeLeaf{
		Version:  ct.V1,
		LeafType: ct.TimestampedEntryLeafType,
		TimestampedEntry: &ct.TimestampedEntry{
			Timestamp: sct.Timestamp,
			EntryType: ct.PrecertLogEntryType,
			PrecertEntry: &ct.PreCert{
				IssuerKeyHash:  sha256.Sum256(f.inter.RawSubjectPublicKeyInfo),
				TBSCertificate: pre.RawTBSCertificate,
			},
		},
	}})
	if err != nil {
		return nil, err
	}
	d := sha256.Sum256(input)
	sig, err := ecdsa.SignASN1(rand.Reader, f.ctKey, d[:])
	if err != nil {
		return nil, err
	}
	sct.Signature = ct.DigitallySigned{Algorithm: cttls.SignatureAndHashAlgorithm{Hash: cttls.SHA256, Signature: cttls.ECDSA}, Signature: sig}
	list, err := ctx509util.MarshalSCTsIntoSCTList([]*ct.SignedCertificateTimestamp{&sct})
	if err != nil {
		return nil, err
	}
	listBytes, err := cttls.Marshal(*list)
	if err != nil {
		return nil, err
	}
	ext, err := asn1.Marshal(listBytes)
	if err != nil {
		return nil, err
	}
	tmpl.ExtraExtensions = append(exts, pkix.Extension{Id: asn1.ObjectIdentifier(ctx509.OIDExtensionCTSCT), Value: ext})
	c, err := create()
	if err != nil {
		return nil, err
	}
	if tbs, err := ctx509.RemoveSCTList(c.RawTBSCertificate); err != nil || !bytes.Equal(tbs, pre.RawTBSCertificate) {
		return nil, errors.New("fake Fulcio: the certificate without its SCT list is not the one the SCT signs")
	}
	return c, nil
}

func (f *fakeFulcio) ctLogID() []byte {
	der, err := x509.MarshalPKIXPublicKey(f.ctKey.Public())
	if err != nil {
		panic(err)
	}
	s := sha256.Sum256(der)
	return s[:]
}

// testJWT returns an unsigned-looking JWT with these claims (Fulcio, not
// the signer, checks tokens; the fake checks only their shape).
func testJWT(iss, sub string) string {
	enc := base64.RawURLEncoding.EncodeToString
	claims, _ := json.Marshal(map[string]string{"iss": iss, "sub": sub, "aud": "sigstore"})
	return enc([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + enc(claims) + "." + enc([]byte("signature"))
}

// TestSignKeyless signs a statement keyless: the OIDC token comes from a
// GitHub Actions token endpoint (httptest on 127.0.0.1), the certificate
// from the fake Fulcio through sigstore-go's sign.Fulcio (the code path a
// user runs against the real one), the entry from the real Rekor v2 server
// and the timestamp from the RFC 3161 authority, all on 127.0.0.1. Package
// verify then checks it against a trusted root file naming the CA, the CT
// log, the Rekor v2 log and the authority, with a GitHub identity policy.
func TestSignKeyless(t *testing.T) {
	srv := rekorv2.Start(t, rekorv2.Options{})
	tsa := rekorv2.StartTSA(t)
	fulcio := startFakeFulcio(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	jwt := testJWT(ghIssuer, ghSAN)
	tokens := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "bearer request-token" || r.URL.Query().Get("audience") != "sigstore" {
			http.Error(w, "no", http.StatusForbidden)
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"value": jwt})
	}))
	defer tokens.Close()
	env := map[string]string{
		signing.EnvTokenRequestURL:   tokens.URL + "/token?api-version=2.0",
		signing.EnvTokenRequestToken: "request-token",
	}

	rekor, err := signing.NewRekor(srv.URL, 2, loopback(t))
	if err != nil {
		t.Fatal(err)
	}
	artifact := []byte("selfattest: signed keyless\n")
	st, err := intoto.NewStatement(testPredicate{}, intoto.Subject{Name: "app.js", Digests: attest.MeasureBytes(artifact)})
	if err != nil {
		t.Fatal(err)
	}
	b, err := signing.Statement(ctx, st, signing.Options{
		Keyless: &signing.Keyless{
			FulcioURL: fulcio.URL,
			Token:     signing.GitHubActions(func(k string) string { return env[k] }, loopback(t)),
			HTTP:      loopback(t),
		},
		TransparencyLogs:     []sign.Transparency{rekor},
		TimestampAuthorities: []*sign.TimestampAuthority{signing.NewTimestampAuthority(tsa.URL, loopback(t))},
	})
	if err != nil {
		t.Fatalf("Statement: %v", err)
	}
	if fulcio.requests != 1 || fulcio.lastAuthHeader != "Bearer "+jwt {
		t.Fatalf("Fulcio saw %d requests, Authorization %q", fulcio.requests, fulcio.lastAuthHeader)
	}
	data := marshal(t, b)

	// The trusted root: the CA, its CT log, the Rekor v2 log, the TSA.
	v := keylessVerifier(t, fulcio, srv, tsa)
	d := attest.MeasureBytes(artifact)
	art := sigstore.ArtifactDigest(attest.SHA256, d.Sum(attest.SHA256))
	good := sigstore.Policy{Issuer: ghIssuer, SAN: ghSAN, PredicateType: testPredicate{}.PredicateType()}
	if err := verifyBundle(ctx, t, v, data, art, good); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	for _, tc := range []struct {
		name   string
		data   []byte
		policy sigstore.Policy
	}{
		{"another identity", data, sigstore.Policy{Issuer: ghIssuer, SAN: ghSAN + "x"}},
		{"another issuer", data, sigstore.Policy{Issuer: "https://accounts.example.com", SAN: ghSAN}},
		{"DSSE payload type changed", editBundle(t, data, func(m map[string]any) { envelope(m)["payloadType"] = "application/json" }), good},
		{"subject digest swapped", editBundle(t, data, func(m map[string]any) {
			editPayload(t, m, func(st map[string]any) {
				st["subject"].([]any)[0].(map[string]any)["digest"].(map[string]any)["sha256"] = strings.Repeat("0", 64)
			})
		}), good},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := verifyBundle(ctx, t, v, tc.data, art, tc.policy)
			if !errors.Is(err, sigstore.ErrVerification) {
				t.Fatalf("got %v, want an error wrapping sigstore.ErrVerification", err)
			}
			t.Logf("rejected: %v", err)
		})
	}
}
