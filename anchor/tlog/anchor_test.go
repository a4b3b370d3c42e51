package tlog

import (
	"testing"
	"time"

	"github.com/ats-run/selfattest/anchor/anchortest"
	"github.com/ats-run/selfattest/internal/rekorv2"
	vtlog "github.com/ats-run/selfattest/verify/tlog"
)

// testAnchorer opens a new local log and its anchorer.
func testAnchorer(t *testing.T, dir string) (*Log, *LogAnchorer) {
	t.Helper()
	l := openLog(t, dir, testKey("anchor"), Options{})
	a, err := NewLogAnchorer(l, AnchorerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return l, a
}

// TestLogAnchorerConformance holds the local log's anchorer to the
// Anchorer contract.
func TestLogAnchorerConformance(t *testing.T) {
	_, a := testAnchorer(t, t.TempDir())
	anchortest.Run(t, a)
}

// startRekor runs a real Rekor v2 server and returns an anchorer of it
// signing with the test archivist's key.
func startRekor(t *testing.T) (*rekorv2.Server, *RekorAnchorer) {
	t.Helper()
	return startRekorWith(t, rekorv2.Options{})
}

// startRekorWith is startRekor with the server's options (a checkpoint
// every 200 ms).
func startRekorWith(t *testing.T, opts rekorv2.Options) (*rekorv2.Server, *RekorAnchorer) {
	t.Helper()
	opts.CheckpointInterval = 200 * time.Millisecond
	srv := rekorv2.Start(t, opts)
	lk, err := vtlog.NewLogKey(srv.Origin, srv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewRekorAnchorer(RekorOptions{URL: srv.URL, TilesURL: srv.TilesURL, Origin: srv.Origin, LogKeys: []*vtlog.LogKey{lk}, Key: testKey("archivist")})
	if err != nil {
		t.Fatal(err)
	}
	return srv, a
}

// TestRekorAnchorerConformance holds the Rekor v2 anchorer to the
// Anchorer contract, against a real Rekor v2 server on 127.0.0.1.
func TestRekorAnchorerConformance(t *testing.T) {
	_, a := startRekor(t)
	anchortest.Run(t, a)
}
