package fast

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/digitorus/timestamp"
	"github.com/sigstore/sigstore-go/pkg/root"
	tsaverification "github.com/sigstore/timestamp-authority/v2/pkg/verification"

	"github.com/ats-run/selfattest/internal/ecfixed"
)

// Fulcio certificate chains without repeated work.
//
// sigstore-go checks a bundle's leaf certificate with crypto/x509's path
// validation against each Fulcio CA of the trusted root. That verifies
// every signature on the path again for every bundle, although all but the
// leaf's are fixed trusted material: the intermediate's signature by the
// root is the same bytes each time, and a P-384 signature costs more here
// than everything else in a bundle. anchoredCA verifies those fixed links
// once, when the verifier is made, and for each bundle checks only what
// depends on it:
//
//   - the CA's validity period from the trusted root, at the observer
//     timestamp (as sigstore-go does);
//   - full x509 path validation of the leaf against its issuing CA
//     certificate as the anchor — the leaf's signature, its validity at the
//     timestamp, the issuer's validity and CA status, key usages;
//   - the validity at the timestamp of every certificate above the anchor.
//
// An anchor is used only when nothing above it constrains the leaf in a
// way x509 would check per leaf (name constraints, a path length limit the
// leaf's path could break); otherwise, and for any leaf whose issuer is
// not a pre-verified anchor, it falls back to the CA's own Verify, which
// is sigstore-go's code path unchanged.
//
// Only a verifier made with Options.FastPaths takes this path; by
// default sigstore-go decides. TestFastPathsMatchDefault and
// FuzzFastPathDifferential hold the opt-in to the default path's verdicts.

// caAnchor is a CA certificate whose chain up to the root verified once.
type caAnchor struct {
	cert  *x509.Certificate
	above []*x509.Certificate // the rest of the chain, ending with the root
	// verify checks a signature by cert's key over a digest; nil means
	// the anchor has no fast path (the root itself, an unusual key).
	verify func(alg x509.SignatureAlgorithm, signed, signature []byte) error
}

// anchoredCA wraps a Fulcio CA with its pre-verified anchors, prepared
// on first use: a verifier used once pays what sigstore-go pays (the
// chain's signatures, once), a verifier used many times pays it once.
type anchoredCA struct {
	ca      *root.FulcioCertificateAuthority
	once    sync.Once
	anchors []caAnchor
}

var _ root.CertificateAuthority = (*anchoredCA)(nil)

func newAnchoredCA(ca *root.FulcioCertificateAuthority) *anchoredCA {
	return &anchoredCA{ca: ca}
}

// prepare verifies the CA's intermediates up to its root, once.
func (a *anchoredCA) prepare() {
	ca := a.ca
	if ca.Root == nil {
		return
	}
	roots, inter := pools(ca.Root, ca.Intermediates)
	for _, c := range ca.Intermediates {
		// The signatures are what is checked once; any time inside the
		// intermediate's validity will do, and validity is checked again,
		// at each bundle's timestamp, for every certificate on the path.
		chains, err := c.Verify(x509.VerifyOptions{
			Roots:         roots,
			Intermediates: inter,
			CurrentTime:   c.NotBefore,
			KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		})
		if err != nil || len(chains) != 1 {
			continue // not a usable anchor: such leaves take the full path
		}
		above := chains[0][1:]
		if !canSignCertificates(c) || !unconstrained(chains[0], 1) {
			continue
		}
		a.anchors = append(a.anchors, caAnchor{cert: c, above: above, verify: signatureChecker(c)})
	}
}

// pools returns a pool holding root and one holding intermediates.
func pools(root *x509.Certificate, intermediates []*x509.Certificate) (roots, inter *x509.CertPool) {
	roots, inter = x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(root)
	for _, c := range intermediates {
		inter.AddCert(c)
	}
	return roots, inter
}

