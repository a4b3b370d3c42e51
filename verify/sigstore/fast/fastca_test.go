package fast

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"reflect"
	"testing"
	"time"

	"github.com/digitorus/timestamp"
	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/ats-run/selfattest/verify/sigstore"
	"github.com/ats-run/selfattest/verify/sigstore/internal/cases"
)

// The anchored CA and TSA must decide exactly as sigstore-go's own
// FulcioCertificateAuthority and SigstoreTimestampingAuthority do: these
// tests run both on the same inputs, good and tampered, and compare.

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

type pki struct {
	rootKey, interKey *ecdsa.PrivateKey
	root, inter       *x509.Certificate
}

func mustKey(t testing.TB, c elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustCert(t testing.TB, tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) *x509.Certificate {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var serial int64

func nextSerial() *big.Int { serial++; return big.NewInt(serial) }

// newPKI makes a Fulcio-like hierarchy: a P-384 root, a P-384
// intermediate allowed CodeSigning; change lets a case alter the
// intermediate's template.
func newPKI(t *testing.T, change func(*x509.Certificate)) pki {
	t.Helper()
	p := pki{rootKey: mustKey(t, elliptic.P384()), interKey: mustKey(t, elliptic.P384())}
	rt := &x509.Certificate{
		SerialNumber: nextSerial(), Subject: pkix.Name{CommonName: "test root"},
		NotBefore: t0.Add(-10 * 365 * 24 * time.Hour), NotAfter: t0.Add(10 * 365 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	p.root = mustCert(t, rt, rt, &p.rootKey.PublicKey, p.rootKey)
	it := &x509.Certificate{
		SerialNumber: nextSerial(), Subject: pkix.Name{CommonName: "test intermediate"},
		NotBefore: t0.Add(-365 * 24 * time.Hour), NotAfter: t0.Add(365 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, MaxPathLenZero: true, KeyUsage: x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
	}
	if change != nil {
		change(it)
	}
	p.inter = mustCert(t, it, p.root, &p.interKey.PublicKey, p.rootKey)
	return p
}

func (p pki) leaf(t *testing.T, change func(*x509.Certificate)) *x509.Certificate {
	t.Helper()
	k := mustKey(t, elliptic.P256())
	lt := &x509.Certificate{
		SerialNumber: nextSerial(), Subject: pkix.Name{},
		NotBefore: t0.Add(-5 * time.Minute), NotAfter: t0.Add(5 * time.Minute),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		EmailAddresses: []string{"signer@example.com"},
	}
	if change != nil {
		change(lt)
	}
	return mustCert(t, lt, p.inter, &k.PublicKey, p.interKey)
}

// flipSignature returns c with one bit of its signature changed.
func flipSignature(t *testing.T, c *x509.Certificate) *x509.Certificate {
	t.Helper()
	raw := append([]byte(nil), c.Raw...)
	raw[len(raw)-3] ^= 0x01
	f, err := x509.ParseCertificate(raw)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestAnchoredCAMatchesX509(t *testing.T) {
	good := newPKI(t, nil)
	other := newPKI(t, nil) // same names, other keys
	other.inter.RawSubject = good.inter.RawSubject
	unknownCritical := func(c *x509.Certificate) {
		c.ExtraExtensions = []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 2, 3, 4}, Critical: true, Value: []byte{0x05, 0x00}}}
	}
	tests := []struct {
		name     string
		pki      pki
		leaf     func(t *testing.T) *x509.Certificate
		at       time.Time
		validFor [2]time.Time // the CA's validity period in the trusted root
		fast     bool         // the CA has an anchor
		fallback bool         // but this leaf must take the full path
	}{
		{name: "valid", pki: good, at: t0, fast: true},
		{name: "before leaf NotBefore", pki: good, at: t0.Add(-10 * time.Minute), fast: true},
		{name: "after leaf NotAfter", pki: good, at: t0.Add(10 * time.Minute), fast: true},
		{name: "after intermediate NotAfter", pki: good, at: t0.Add(2 * 365 * 24 * time.Hour), fast: true,
			leaf: func(t *testing.T) *x509.Certificate {
				return good.leaf(t, func(c *x509.Certificate) { c.NotAfter = t0.Add(3 * 365 * 24 * time.Hour) })
			}},
		{name: "flipped leaf signature", pki: good, at: t0, fast: true,
			leaf: func(t *testing.T) *x509.Certificate { return flipSignature(t, good.leaf(t, nil)) }},
		{name: "leaf signed by another key under the same name", pki: good, at: t0, fast: true, fallback: true,
			leaf: func(t *testing.T) *x509.Certificate { return other.leaf(t, nil) }},
		{name: "leaf without CodeSigning", pki: good, at: t0, fast: true,
			leaf: func(t *testing.T) *x509.Certificate {
				return good.leaf(t, func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth} })
			}},
		{name: "leaf with an unknown critical extension", pki: good, at: t0, fast: true,
			leaf: func(t *testing.T) *x509.Certificate { return good.leaf(t, unknownCritical) }},
		{name: "leaf signed with ECDSA-SHA256", pki: good, at: t0, fast: true,
			leaf: func(t *testing.T) *x509.Certificate {
				return good.leaf(t, func(c *x509.Certificate) { c.SignatureAlgorithm = x509.ECDSAWithSHA256 })
			}},
		{name: "outside the CA's validity in the root", pki: good, at: t0, fast: true,
			validFor: [2]time.Time{t0.Add(time.Hour), {}}},
		{name: "intermediate with name constraints", at: t0,
			pki: newPKI(t, func(c *x509.Certificate) { c.PermittedEmailAddresses = []string{"other.example"} })},
		{name: "intermediate without CertSign", at: t0,
			pki: newPKI(t, func(c *x509.Certificate) { c.KeyUsage = x509.KeyUsageDigitalSignature })},
		{name: "intermediate for ServerAuth only", at: t0,
			pki: newPKI(t, func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth} })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			leaf := tt.pki.leaf(t, nil)
			if tt.leaf != nil {
				leaf = tt.leaf(t)
			}
			ca := &root.FulcioCertificateAuthority{Root: tt.pki.root, Intermediates: []*x509.Certificate{tt.pki.inter},
				ValidityPeriodStart: tt.validFor[0], ValidityPeriodEnd: tt.validFor[1]}
			a := newAnchoredCA(ca)
			if _, _, took := a.verifyAnchored(leaf, tt.at); took != (tt.fast && !tt.fallback) {
				t.Fatalf("anchored path taken = %v, want %v", took, tt.fast && !tt.fallback)
			}
			wantChains, wantErr := ca.Verify(leaf, tt.at)
			// Past tableAfter uses the anchor checks with its key's table
			// (internal/ecfixed): both ways must decide alike.
			for i := range tableAfter + 2 {
				gotChains, gotErr := a.Verify(leaf, tt.at)
				if (gotErr == nil) != (wantErr == nil) {
					t.Fatalf("use %d: anchored: %v; x509: %v", i, gotErr, wantErr)
				}
				if wantErr == nil && !reflect.DeepEqual(gotChains, wantChains) {
					t.Fatalf("use %d: chains differ:\n got %v\nwant %v", i, gotChains, wantChains)
				}
			}
		})
	}
}

