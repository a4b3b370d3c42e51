package fast

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	ct "github.com/google/certificate-transparency-go"
	"github.com/google/certificate-transparency-go/ctutil"
	ctx509 "github.com/google/certificate-transparency-go/x509"
	"github.com/google/certificate-transparency-go/x509util"
	"github.com/sigstore/sigstore-go/pkg/root"
)

// Signed certificate timestamps without repeated work.
//
// sigstore-go v1.3.0's VerifySignedCertificateTimestamp (pkg/verify/sct.go)
// parses the leaf with certificate-transparency-go's x509 twice, the
// issuer once for every SCT, and rebuilds the precertificate (the leaf's
// TBSCertificate without its SCT list) for every SCT it tries; parsing
// costs it more than the SCT's signature. sctVerifier makes the same
// checks with the same library calls, each once:
//
//   - the leaf is parsed by certificate-transparency-go's x509 once, and
//     any error — fatal or not — rejects, as in sigstore-go;
//   - the SCTs are those of that parse (x509util.ParseSCTsFromSCTList,
//     which x509util.ParseSCTsFromCertificate calls);
//   - an SCT counts only from a log of the trusted root, within that log's
//     validity period, once per log, as in sigstore-go;
//   - for each chain sigstore-go's path validation returned, the issuer
//     (the chain's second certificate) is parsed as sigstore-go parses it,
//     once per trusted certificate rather than once per bundle;
//   - ctutil's checks per SCT: that it is one of the leaf's own
//     (ctutil.ContainsSCT), and its signature (ct.SignatureVerifier) over
//     the precertificate entry — the TBSCertificate without its SCT list
//     (ctx509.RemoveSCTList, once per leaf) and the SHA-256 of the issuer's
//     public key — exactly the entry ct.MerkleTreeLeafForEmbeddedSCT
//     builds;
//   - at least threshold logs must verify.
//
// The tests hold it to sigstore-go's verdicts (TestSCTMatchesSigstoreGo,
// FuzzSCT).
//
// Only a verifier made with Options.FastPaths takes this path; by
// default sigstore-go decides. TestFastPathsMatchDefault and
// FuzzFastPathDifferential hold the opt-in to the default path's verdicts.
type sctVerifier struct {
	logs    map[string]*root.TransparencyLog
	issuers sync.Map // *x509.Certificate → ctIssuer
}

type ctIssuer struct {
	certs []*ctx509.Certificate
	err   error
}

func newSCTVerifier(tm root.TrustedMaterial) *sctVerifier {
	return &sctVerifier{logs: tm.CTLogs()}
}

// issuer is ctx509.ParseCertificates(c.Raw), computed once per certificate:
// c is trusted material (a certificate of a CA in the trusted root).
func (s *sctVerifier) issuer(c *x509.Certificate) ([]*ctx509.Certificate, error) {
	if v, ok := s.issuers.Load(c); ok {
		i := v.(ctIssuer)
		return i.certs, i.err
	}
	certs, err := ctx509.ParseCertificates(c.Raw)
	s.issuers.Store(c, ctIssuer{certs, err})
	return certs, err
}

