// Package hook is the seam between package sigstore's verifier and the
// opt-in fast paths of package sigstore/fast: the interface the verifier
// calls, and a type no package outside verify/sigstore can name, so that
// no other package can plug its own decisions into a verifier.
package hook

import (
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/tlog"
)

// Seal is passed by package sigstore to sigstore.FastPaths' one method:
// only packages under verify/sigstore can write a method that takes it.
type Seal struct{}

// Paths are the fast paths prepared for one trusted root.
type Paths interface {
	// Certificates returns the trusted material to verify a certificate
	// bundle that carries no intermediates of its own with, sigstore-go's
	// SCT check switched off, and the SCT check to make once sigstore-go
	// has accepted the bundle (it checks the chains that material's CAs
	// returned during that verification). One call per bundle.
	Certificates() (root.TrustedMaterial, func() error)
	// ParseBundle parses a bundle's JSON, deciding as sigstore.ParseBundle
	// does (its errors wrap the same sentinels), and returns its parsed
	// transparency-log entries too.
	ParseBundle(data []byte) (*bundle.Bundle, []*tlog.Entry, error)
}
