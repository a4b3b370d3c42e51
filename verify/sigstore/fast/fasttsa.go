package fast

import (
	"bytes"
	"crypto"
	"crypto/subtle"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"
)

// An RFC 3161 timestamp's CMS signature, checked once, by the trusted key.
//
// timestamp.ParseResponse (github.com/digitorus/timestamp) parses a
// response and, when the token embeds certificates, verifies its CMS
// signature with crypto/x509 — a P-384 signature for the public-good
// timestamp authority, the costliest check of a bundle after the Fulcio
// leaf's. The key is the trusted signing certificate's, fixed for the
// verifier's life, so the same precomputed-table verifier as for the
// Fulcio intermediate's signatures applies (signatureChecker, ecfixed).
// parseTimestampResponse makes ParseResponse's decisions with its own
// types' layouts — the response, the SignedData (parsed by
// github.com/digitorus/pkcs7, as the library does), each signer's checks
// (pkcs7's verifySignature: the signer's certificate by issuer and serial,
// the message-digest attribute against the content, the signing-time
// attribute within the certificate's validity, the attributes re-encoded
// as a DER SET for the signature), and the TSTInfo — and verifies the
// signature of a signer that is the trusted certificate with the fixed-key
// verifier, any other with crypto/x509 as the library would.
// TestAnchoredTSATokens and TestAnchoredTSAMatchesLibrary hold it to the
// library's verdicts on real tokens, made ones (P-256 and P-384, with and
// without certificates) and every bit flip of them.
//
// Only a verifier made with Options.FastPaths takes this path; by
// default sigstore-go decides. TestFastPathsMatchDefault and
// FuzzFastPathDifferential hold the opt-in to the default path's verdicts.

// tsResponse, tsStatus, tsTSTInfo, tsImprint and tsAccuracy are
// digitorus/timestamp's response, pkiStatusInfo, tstInfo, messageImprint
// and accuracy (RFC 3161 §2.4.2).
type tsResponse struct {
	Status         tsStatus
	TimeStampToken asn1.RawValue `asn1:"optional"`
}

type tsStatus struct {
	Status       int
	StatusString []string       `asn1:"optional,utf8"`
	FailInfo     asn1.BitString `asn1:"optional"`
}

type tsTSTInfo struct {
	Version        int
	Policy         asn1.ObjectIdentifier
	MessageImprint tsImprint
	SerialNumber   *big.Int
	Time           time.Time        `asn1:"generalized"`
	Accuracy       tsAccuracy       `asn1:"optional"`
	Ordering       bool             `asn1:"optional,default:false"`
	Nonce          *big.Int         `asn1:"optional"`
	TSA            asn1.RawValue    `asn1:"tag:0,optional"`
	Extensions     []pkix.Extension `asn1:"tag:1,optional"`
}

type tsImprint struct {
	HashAlgorithm pkix.AlgorithmIdentifier
	HashedMessage []byte
}

type tsAccuracy struct {
	Seconds      int64 `asn1:"optional"`
	Milliseconds int64 `asn1:"tag:0,optional"`
	Microseconds int64 `asn1:"tag:1,optional"`
}

// cmsAttribute is pkcs7's attribute, for re-encoding signed attributes.
type cmsAttribute struct {
	Type  asn1.ObjectIdentifier
	Value asn1.RawValue `asn1:"set"`
}

var (
	oidMessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSigningTime   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
)

