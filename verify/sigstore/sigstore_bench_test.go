package sigstore_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	sgverify "github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/ats-run/selfattest/verify/trust"

	"github.com/ats-run/selfattest/verify/sigstore"
	"github.com/ats-run/selfattest/verify/sigstore/fast"
	"github.com/ats-run/selfattest/verify/sigstore/internal/cases"
	"github.com/ats-run/selfattest/verify/sigstore/internal/differential"
)

// benchSet is the bundles both benchmarks verify: every passing case of
// testdata/sigstore/realworld and testdata/sigstore/conformance, with the
// bundle JSON and the artifact bytes in memory, grouped by trusted root.
type benchGroup struct {
	root  *root.TrustedRoot
	items []benchItem
}

type benchItem struct {
	bundleJSON []byte
	artifact   []byte
	policy     sigstore.Policy
}

func loadBenchSet(tb testing.TB) []benchGroup {
	tb.Helper()
	byRoot := map[string]*benchGroup{}
	var order []string
	for _, d := range []string{"realworld", "conformance"} {
		dir := filepath.Join("..", "..", "testdata", "sigstore", d)
		for _, c := range cases.Read(tb, dir) {
			if c.Expected != "pass" {
				continue
			}
			rootPath := c.Path(c.TrustedRoot)
			g, ok := byRoot[rootPath]
			if !ok {
				tr, err := trust.FromFile(rootPath)
				if err != nil {
					tb.Fatal(err)
				}
				g = &benchGroup{root: tr}
				byRoot[rootPath] = g
				order = append(order, rootPath)
			}
			bj, err := os.ReadFile(c.Path(filepath.Join(c.Name, "bundle.sigstore.json")))
			if err != nil {
				tb.Fatal(err)
			}
			art, err := os.ReadFile(c.Path(c.Artifact))
			if err != nil {
				tb.Fatal(err)
			}
			p, err := differential.Policy(c)
			if err != nil {
				tb.Fatal(err)
			}
			g.items = append(g.items, benchItem{bj, art, p})
		}
	}
	var out []benchGroup
	for _, r := range order {
		out = append(out, *byRoot[r])
	}
	return out
}

// BenchmarkVerifyDefault verifies the whole set per iteration with one
// VerifyBatch call on the default path (sigstore-go's own checks): one
// Verifier per trusted root, made once, named per item.
func BenchmarkVerifyDefault(b *testing.B) { benchVerifyBatch(b, sigstore.Options{}) }

// BenchmarkVerifyBatch is BenchmarkVerifyDefault with the opt-in fast
// paths of package fast (Options.FastPaths).
func BenchmarkVerifyBatch(b *testing.B) {
	benchVerifyBatch(b, sigstore.Options{FastPaths: fast.Paths{}})
}

func benchVerifyBatch(b *testing.B, opts sigstore.Options) {
	groups := loadBenchSet(b)
	var items []sigstore.BatchItem
	var arts [][]byte
	for _, g := range groups {
		v, err := sigstore.NewVerifier(g.root, opts)
		if err != nil {
			b.Fatal(err)
		}
		for _, it := range g.items {
			items = append(items, sigstore.BatchItem{BundleJSON: it.bundleJSON, Policy: it.policy, Verifier: v})
			arts = append(arts, it.artifact)
		}
	}
	ctx := context.Background()
	n := len(items)
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		for i := range items {
			items[i].Artifact = sigstore.ArtifactReader(bytes.NewReader(arts[i]))
		}
		for i, r := range items[0].Verifier.VerifyBatch(ctx, items, sigstore.BatchOptions{}) {
			if r.Err != nil {
				b.Fatalf("item %d: %v", i, r.Err)
			}
		}
	}
	b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N*n), "ns/bundle")
}

// BenchmarkVerifySigstoreGoNaive verifies the same set the way
// sigstore-go's examples do: per bundle, parse it, sigstore.NewVerifier, Verify,
// with the trusted root parsed once and the same checks required (a tlog
// entry, an observer timestamp, SCTs for certificates). Bundles are spread
// over GOMAXPROCS goroutines, as VerifyBatch spreads them.
func BenchmarkVerifySigstoreGoNaive(b *testing.B) {
	groups := loadBenchSet(b)
	type job struct {
		root *root.TrustedRoot
		item benchItem
	}
	var jobs []job
	for _, g := range groups {
		for _, it := range g.items {
			jobs = append(jobs, job{g.root, it})
		}
	}
	n := len(jobs)
	workers := runtime.GOMAXPROCS(0)
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		var wg sync.WaitGroup
		next := make(chan int)
		errs := make([]error, n)
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					errs[i] = naiveVerify(jobs[i].root, jobs[i].item)
				}
			}()
		}
		for i := range jobs {
			next <- i
		}
		close(next)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				b.Fatalf("item %d: %v", i, err)
			}
		}
	}
	b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N*n), "ns/bundle")
}

func naiveVerify(tr *root.TrustedRoot, it benchItem) error {
	var bun bundle.Bundle
	if err := bun.UnmarshalJSON(it.bundleJSON); err != nil {
		return err
	}
	art := sgverify.WithArtifact(bytes.NewReader(it.artifact))
	if it.policy.Key != nil {
		sv, err := signature.LoadDefaultVerifier(it.policy.Key)
		if err != nil {
			return err
		}
		km := root.NewTrustedPublicKeyMaterial(func(string) (root.TimeConstrainedVerifier, error) {
			return root.NewExpiringKey(sv, time.Time{}, time.Time{}), nil
		})
		sev, err := sgverify.NewVerifier(root.TrustedMaterialCollection{km, tr}, sgverify.WithTransparencyLog(1), sgverify.WithObserverTimestamps(1))
		if err != nil {
			return err
		}
		_, err = sev.Verify(&bun, sgverify.NewPolicy(art, sgverify.WithKey()))
		return err
	}
	id, err := sgverify.NewShortCertificateIdentity(it.policy.Issuer, "", it.policy.SAN, "")
	if err != nil {
		return err
	}
	sev, err := sgverify.NewVerifier(tr, sgverify.WithSignedCertificateTimestamps(1), sgverify.WithTransparencyLog(1), sgverify.WithObserverTimestamps(1))
	if err != nil {
		return err
	}
	_, err = sev.Verify(&bun, sgverify.NewPolicy(art, sgverify.WithCertificateIdentity(id)))
	return err
}