// canSignCertificates holds the conditions crypto/x509's
// CheckSignatureFrom puts on a parent before it checks a signature.
func canSignCertificates(c *x509.Certificate) bool {
	if c.Version == 3 && !c.BasicConstraintsValid || c.BasicConstraintsValid && !c.IsCA {
		return false
	}
	if c.KeyUsage != 0 && c.KeyUsage&x509.KeyUsageCertSign == 0 {
		return false
	}
	return c.PublicKeyAlgorithm != x509.UnknownPublicKeyAlgorithm
}

// unconstrained reports whether no certificate of chain (an anchor and
// the certificates above it) carries name constraints, policy constraints
// or policy mappings, or a path length limit that a leaf below could
// break: the checks crypto/x509 makes over a whole path that a path from
// the anchor down would not repeat. below is how many certificates sit
// under chain[0], the leaf included.
func unconstrained(chain []*x509.Certificate, below int) bool {
	for i, c := range chain {
		if hasNameConstraints(c) || hasPolicyConstraints(c) {
			return false
		}
		// Intermediates between c and the leaf: those of chain below c,
		// and below-1 more under chain[0].
		if c.BasicConstraintsValid && (c.MaxPathLen > 0 || c.MaxPathLenZero) && c.MaxPathLen < i+below-1 {
			return false
		}
	}
	return true
}

func hasNameConstraints(c *x509.Certificate) bool {
	return c.PermittedDNSDomainsCritical || len(c.PermittedDNSDomains) > 0 || len(c.ExcludedDNSDomains) > 0 ||
		len(c.PermittedIPRanges) > 0 || len(c.ExcludedIPRanges) > 0 ||
		len(c.PermittedEmailAddresses) > 0 || len(c.ExcludedEmailAddresses) > 0 ||
		len(c.PermittedURIDomains) > 0 || len(c.ExcludedURIDomains) > 0
}

func hasPolicyConstraints(c *x509.Certificate) bool {
	return c.RequireExplicitPolicy > 0 || c.RequireExplicitPolicyZero ||
		c.InhibitPolicyMapping > 0 || c.InhibitPolicyMappingZero ||
		c.InhibitAnyPolicy > 0 || c.InhibitAnyPolicyZero || len(c.PolicyMappings) > 0
}

// signatureChecker returns how to check a signature by c's key over a
// certificate, as crypto/x509 does for the ECDSA algorithms Fulcio uses,
// or nil for any other key.
//
// For a P-384 key — Fulcio's intermediates — the check switches, after a
// few signatures, to a table of multiples of that key (internal/ecfixed):
// the same decision as crypto/ecdsa, about three times faster, for a table
// that costs about two signatures to build. A verifier used once never
// builds it.
func signatureChecker(c *x509.Certificate) func(x509.SignatureAlgorithm, []byte, []byte) error {
	pub, ok := c.PublicKey.(*ecdsa.PublicKey)
	if !ok {
		return nil
	}
	var (
		uses  atomic.Int32
		once  sync.Once
		fixed *ecfixed.P384Verifier
	)
	verify := func(digest, sig []byte) bool {
		if uses.Add(1) > tableAfter {
			once.Do(func() { fixed, _ = ecfixed.NewP384Verifier(pub) }) // nil for other curves
			if fixed != nil {
				return fixed.VerifyASN1(digest, sig)
			}
		}
		return ecdsa.VerifyASN1(pub, digest, sig)
	}
	return func(alg x509.SignatureAlgorithm, signed, signature []byte) error {
		var digest []byte
		switch alg {
		case x509.ECDSAWithSHA256:
			d := sha256.Sum256(signed)
			digest = d[:]
		case x509.ECDSAWithSHA384:
			d := sha512.Sum384(signed)
			digest = d[:]
		case x509.ECDSAWithSHA512:
			d := sha512.Sum512(signed)
			digest = d[:]
		default:
			return errNoFastPath
		}
		if !verify(digest, signature) {
			return errBadLeafSig
		}
		return nil
	}
}

// tableAfter is how many signatures an anchor checks with crypto/ecdsa
// before it builds its key's table.
const tableAfter = 3