// parseTimestampResponse is timestamp.ParseResponse for a token signed by
// leaf, whose signatures check is the fixed-key verifier of leaf's key (nil:
// crypto/x509 for every signer). It returns the timestamp and the parsed
// token; a token that embeds no certificate is returned unverified, as
// ParseResponse returns it.
func parseTimestampResponse(tsr []byte, leaf *x509.Certificate, check func(x509.SignatureAlgorithm, []byte, []byte) error) (*timestamp.Timestamp, *pkcs7.PKCS7, error) {
	var resp tsResponse
	rest, err := asn1.Unmarshal(tsr, &resp)
	if err != nil {
		return nil, nil, err
	}
	if len(rest) > 0 {
		return nil, nil, timestamp.ParseError("trailing data in Time-Stamp response")
	}
	if resp.Status.Status > 0 {
		return nil, nil, fmt.Errorf("%s: %v", timestamp.Status(resp.Status.Status), resp.Status.StatusString)
	}
	if len(resp.TimeStampToken.Bytes) == 0 {
		return nil, nil, timestamp.ParseError("no pkcs7 data in Time-Stamp response")
	}
	token := resp.TimeStampToken.FullBytes
	p7, err := pkcs7.Parse(token)
	if err != nil {
		return nil, nil, err
	}
	if len(p7.Certificates) > 0 {
		if err := verifyCMS(p7, p7.Certificates, leaf, check); err != nil {
			return nil, nil, err
		}
	}
	var inf tsTSTInfo
	if _, err := asn1.Unmarshal(p7.Content, &inf); err != nil {
		return nil, nil, err
	}
	if len(inf.MessageImprint.HashedMessage) == 0 {
		return nil, nil, timestamp.ParseError("Time-Stamp response contains no hashed message")
	}
	h := hashFromOID(inf.MessageImprint.HashAlgorithm.Algorithm)
	if h == 0 {
		return nil, nil, timestamp.ParseError("Time-Stamp response uses unknown hash function")
	}
	return &timestamp.Timestamp{
		RawToken:      token,
		HashAlgorithm: h,
		HashedMessage: inf.MessageImprint.HashedMessage,
		Time:          inf.Time,
		Nonce:         inf.Nonce,
		Policy:        inf.Policy,
		Certificates:  p7.Certificates,
	}, p7, nil
}

// hashFromOID is digitorus/timestamp's getHashAlgorithmFromOID.
func hashFromOID(oid asn1.ObjectIdentifier) crypto.Hash {
	switch {
	case oid.Equal(pkcs7.OIDDigestAlgorithmSHA1):
		return crypto.SHA1
	case oid.Equal(pkcs7.OIDDigestAlgorithmSHA256):
		return crypto.SHA256
	case oid.Equal(pkcs7.OIDDigestAlgorithmSHA384):
		return crypto.SHA384
	case oid.Equal(pkcs7.OIDDigestAlgorithmSHA512):
		return crypto.SHA512
	}
	return 0
}

// verifyCMS is pkcs7's (*PKCS7).Verify for p7 with certs, no trust store:
// every signer's signature must verify.
func verifyCMS(p7 *pkcs7.PKCS7, certs []*x509.Certificate, leaf *x509.Certificate, check func(x509.SignatureAlgorithm, []byte, []byte) error) error {
	if len(p7.Signers) == 0 {
		return errors.New("pkcs7: Message has no signers")
	}
	for _, s := range p7.Signers {
		var ee *x509.Certificate
		for _, c := range certs {
			if c.SerialNumber.Cmp(s.IssuerAndSerialNumber.SerialNumber) == 0 && bytes.Equal(c.RawIssuer, s.IssuerAndSerialNumber.IssuerName.FullBytes) {
				ee = c
				break
			}
		}
		if ee == nil {
			return errors.New("pkcs7: No certificate for signer")
		}
		signed := p7.Content
		if len(s.AuthenticatedAttributes) > 0 {
			attrs := make([]cmsAttribute, len(s.AuthenticatedAttributes))
			for i, a := range s.AuthenticatedAttributes {
				attrs[i] = cmsAttribute{Type: a.Type, Value: a.Value}
			}
			var digest []byte
			if err := attribute(attrs, oidMessageDigest, &digest); err != nil {
				return err
			}
			h := cmsHash(s.DigestAlgorithm.Algorithm)
			if h == 0 {
				return pkcs7.ErrUnsupportedAlgorithm
			}
			hh := h.New()
			hh.Write(p7.Content)
			computed := hh.Sum(nil)
			if subtle.ConstantTimeCompare(digest, computed) != 1 {
				return &pkcs7.MessageDigestMismatchError{ExpectedDigest: digest, ActualDigest: computed}
			}
			enc, err := asn1.Marshal(struct {
				A []cmsAttribute `asn1:"set"`
			}{A: attrs})
			if err != nil {
				return err
			}
			var raw asn1.RawValue
			asn1.Unmarshal(enc, &raw)
			signed = raw.Bytes
			var signingTime time.Time
			if attribute(attrs, oidSigningTime, &signingTime) == nil {
				if signingTime.After(ee.NotAfter) || signingTime.Before(ee.NotBefore) {
					return fmt.Errorf("pkcs7: signing time %q is outside of certificate validity %q to %q",
						signingTime.Format(time.RFC3339), ee.NotBefore.Format(time.RFC3339), ee.NotAfter.Format(time.RFC3339))
				}
			}
		}
		alg, ok := ecdsaAlgorithm(s.DigestEncryptionAlgorithm.Algorithm, s.DigestAlgorithm.Algorithm)
		if !ok {
			// Anything but ECDSA with SHA-2: the library's own check.
			p := *p7
			p.Certificates = certs
			return p.Verify()
		}
		if check != nil && leaf != nil && ee.Equal(leaf) {
			if err := check(alg, signed, s.EncryptedDigest); !errors.Is(err, errNoFastPath) {
				if err != nil {
					return err
				}
				continue
			}
		}
		if err := ee.CheckSignature(alg, signed, s.EncryptedDigest); err != nil {
			return err
		}
	}
	return nil
}

