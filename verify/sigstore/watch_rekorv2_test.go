package sigstore_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/sign"

	"github.com/ats-run/selfattest/internal/rekorv2"
	"github.com/ats-run/selfattest/verify/sigstore"
	"github.com/ats-run/selfattest/verify/sigstore/watch"
	"github.com/ats-run/selfattest/verify/tlog"
	"github.com/ats-run/selfattest/verify/tlog/logfetch"
	"github.com/ats-run/selfattest/verify/tlog/monitor"
)

// caProvider is a certificate provider (Fulcio's role in sign.Bundle)
// that issues from a test CA with the given claims.
type caProvider struct {
	t      testing.TB
	ca     *fakeCA
	claims ghClaims
}

func (p caProvider) GetCertificate(_ context.Context, kp sign.Keypair, _ *sign.CertificateProviderOptions) ([]byte, error) {
	return ghCert(p.t, p.ca, kp.GetPublicKey(), p.claims).Raw, nil
}

// TestMonitorRekorV2 logs entries signed by several identities to a real
// Rekor v2 server, one of them the release identity, and runs the monitor
// over the server's tiles through the HTTP fetcher: it must find exactly
// that entry, at the index the log gave it; a second run after more
// entries must prove consistency and scan only the new ones.
func TestMonitorRekorV2(t *testing.T) {
	srv := rekorv2.Start(t, rekorv2.Options{CheckpointInterval: 200 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	now := time.Now()
	ca := newFakeCA(t, now, "watch", now.Add(48*time.Hour))

	// logEntries signs "artifact i" for each i with a certificate carrying
	// its claims, all at once (each write returns after the next
	// checkpoint), and returns the log index of each.
	logEntries := func(claims map[int]ghClaims) map[int]int64 {
		t.Helper()
		var (
			mu   sync.Mutex
			idx  = make(map[int]int64)
			errs []error
			wg   sync.WaitGroup
		)
		for i, c := range claims {
			wg.Go(func() {
				kp, err := sign.NewEphemeralKeypair(nil)
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					return
				}
				pb, err := sign.Bundle(&sign.PlainData{Data: []byte(fmt.Sprintf("artifact %d", i))}, kp, sign.BundleOptions{
					Context:             ctx,
					CertificateProvider: caProvider{t: t, ca: ca, claims: c},
					TransparencyLogs:    []sign.Transparency{sign.NewRekor(&sign.RekorOptions{BaseURL: srv.URL, Version: 2, Timeout: 10 * time.Second})},
				})
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, fmt.Errorf("signing to %s: %w", srv.URL, err))
					return
				}
				idx[i] = pb.GetVerificationMaterial().GetTlogEntries()[0].GetLogIndex()
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		return idx
	}
	other := func(i int) ghClaims {
		return releaseClaims(fmt.Sprintf("https://github.com/other%d/app/.github/workflows/release.yml@refs/heads/main", i))
	}
	claims := make(map[int]ghClaims)
	for i := range 12 {
		claims[i] = other(i)
	}
	claims[8] = releaseClaims(fakeSAN)
	first := logEntries(claims)

	key, err := tlog.NewLogKey(srv.Origin, srv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	f, err := logfetch.NewHTTPFetcher(srv.TilesURL, logfetch.HTTPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	match, err := watch.NewMatcher(watch.Rule{Name: "release", Policy: sigstore.Policy{SAN: fakeSAN, Issuer: ghIssuer}})
	if err != nil {
		t.Fatal(err)
	}
	mon, err := monitor.New(srv.Origin, []*tlog.LogKey{key}, f, monitor.NewFileStore(filepath.Join(t.TempDir(), "state.json")), match, monitor.Options{})
	if err != nil {
		t.Fatal(err)
	}
	run, err := mon.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if run.To < 12 || len(run.Unreadable) != 0 {
		t.Fatalf("scanned to %d, unreadable %v", run.To, run.Unreadable)
	}
	if len(run.Matches) != 1 || int64(run.Matches[0].Index) != first[8] {
		t.Fatalf("matches %+v, want entry %d only", run.Matches, first[8])
	}
	d := sha256.Sum256([]byte("artifact 8"))
	if got := run.Matches[0].Facts["digest"]; got != fmt.Sprintf("sha256:%x", d) {
		t.Fatalf("digest fact %s", got)
	}

	second := logEntries(map[int]ghClaims{12: releaseClaims(fakeSAN), 13: other(13)})
	run2, err := mon.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if run2.From != run.To || run2.Previous == nil || run2.Previous.Size != run.Checkpoint.Size || len(run2.ConsistencyProof) == 0 {
		t.Fatalf("second run: from %d (want %d), previous %+v, proof %v", run2.From, run.To, run2.Previous, run2.ConsistencyProof)
	}
	if len(run2.Matches) != 1 || int64(run2.Matches[0].Index) != second[12] {
		t.Fatalf("second run matches %+v, want entry %d", run2.Matches, second[12])
	}
}