var (
	errCANotYetValid = errors.New("certificate is not valid yet")
	errCAExpired     = errors.New("certificate is no longer valid")
	errNoFastPath    = errors.New("no fast path")
	errBadLeafSig    = errors.New("x509: ECDSA verification failure")
)

// Verify checks cert as the wrapped CA's Verify would, and returns the
// same chains: leaf, intermediates, root.
//
// On the fast path the leaf is checked in two parts that together make
// crypto/x509's path validation of [leaf, anchor, above…]: the link from
// the anchor to the leaf (names chain, the anchor may sign certificates —
// checked once —, the leaf's signature by the anchor's key), and x509's
// own checks of the leaf alone (its validity at t, unhandled critical
// extensions, the CodeSigning key usage), made by x509.Verify with the
// leaf as its own anchor; then the validity at t of the anchor and every
// certificate above it. Everything else on the path was checked once and
// cannot change.
func (a *anchoredCA) Verify(cert *x509.Certificate, t time.Time) ([][]*x509.Certificate, error) {
	ca := a.ca
	if !ca.ValidityPeriodStart.IsZero() && t.Before(ca.ValidityPeriodStart) {
		return nil, errCANotYetValid
	}
	if !ca.ValidityPeriodEnd.IsZero() && t.After(ca.ValidityPeriodEnd) {
		return nil, errCAExpired
	}
	if chains, err, ok := a.verifyAnchored(cert, t); ok {
		return chains, err
	}
	return ca.Verify(cert, t)
}

// verifyAnchored is the fast path; ok is false when no anchor applies and
// the full path must decide.
func (a *anchoredCA) verifyAnchored(cert *x509.Certificate, t time.Time) (chains [][]*x509.Certificate, err error, ok bool) {
	a.once.Do(a.prepare)
	for _, an := range a.anchors {
		if an.verify == nil || !bytes.Equal(cert.RawIssuer, an.cert.RawSubject) {
			continue
		}
		if len(cert.AuthorityKeyId) > 0 && len(an.cert.SubjectKeyId) > 0 && !bytes.Equal(cert.AuthorityKeyId, an.cert.SubjectKeyId) {
			continue
		}
		switch err := an.verify(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature); {
		case errors.Is(err, errNoFastPath):
			continue
		case err != nil:
			return nil, errBadLeafSig, true
		}
		self := x509.NewCertPool()
		self.AddCert(cert)
		if _, err := cert.Verify(x509.VerifyOptions{
			Roots:       self,
			CurrentTime: t,
			KeyUsages:   []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		}); err != nil {
			return nil, err, true
		}
		for _, c := range append([]*x509.Certificate{an.cert}, an.above...) {
			if t.Before(c.NotBefore) || t.After(c.NotAfter) {
				return nil, x509.CertificateInvalidError{Cert: c, Reason: x509.Expired}, true
			}
		}
		chain := append([]*x509.Certificate{cert, an.cert}, an.above...)
		return [][]*x509.Certificate{chain}, nil, true
	}
	return nil, nil, false
}

// anchoredMaterial is trusted material whose Fulcio CAs and timestamp
// authorities are anchored.
type anchoredMaterial struct {
	root.TrustedMaterial
	cas  []root.CertificateAuthority
	tsas []root.TimestampingAuthority
}

func newAnchoredMaterial(tm root.TrustedMaterial) *anchoredMaterial {
	m := &anchoredMaterial{TrustedMaterial: tm}
	for _, ca := range tm.FulcioCertificateAuthorities() {
		if f, ok := ca.(*root.FulcioCertificateAuthority); ok {
			m.cas = append(m.cas, newAnchoredCA(f))
		} else {
			m.cas = append(m.cas, ca)
		}
	}
	for _, tsa := range tm.TimestampingAuthorities() {
		if s, ok := tsa.(*root.SigstoreTimestampingAuthority); ok {
			m.tsas = append(m.tsas, newAnchoredTSA(s))
		} else {
			m.tsas = append(m.tsas, tsa)
		}
	}
	return m
}