// TestAnchoredTSAMatchesLibrary replays every RFC 3161 timestamp of the
// conformance bundles — good ones and the tampered ones of the
// rekor2-timestamp-*_fail cases — through both the anchored TSA and
// sigstore-go's, against each case's trusted root.
func TestAnchoredTSAMatchesLibrary(t *testing.T) {
	dir := cases.Corpus(3, "conformance")
	var rc cases.RootCache
	checked, fast := 0, 0
	for _, c := range cases.Read(t, dir) {
		tr, err := rc.Get(c.Path(c.TrustedRoot))
		if err != nil {
			continue
		}
		b, err := sigstore.LoadBundle(c.BundlePath())
		if err != nil {
			continue
		}
		tss, err := b.Timestamps()
		if err != nil || len(tss) == 0 {
			continue
		}
		sc, err := b.SignatureContent()
		if err != nil {
			continue
		}
		for _, tsa := range tr.TimestampingAuthorities() {
			s, ok := tsa.(*root.SigstoreTimestampingAuthority)
			if !ok {
				continue
			}
			a := newAnchoredTSA(s)
			if a.once.Do(a.prepare); a.above != nil {
				fast++
			}
			for _, ts := range tss {
				want, wantErr := s.Verify(ts, sc.Signature())
				got, gotErr := a.Verify(ts, sc.Signature())
				checked++
				if (gotErr == nil) != (wantErr == nil) {
					t.Errorf("%s: anchored: %v; library: %v", c.Name, gotErr, wantErr)
					continue
				}
				if wantErr == nil && *got != *want {
					t.Errorf("%s: anchored %v, library %v", c.Name, got, want)
				}
			}
		}
	}
	if checked < 10 || fast == 0 {
		t.Fatalf("only %d timestamps checked, %d anchored TSAs: the replay found too little to compare", checked, fast)
	}
	t.Logf("%d timestamps compared", checked)
}