// attribute is pkcs7's unmarshalAttribute: the first attribute of the type.
func attribute(attrs []cmsAttribute, typ asn1.ObjectIdentifier, out any) error {
	for _, a := range attrs {
		if a.Type.Equal(typ) {
			_, err := asn1.Unmarshal(a.Value.Bytes, out)
			return err
		}
	}
	return errors.New("pkcs7: attribute type not in attributes")
}

// cmsHash is pkcs7's getHashForOID.
func cmsHash(oid asn1.ObjectIdentifier) crypto.Hash {
	switch {
	case oid.Equal(pkcs7.OIDDigestAlgorithmSHA1), oid.Equal(pkcs7.OIDDigestAlgorithmECDSASHA1),
		oid.Equal(pkcs7.OIDDigestAlgorithmDSA), oid.Equal(pkcs7.OIDDigestAlgorithmDSASHA1),
		oid.Equal(pkcs7.OIDEncryptionAlgorithmRSA):
		return crypto.SHA1
	case oid.Equal(pkcs7.OIDDigestAlgorithmSHA256), oid.Equal(pkcs7.OIDDigestAlgorithmECDSASHA256):
		return crypto.SHA256
	case oid.Equal(pkcs7.OIDDigestAlgorithmSHA384), oid.Equal(pkcs7.OIDDigestAlgorithmECDSASHA384):
		return crypto.SHA384
	case oid.Equal(pkcs7.OIDDigestAlgorithmSHA512), oid.Equal(pkcs7.OIDDigestAlgorithmECDSASHA512):
		return crypto.SHA512
	}
	return 0
}

// ecdsaAlgorithm is the part of pkcs7's getSignatureAlgorithm that names
// ECDSA with SHA-256, SHA-384 or SHA-512; everything else is not ok.
func ecdsaAlgorithm(enc, digest asn1.ObjectIdentifier) (x509.SignatureAlgorithm, bool) {
	switch {
	case enc.Equal(pkcs7.OIDDigestAlgorithmECDSASHA256):
		return x509.ECDSAWithSHA256, true
	case enc.Equal(pkcs7.OIDDigestAlgorithmECDSASHA384):
		return x509.ECDSAWithSHA384, true
	case enc.Equal(pkcs7.OIDDigestAlgorithmECDSASHA512):
		return x509.ECDSAWithSHA512, true
	case enc.Equal(pkcs7.OIDEncryptionAlgorithmECDSAP256), enc.Equal(pkcs7.OIDEncryptionAlgorithmECDSAP384), enc.Equal(pkcs7.OIDEncryptionAlgorithmECDSAP521):
		switch {
		case digest.Equal(pkcs7.OIDDigestAlgorithmSHA256):
			return x509.ECDSAWithSHA256, true
		case digest.Equal(pkcs7.OIDDigestAlgorithmSHA384):
			return x509.ECDSAWithSHA384, true
		case digest.Equal(pkcs7.OIDDigestAlgorithmSHA512):
			return x509.ECDSAWithSHA512, true
		}
	}
	return 0, false
}
