package fast

import (
	"context"
	"os"
	"sync/atomic"
	"testing"

	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/tlog"

	"github.com/ats-run/selfattest/verify/sigstore"
	"github.com/ats-run/selfattest/verify/sigstore/internal/cases"
	"github.com/ats-run/selfattest/verify/sigstore/internal/differential"
	"github.com/ats-run/selfattest/verify/sigstore/internal/hook"
	"github.com/ats-run/selfattest/verify/trust"
)

// countingPaths are Paths that count how often the verifier asks them for
// each fast path.
type countingPaths struct {
	certificates, parses *atomic.Int64
}

func (c countingPaths) ForRoot(trusted root.TrustedMaterial, s hook.Seal) hook.Paths {
	return countingHook{Paths{}.ForRoot(trusted, s), c}
}

type countingHook struct {
	hook.Paths
	c countingPaths
}

func (h countingHook) Certificates() (root.TrustedMaterial, func() error) {
	h.c.certificates.Add(1)
	return h.Paths.Certificates()
}

func (h countingHook) ParseBundle(data []byte) (*bundle.Bundle, []*tlog.Entry, error) {
	h.c.parses.Add(1)
	return h.Paths.ParseBundle(data)
}

// TestFastPathsAreTaken: a verifier given fast paths asks them for the
// certificate checks of every certificate bundle without intermediates and
// for the parse of every bundle VerifyBatch gets as JSON, and one without
// them never does; otherwise the differential tests would compare the
// default path with itself.
func TestFastPathsAreTaken(t *testing.T) {
	var certBundles int64
	var items []sigstore.BatchItem
	// Every real-world case has the same trusted root, Sigstore's public
	// good instance's.
	trusted, err := trust.FromFile(cases.Corpus(3, "realworld") + "/trusted_root.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases.Read(t, cases.Corpus(3, "realworld")) {
		if c.Expected != "pass" || c.Mode != "identity" || c.TrustedRoot != "trusted_root.json" {
			continue
		}
		data, err := os.ReadFile(c.BundlePath())
		if err != nil {
			t.Fatal(err)
		}
		p, err := differential.Policy(c)
		if err != nil {
			t.Fatal(err)
		}
		b, err := sigstore.ParseBundle(data)
		if err != nil {
			t.Fatal(err)
		}
		if vc, err := b.VerificationContent(); err == nil && vc.Certificate() != nil && len(vc.Intermediates()) == 0 {
			certBundles++
		}
		dig, err := sigstore.ParseArtifactDigest(c.Digest)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, sigstore.BatchItem{BundleJSON: data, Artifact: dig, Policy: p})
	}
	if len(items) < 3 || certBundles == 0 {
		t.Fatalf("%d items, %d certificate bundles: not a meaningful sample", len(items), certBundles)
	}
	for _, withFast := range []bool{false, true} {
		cp := countingPaths{new(atomic.Int64), new(atomic.Int64)}
		opts := sigstore.Options{}
		if withFast {
			opts.FastPaths = cp
		}
		v, err := sigstore.NewVerifier(trusted, opts)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range v.VerifyBatch(context.Background(), items, sigstore.BatchOptions{}) {
			if r.Err != nil {
				t.Fatalf("item %d: %v", i, r.Err)
			}
		}
		gotCerts, gotParses := cp.certificates.Load(), cp.parses.Load()
		if !withFast {
			if gotCerts != 0 || gotParses != 0 {
				t.Fatalf("no fast paths, yet %d certificate checks and %d parses went through them", gotCerts, gotParses)
			}
			continue
		}
		if gotCerts != certBundles || gotParses != int64(len(items)) {
			t.Fatalf("fast paths asked for %d certificate checks and %d parses; want %d and %d", gotCerts, gotParses, certBundles, len(items))
		}
	}
}