// verify is sigstore-go's VerifySignedCertificateTimestamp(chains,
// threshold, trusted material); chains are those its leaf certificate
// check returned.
func (s *sctVerifier) verify(chains [][]*x509.Certificate, threshold int) error {
	if len(chains) == 0 || len(chains[0]) == 0 || chains[0][0] == nil {
		return errors.New("no chains provided")
	}
	leaf, err := ctx509.ParseCertificate(chains[0][0].Raw)
	if err != nil {
		return fmt.Errorf("failed to parse certificate: %s", err)
	}
	scts, err := x509util.ParseSCTsFromSCTList(&leaf.SCTList)
	if err != nil {
		return err
	}
	// The precertificate's TBSCertificate, made when a first SCT is tried.
	precert := sync.OnceValues(func() ([]byte, error) { return ctx509.RemoveSCTList(leaf.RawTBSCertificate) })
	verifiedLogs := make(map[string]bool)
	for _, sct := range scts {
		id := hex.EncodeToString(sct.LogID.KeyID[:])
		if verifiedLogs[id] {
			continue
		}
		key, ok := s.logs[id]
		if !ok {
			continue
		}
		sctTime := ct.TimestampToTime(sct.Timestamp)
		if !key.ValidityPeriodStart.IsZero() && sctTime.Before(key.ValidityPeriodStart) {
			continue
		}
		if !key.ValidityPeriodEnd.IsZero() && sctTime.After(key.ValidityPeriodEnd) {
			continue
		}
		for _, chain := range chains {
			if len(chain) < 2 {
				continue
			}
			issuer, err := s.issuer(chain[1])
			if err != nil || len(issuer) == 0 {
				// sigstore-go skips an issuer it cannot parse; an empty
				// parse leaves ctutil with no issuer, which it refuses.
				continue
			}
			tbs, err := precert()
			if err != nil {
				continue
			}
			if verifyEmbeddedSCT(key, leaf, issuer[0], tbs, sct) == nil {
				verifiedLogs[id] = true
				break
			}
		}
	}
	if len(verifiedLogs) < threshold {
		return fmt.Errorf("only able to verify %d SCT entries; unable to meet threshold of %d", len(verifiedLogs), threshold)
	}
	return nil
}

// verifyEmbeddedSCT is ctutil.VerifySCT(key, [leaf, issuer, …], sct, true)
// with the precertificate's TBSCertificate already made.
func verifyEmbeddedSCT(key *root.TransparencyLog, leaf, issuer *ctx509.Certificate, tbs []byte, sct *ct.SignedCertificateTimestamp) error {
	sv, err := ct.NewSignatureVerifier(key.PublicKey)
	if err != nil {
		return err
	}
	present, err := ctutil.ContainsSCT(leaf, sct)
	if err != nil {
		return err
	}
	if !present {
		return errors.New("SCT provided is not embedded within leaf certificate")
	}
	entry := ct.LogEntry{Leaf: ct.MerkleTreeLeaf{
		Version:  ct.V1,
		LeafType: ct.TimestampedEntryLeafType,
		TimestampedEntry: &ct.TimestampedEntry{
			EntryType: ct.PrecertLogEntryType,
			Timestamp: sct.Timestamp,
			PrecertEntry: &ct.PreCert{
				IssuerKeyHash:  sha256.Sum256(issuer.RawSubjectPublicKeyInfo),
				TBSCertificate: tbs,
			},
		},
	}}
	return sv.VerifySCTSignature(*sct, entry)
}

// chainRecorder keeps the chains of the last leaf certificate check that
// passed in one verification, as sigstore-go keeps them for its SCT check
// (the chains of the last verified timestamp).
type chainRecorder struct {
	chains [][]*x509.Certificate
}

type recordingCA struct {
	root.CertificateAuthority
	rec *chainRecorder
}

func (c recordingCA) Verify(cert *x509.Certificate, t time.Time) ([][]*x509.Certificate, error) {
	chains, err := c.CertificateAuthority.Verify(cert, t)
	if err == nil {
		c.rec.chains = chains
	}
	return chains, err
}

// recordingMaterial is the anchored material for one verification, whose
// CAs record the chains they return.
type recordingMaterial struct {
	*anchoredMaterial
	cas []root.CertificateAuthority
}

func (m *recordingMaterial) FulcioCertificateAuthorities() []root.CertificateAuthority {
	return m.cas
}

func (m *anchoredMaterial) recording(rec *chainRecorder) *recordingMaterial {
	cas := make([]root.CertificateAuthority, len(m.cas))
	for i, ca := range m.cas {
		cas[i] = recordingCA{ca, rec}
	}
	return &recordingMaterial{anchoredMaterial: m, cas: cas}
}