// tNow anchors the timestamp tests: the CMS signer adds the real signing
// time, which must fall within the signing certificate's validity.
var tNow = time.Now().UTC().Truncate(time.Second)

// tsaPKI is a timestamp authority: a P-256 root and a signing certificate
// with the critical TimeStamping EKU (change may alter its template).
type tsaPKI struct {
	key  *ecdsa.PrivateKey
	leaf *x509.Certificate
	tsa  *root.SigstoreTimestampingAuthority
}

func newTSAPKI(t *testing.T, change func(*x509.Certificate)) tsaPKI {
	return newTSAPKIOn(t, elliptic.P256(), change)
}

// newTSAPKIOn is newTSAPKI with a signing key on curve (the public-good
// authority's is P-384, which takes the fixed-key verifier).
func newTSAPKIOn(t testing.TB, curve elliptic.Curve, change func(*x509.Certificate)) tsaPKI {
	t.Helper()
	rootKey, key := mustKey(t, elliptic.P256()), mustKey(t, curve)
	rt := &x509.Certificate{
		SerialNumber: nextSerial(), Subject: pkix.Name{CommonName: "tsa root"},
		NotBefore: tNow.Add(-10 * 365 * 24 * time.Hour), NotAfter: tNow.Add(10 * 365 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	rc := mustCert(t, rt, rt, &rootKey.PublicKey, rootKey)
	eku, err := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}})
	if err != nil {
		t.Fatal(err)
	}
	lt := &x509.Certificate{
		SerialNumber: nextSerial(), Subject: pkix.Name{CommonName: "tsa"},
		NotBefore: tNow.Add(-24 * time.Hour), NotAfter: tNow.Add(24 * time.Hour),
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true, Value: eku}},
	}
	if change != nil {
		change(lt)
	}
	leaf := mustCert(t, lt, rc, &key.PublicKey, rootKey)
	return tsaPKI{key: key, leaf: leaf, tsa: &root.SigstoreTimestampingAuthority{
		Root: rc, Leaf: leaf, URI: "https://tsa.test", ValidityPeriodStart: tNow.Add(-48 * time.Hour),
	}}
}