func (m *anchoredMaterial) FulcioCertificateAuthorities() []root.CertificateAuthority { return m.cas }

func (m *anchoredMaterial) TimestampingAuthorities() []root.TimestampingAuthority { return m.tsas }

// Timestamp authorities, likewise.
//
// A trusted root names each timestamp authority's whole chain — its
// signing certificate, intermediates and root — so for a timestamp only
// the response's signature and what depends on the timestamp need
// checking. anchoredTSA verifies the chain once (signatures, key usages as
// the timestamp-authority library requires them: the signing certificate's
// single TimeStamping EKU, intermediates that allow time stamping), then
// verifies each response with the library's own VerifyTimestampResponse
// against the signing certificate as anchor — the response's signature,
// signer, ESS certificate id, nonce, policy, hashed message, the signing
// certificate's validity at the timestamp — and checks the validity of the
// rest of the chain at the timestamp. A TSA without a signing certificate
// in the root, or whose chain does not verify, takes the library's full
// path, unchanged.
type anchoredTSA struct {
	tsa   *root.SigstoreTimestampingAuthority
	once  sync.Once
	above []*x509.Certificate // intermediates and root, pre-verified; nil: no fast path
	// check verifies a signature by the signing certificate's key with a
	// precomputed table once it has been used a few times (nil: not ECDSA).
	check func(x509.SignatureAlgorithm, []byte, []byte) error
}

var _ root.TimestampingAuthority = (*anchoredTSA)(nil)

func newAnchoredTSA(tsa *root.SigstoreTimestampingAuthority) *anchoredTSA {
	return &anchoredTSA{tsa: tsa}
}

// prepare verifies the TSA's chain once, on first use.
func (a *anchoredTSA) prepare() {
	tsa := a.tsa
	if tsa.Leaf == nil || tsa.Root == nil {
		return
	}
	roots, inter := pools(tsa.Root, tsa.Intermediates)
	chains, err := tsa.Leaf.Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: inter,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping},
		CurrentTime:   tsa.Leaf.NotBefore,
	})
	if err != nil {
		return
	}
	for _, ch := range chains {
		ok := true
		for _, c := range ch[1 : len(ch)-1] {
			if !allowsTimeStamping(c) {
				ok = false
				break
			}
		}
		if ok {
			a.above = ch[1:]
			a.check = signatureChecker(tsa.Leaf)
			return
		}
	}
}

// allowsTimeStamping is the timestamp-authority library's rule for an
// intermediate: no EKU (unrestricted), or one that includes TimeStamping
// or Any.
func allowsTimeStamping(c *x509.Certificate) bool {
	if len(c.ExtKeyUsage) == 0 {
		return true
	}
	for _, u := range c.ExtKeyUsage {
		if u == x509.ExtKeyUsageTimeStamping || u == x509.ExtKeyUsageAny {
			return true
		}
	}
	return false
}

func (a *anchoredTSA) Verify(signedTimestamp, signature []byte) (*root.Timestamp, error) {
	a.once.Do(a.prepare)
	if a.above == nil {
		return a.tsa.Verify(signedTimestamp, signature)
	}
	ts, err := a.verifyResponse(signedTimestamp, signature)
	if err != nil {
		return nil, err
	}
	tsa := a.tsa
	for _, c := range a.above {
		if ts.Time.Before(c.NotBefore) || ts.Time.After(c.NotAfter) {
			return nil, x509.CertificateInvalidError{Cert: c, Reason: x509.Expired}
		}
	}
	if !tsa.ValidityPeriodStart.IsZero() && ts.Time.Before(tsa.ValidityPeriodStart) {
		return nil, errors.New("timestamp is before the validity period start")
	}
	if !tsa.ValidityPeriodEnd.IsZero() && ts.Time.After(tsa.ValidityPeriodEnd) {
		return nil, errors.New("timestamp is after the validity period end")
	}
	return &root.Timestamp{Time: ts.Time, URI: tsa.URI}, nil
}

