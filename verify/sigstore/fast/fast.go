package fast

import (
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/tlog"

	"github.com/ats-run/selfattest/verify/sigstore"
	"github.com/ats-run/selfattest/verify/sigstore/internal/hook"
)

// Paths opts a [sigstore.Verifier] in to this package's fast paths: set it
// as [sigstore.Options].FastPaths, or call [NewVerifier].
type Paths struct{}

var _ sigstore.FastPaths = Paths{}

// ForRoot prepares the fast paths for one trusted root; package sigstore
// calls it once per verifier. The root's CA and timestamp-authority chains
// are verified on first use, not here.
func (Paths) ForRoot(trusted root.TrustedMaterial, _ hook.Seal) hook.Paths {
	return &paths{anchored: newAnchoredMaterial(trusted), scts: newSCTVerifier(trusted)}
}

// NewVerifier is sigstore.NewVerifier with opts.FastPaths set to [Paths].
func NewVerifier(trusted root.TrustedMaterial, opts sigstore.Options) (*sigstore.Verifier, error) {
	opts.FastPaths = Paths{}
	return sigstore.NewVerifier(trusted, opts)
}

// paths are the fast paths of one trusted root: its Fulcio CAs and
// timestamp authorities with their chains checked once (fastca.go), its
// CT logs for the SCT check (fastsct.go).
type paths struct {
	anchored *anchoredMaterial
	scts     *sctVerifier
}

// Certificates returns the anchored material, recording the chains its
// CAs return, and the SCT check over those chains: what sigstore-go's
// WithSignedCertificateTimestamps(1) requires.
func (p *paths) Certificates() (root.TrustedMaterial, func() error) {
	rec := &chainRecorder{}
	return p.anchored.recording(rec), func() error { return p.scts.verify(rec.chains, 1) }
}

func (p *paths) ParseBundle(data []byte) (*bundle.Bundle, []*tlog.Entry, error) {
	return parseBundle(data)
}