// token is an RFC 3161 response over artifact as sigstore's
// timestamp-authority makes one (github.com/digitorus/timestamp).
func token(t testing.TB, cert *x509.Certificate, key crypto.Signer, artifact []byte, at time.Time, h crypto.Hash, embed bool) []byte {
	t.Helper()
	d := h.New()
	d.Write(artifact)
	ts := timestamp.Timestamp{
		HashAlgorithm: h, HashedMessage: d.Sum(nil), Time: at,
		Policy: asn1.ObjectIdentifier{1, 2, 3}, AddTSACertificate: embed,
	}
	resp, err := ts.CreateResponseWithOpts(cert, key, crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// TestAnchoredTSATokens compares the anchored TSA with sigstore-go's on
// tokens made for the purpose: with and without the certificate embedded,
// signed by another key, naming another signer, over another artifact,
// outside the signing certificate's validity, from a
// signing certificate without the critical EKU — and every single-byte
// change of a good token, with and without the certificate.
func TestAnchoredTSATokens(t *testing.T) {
	p := newTSAPKI(t, nil)
	p384 := newTSAPKIOn(t, elliptic.P384(), nil)
	other := newTSAPKI(t, nil)
	other384 := newTSAPKIOn(t, elliptic.P384(), nil)
	noncrit := newTSAPKI(t, func(c *x509.Certificate) {
		c.ExtraExtensions = nil
		c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}
	})
	late := newTSAPKI(t, nil)
	late.tsa.ValidityPeriodStart, late.tsa.ValidityPeriodEnd = tNow, tNow.Add(2*time.Hour)
	sig := []byte("signature bytes")
	at := tNow.Add(time.Hour)
	cases := []struct {
		name string
		tsa  tsaPKI
		tok  []byte
		pass bool
	}{
		{"embedded", p, token(t, p.leaf, p.key, sig, at, crypto.SHA256, true), true},
		{"not embedded", p, token(t, p.leaf, p.key, sig, at, crypto.SHA256, false), true},
		{"sha512", p, token(t, p.leaf, p.key, sig, at, crypto.SHA512, true), true},
		{"embedded, signed by another key", p, token(t, p.leaf, other.key, sig, at, crypto.SHA256, true), false},
		{"not embedded, signed by another key", p, token(t, p.leaf, other.key, sig, at, crypto.SHA256, false), false},
		{"another authority's token", p, token(t, other.leaf, other.key, sig, at, crypto.SHA256, true), false},
		{"another authority's token, not embedded", p, token(t, other.leaf, other.key, sig, at, crypto.SHA256, false), false},
		{"other artifact", p, token(t, p.leaf, p.key, []byte("other"), at, crypto.SHA256, true), false},
		{"after the certificate expired", p, token(t, p.leaf, p.key, sig, tNow.Add(25*time.Hour), crypto.SHA256, true), false},
		{"before the certificate was valid", p, token(t, p.leaf, p.key, sig, tNow.Add(-25*time.Hour), crypto.SHA256, true), false},
		{"before the authority's validity period", late, token(t, late.leaf, late.key, sig, tNow.Add(-time.Hour), crypto.SHA256, true), false},
		{"after the authority's validity period", late, token(t, late.leaf, late.key, sig, tNow.Add(3*time.Hour), crypto.SHA256, true), false},
		{"within the authority's validity period", late, token(t, late.leaf, late.key, sig, tNow.Add(time.Hour), crypto.SHA256, true), true},
		{"EKU not critical", noncrit, token(t, noncrit.leaf, noncrit.key, sig, at, crypto.SHA256, true), false},
		{"P-384, embedded", p384, token(t, p384.leaf, p384.key, sig, at, crypto.SHA256, true), true},
		{"P-384, not embedded", p384, token(t, p384.leaf, p384.key, sig, at, crypto.SHA512, false), true},
		{"P-384, signed by another key", p384, token(t, p384.leaf, other384.key, sig, at, crypto.SHA256, true), false},
		{"P-384, another authority's token", p384, token(t, other384.leaf, other384.key, sig, at, crypto.SHA256, true), false},
		{"P-384, other artifact", p384, token(t, p384.leaf, p384.key, []byte("other"), at, crypto.SHA256, false), false},
	}
	compare := func(t *testing.T, a *anchoredTSA, lib *root.SigstoreTimestampingAuthority, tok []byte) (bool, error) {
		t.Helper()
		want, wantErr := lib.Verify(tok, sig)
		got, gotErr := a.Verify(tok, sig)
		if (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("anchored: %v; library: %v", gotErr, wantErr)
		}
		if wantErr == nil && *got != *want {
			t.Fatalf("anchored %v, library %v", got, want)
		}
		return wantErr == nil, wantErr
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := newAnchoredTSA(c.tsa.tsa)
			if a.once.Do(a.prepare); a.above == nil {
				t.Fatal("the anchored path was not taken")
			}
			if ok, err := compare(t, a, c.tsa.tsa, c.tok); ok != c.pass {
				t.Fatalf("verified = %v (%v), want %v", ok, err, c.pass)
			}
		})
	}
	for _, tp := range []struct {
		name string
		pki  tsaPKI
	}{{"P-256", p}, {"P-384", p384}} {
		a := newAnchoredTSA(tp.pki.tsa)
		if a.once.Do(a.prepare); a.check == nil {
			t.Fatalf("%s: no signature checker for the signing key", tp.name)
		}
		for _, embed := range []bool{true, false} {
			good := token(t, tp.pki.leaf, tp.pki.key, sig, at, crypto.SHA256, embed)
			passed := 0
			for i := range good {
				for _, bit := range []byte{0x01, 0x80} {
					tok := bytes.Clone(good)
					tok[i] ^= bit
					if ok, _ := compare(t, a, tp.pki.tsa, tok); ok {
						passed++
					}
				}
			}
			// The table of the fixed-key verifier is built after a few
			// uses: most of these went through it.
			t.Logf("%s, embedded=%v: %d bytes × 2 flips compared, %d still verify on both paths", tp.name, embed, len(good), passed)
		}
	}
}

// FuzzAnchoredTSA holds the anchored timestamp path (fasttsa.go's parser
// and CMS check) to sigstore-go's verdict on any response.
func FuzzAnchoredTSA(f *testing.F) {
	p := newTSAPKIOn(f, elliptic.P384(), nil)
	sig := []byte("signature bytes")
	at := tNow.Add(time.Hour)
	for _, embed := range []bool{true, false} {
		f.Add(token(f, p.leaf, p.key, sig, at, crypto.SHA256, embed))
	}
	a := newAnchoredTSA(p.tsa)
	f.Fuzz(func(t *testing.T, tok []byte) {
		_, wantErr := p.tsa.Verify(tok, sig)
		_, gotErr := a.Verify(tok, sig)
		if (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("anchored: %v; library: %v", gotErr, wantErr)
		}
	})
}
