package fast

import (
	"errors"
	"fmt"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/tlog"
	"golang.org/x/mod/semver"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/ats-run/selfattest/verify/sigstore"
)

// Parsing a bundle once. sigstore-go's Bundle.UnmarshalJSON validates the
// bundle, and to validate it parses every transparency-log entry (a JSON
// decode of each Rekor entry body, and for in-toto and DSSE entries more)
// — then throws the parsed entries away, and verification parses them
// again. parseBundle makes the same decisions as UnmarshalJSON, in the
// same order, with sigstore-go's own exported pieces (protojson, Version,
// TlogEntries), and keeps the parsed entries for verification.
// TestParseBundleMatchesLibrary and FuzzParseBundle hold it to
// UnmarshalJSON's verdicts and results. It is used where a bundle arrives
// as JSON and goes straight to verification (VerifyBatch) by a verifier
// made with these fast paths; by default, and in sigstore.ParseBundle,
// which returns a *bundle.Bundle to the caller, UnmarshalJSON parses.

// parseBundle is sigstore.ParseBundle returning the bundle's log
// entries, parsed, too.
func parseBundle(data []byte) (*bundle.Bundle, []*tlog.Entry, error) {
	if len(data) > sigstore.MaxBundleSize {
		return nil, nil, fmt.Errorf("%w: bundle larger than %d bytes", sigstore.ErrVerification, sigstore.MaxBundleSize)
	}
	pb := new(protobundle.Bundle)
	if err := protojson.Unmarshal(data, pb); err != nil {
		return nil, nil, fmt.Errorf("%w: bundle: %w", sigstore.ErrVerification, err)
	}
	b := &bundle.Bundle{Bundle: pb}
	entries, err := validate(b)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: bundle: %w", sigstore.ErrVerification, err)
	}
	return b, entries, nil
}

// validate is sigstore-go v1.3.0's (*bundle.Bundle).validate with the
// default options (no certificate chains in v0.3), returning the parsed
// entries. The error texts are the library's.
func validate(b *bundle.Bundle) ([]*tlog.Entry, error) {
	version, err := b.Version()
	if err != nil {
		return nil, fmt.Errorf("error getting bundle version: %w", err)
	}
	if semver.Compare(version, "v0.1") < 0 {
		return nil, fmt.Errorf("%w: bundle version %s is not supported", bundle.ErrUnsupportedMediaType, version)
	}
	if err := validateContent(b.Bundle); err != nil {
		return nil, fmt.Errorf("invalid bundle: %w", err)
	}
	entries, err := b.TlogEntries()
	if err != nil {
		return nil, err
	}
	if semver.Compare(version, "v0.1") == 0 {
		if len(entries) > 0 && !b.HasInclusionPromise() {
			return nil, errors.New("inclusion promises missing in bundle (required for bundle v0.1)")
		}
	} else if len(entries) > 0 && !b.HasInclusionProof() {
		return nil, errors.New("inclusion proof missing in bundle (required for bundle v0.2)")
	}
	if semver.Compare(version, "v0.3") >= 0 && b.VerificationMaterial.GetX509CertificateChain() != nil {
		return nil, errors.New("verification material cannot be X.509 certificate chain (for bundle v0.3)")
	}
	if semver.Compare(version, "v0.4") >= 0 {
		return nil, fmt.Errorf("%w: bundle version %s is not yet supported", bundle.ErrUnsupportedMediaType, version)
	}
	return entries, nil
}

// validateContent is sigstore-go v1.3.0's validateBundle.
func validateContent(b *protobundle.Bundle) error {
	if b == nil {
		return bundle.ErrEmptyBundle
	}
	if b.Content == nil {
		return bundle.ErrMissingBundleContent
	}
	switch b.Content.(type) {
	case *protobundle.Bundle_DsseEnvelope, *protobundle.Bundle_MessageSignature:
	default:
		return errors.New("invalid bundle content: bundle content must be either a message signature or dsse envelope")
	}
	if b.VerificationMaterial == nil || b.VerificationMaterial.Content == nil {
		return bundle.ErrMissingVerificationMaterial
	}
	switch b.VerificationMaterial.Content.(type) {
	case *protobundle.VerificationMaterial_PublicKey, *protobundle.VerificationMaterial_Certificate, *protobundle.VerificationMaterial_X509CertificateChain:
	default:
		return errors.New("invalid verification material content: verification material must be one of public key, x509 certificate and x509 certificate chain")
	}
	return nil
}