// verifyResponse makes the checks of timestamp-authority's
// VerifyTimestampResponse (v2.1.3) with the signing certificate as the only
// anchor, in the same order, but verifies the response's signature once
// instead of twice: the library's timestamp.ParseResponse already verifies
// the CMS signature with the certificate the token embeds, and
// VerifyTimestampResponse then parses and verifies the same signature again
// before checking that the signer is the expected certificate. Here the
// signer is required to be the trusted signing certificate (byte-for-byte),
// and the signature is verified by parseTimestampResponse (fasttsa.go:
// ParseResponse's decisions, with the signing key's fixed-key verifier) or,
// when the token embeds no certificate, by verifyCMS with the signing
// certificate. Everything else is the
// library's: its hash-algorithm rule, its leaf-certificate
// rules (end entity, critical EKU, TimeStamping as the single EKU), and the
// leaf's validity at the timestamp; the chain above the leaf was verified
// once by prepare. TestAnchoredTSAMatchesLibrary holds the two paths to the
// same verdicts, on real and on mutated tokens.
func (a *anchoredTSA) verifyResponse(tsr, artifact []byte) (*timestamp.Timestamp, error) {
	leaf := a.tsa.Leaf
	ts, p7, err := parseTimestampResponse(tsr, leaf, a.check)
	if err != nil {
		return nil, fmt.Errorf("timestamp response is not valid: %w", err)
	}
	switch ts.HashAlgorithm {
	case crypto.SHA1:
		return nil, tsaverification.ErrWeakHashAlg
	case crypto.SHA256, crypto.SHA384, crypto.SHA512:
	default:
		return nil, tsaverification.ErrUnsupportedHashAlg
	}
	if len(p7.Certificates) == 0 {
		// parseTimestampResponse verified nothing: verify the signature
		// with the trusted signing certificate, as the library does.
		p7.Certificates = []*x509.Certificate{leaf}
		if err := verifyCMS(p7, p7.Certificates, leaf, a.check); err != nil {
			return nil, fmt.Errorf("error while verifying signature: %w", err)
		}
	}
	signer := p7.GetOnlySigner()
	if signer == nil {
		return nil, errors.New("signer certificate was not found")
	}
	if !leaf.Equal(signer) {
		return nil, errors.New("certificate embedded in the TSR does not match the provided TSA certificate")
	}
	if ts.Time.Before(leaf.NotBefore) || ts.Time.After(leaf.NotAfter) {
		return nil, x509.CertificateInvalidError{Cert: leaf, Reason: x509.Expired}
	}
	if err := checkTSALeaf(leaf); err != nil {
		return nil, err
	}
	h := ts.HashAlgorithm.New()
	h.Write(artifact)
	if !bytes.Equal(h.Sum(nil), ts.HashedMessage) {
		return nil, errors.New("hashed messages don't match")
	}
	return ts, nil
}

// checkTSALeaf is the library's verifyLeafCert for a signer that is the
// trusted signing certificate: an end entity whose extended key usage
// extension is critical and names TimeStamping alone.
func checkTSALeaf(c *x509.Certificate) error {
	if c.IsCA {
		return errors.New("TSA certificate must be an end-entity certificate, not a CA")
	}
	critical := false
	for _, ext := range c.Extensions {
		if ext.Id.Equal(tsaverification.EKUOID) {
			critical = ext.Critical
			break
		}
	}
	if !critical {
		return errors.New("certificate must set EKU to critical")
	}
	if len(c.ExtKeyUsage)+len(c.UnknownExtKeyUsage) != 1 || len(c.ExtKeyUsage) != 1 || c.ExtKeyUsage[0] != x509.ExtKeyUsageTimeStamping {
		return errors.New("leaf certificate EKU is not set to TimeStamping alone")
	}
	return nil
}
