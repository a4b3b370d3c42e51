package tlog

import (
	"crypto/ed25519"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/internal/clitest"
	"github.com/ats-run/selfattest/internal/rekorv2"
	vtlog "github.com/ats-run/selfattest/verify/tlog"
)

// TestRekorTamper: entries of a real Rekor v2 log verify offline with the
// log's key and the archivist's, online against the log's latest
// checkpoint, and every false one is rejected with anchor.ErrAnchor.
func TestRekorTamper(t *testing.T) {
	ctx := testCtx(t)
	srv, a := startRekor(t)
	root, root2 := testRoot("rekor one"), testRoot("rekor two")
	other := anchorFinal(t, a, root2) // first, so that good's proof is not empty
	good := anchorFinal(t, a, root)
	lk := a.v.keys[0]
	archivist := testKey("archivist").Public().(ed25519.PublicKey)
	v := newVerifier(t, srv.Origin, VerifierOptions{Signers: []ed25519.PublicKey{archivist}}, lk)
	if err := v.VerifyOffline(root, good); err != nil {
		t.Fatalf("the good entry does not verify: %v", err)
	}
	gx := mustParse(t, good)
	if !gx.Signed() || len(gx.Proof) == 0 {
		t.Fatalf("the entry is not a signed entry with a proof: %s", good.JSON())
	}

	// Another archivist's entry for the same root, in the same log.
	b, err := NewRekorAnchorer(RekorOptions{URL: srv.URL, TilesURL: srv.TilesURL, Origin: srv.Origin, LogKeys: []*vtlog.LogKey{lk}, Key: testKey("another archivist")})
	if err != nil {
		t.Fatal(err)
	}
	byOther := anchorFinal(t, b, root)
	if err := newVerifier(t, srv.Origin, VerifierOptions{}, lk).VerifyOffline(root, byOther); err != nil {
		t.Fatalf("another archivist's entry, with no signer required: %v", err)
	}
	// The same root in a local log of another origin, same key.
	_, la := testAnchorer(t, t.TempDir())
	local := mustParse(t, anchorFinal(t, la, root))
	otherKey, err := vtlog.NewLogKey(srv.Origin, testKey("not the log's").Public())
	if err != nil {
		t.Fatal(err)
	}

	ox := mustParse(t, other)
	for _, c := range []struct {
		name  string
		v     *Verifier
		root  anchor.Hash
		entry anchor.Entry
	}{
		{"root mismatch", v, root2, good},
		{"signature altered", v, root, edit(t, good, func(x *AnchorEntry) { x.Signature[10] ^= 1 })},
		{"signature of another root", v, root, edit(t, good, func(x *AnchorEntry) { x.Signature = ox.Signature })},
		{"public key of another archivist", v, root, edit(t, good, func(x *AnchorEntry) { x.PublicKey = mustParse(t, byOther).PublicKey })},
		{"public key that is not a key", v, root, edit(t, good, func(x *AnchorEntry) { x.PublicKey = []byte("not DER") })},
		{"signed by an archivist the verifier does not name", v, root, byOther},
		{"statement instead of the signed entry", newVerifier(t, srv.Origin, VerifierOptions{}, lk), root, edit(t, good, func(x *AnchorEntry) { x.PublicKey, x.Signature = nil, nil })},
		{"inclusion proof for another leaf", v, root, edit(t, good, func(x *AnchorEntry) { x.Proof = ox.Proof })},
		{"altered proof hash", v, root, edit(t, good, func(x *AnchorEntry) { x.Proof[len(x.Proof)-1][0] ^= 0x80 })},
		{"index + 1", v, root, edit(t, good, func(x *AnchorEntry) { x.Index++ })},
		{"checkpoint from another log", v, root, edit(t, good, func(x *AnchorEntry) { x.Checkpoint = local.Checkpoint })},
		{"a verifier with another key", newVerifier(t, srv.Origin, VerifierOptions{}, otherKey), root, good},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.v.VerifyOffline(c.root, c.entry)
			if !errors.Is(err, anchor.ErrAnchor) {
				t.Fatalf("VerifyOffline = %v, want ErrAnchor", err)
			}
			if errors.Is(err, anchor.ErrCouldNotCheck) || errors.Is(err, anchor.ErrBadInput) || errors.Is(err, anchor.ErrPending) {
				t.Errorf("the rejection wraps another sentinel too: %v", err)
			}
		})
	}

	t.Run("online", func(t *testing.T) {
		ov := a.OnlineVerifier()
		st, err := ov.VerifyOnline(ctx, root, good)
		if err != nil || st.State != anchor.StateFinal || st.Depth < 2 {
			t.Fatalf("VerifyOnline = %+v, %v; want final at depth >= 2 (another entry follows it)", st, err)
		}
		if _, err := ov.VerifyOnline(ctx, root2, good); !errors.Is(err, anchor.ErrAnchor) {
			t.Errorf("VerifyOnline(another root) = %v, want ErrAnchor", err)
		}
	})
	t.Run("a second anchorer gets the first anchor from the log", func(t *testing.T) {
		// A new anchorer remembers nothing: the log's answer to the same
		// (deterministic) request names the first entry.
		a2, err := NewRekorAnchorer(RekorOptions{URL: srv.URL, TilesURL: srv.TilesURL, Origin: srv.Origin, LogKeys: []*vtlog.LogKey{lk}, Key: testKey("archivist")})
		if err != nil {
			t.Fatal(err)
		}
		e, err := a2.Anchor(ctx, root)
		if err != nil {
			t.Fatal(err)
		}
		if x := mustParse(t, e); x.Index != gx.Index {
			t.Fatalf("index %d, want %d (the first anchor's)", x.Index, gx.Index)
		}
	})
}

// TestRekorDown: a Rekor v2 log that does not answer, or answers with
// errors or pages that are not log objects, is could-not-check: never a
// rejection, never a pass.
func TestRekorDown(t *testing.T) {
	ctx := testCtx(t)
	srv, a := startRekor(t)
	root := testRoot("rekor down")
	good := anchorFinal(t, a, root)
	pending := edit(t, good, func(x *AnchorEntry) { *x = *x.pending() })
	lk := a.v.keys[0]

	unavailable := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
	}))
	t.Cleanup(unavailable.Close)
	portal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html>sign in to the wifi</html>"))
	}))
	t.Cleanup(portal.Close)

	for name, u := range map[string]string{"nothing listens": clitest.DeadURL(t), "503": unavailable.URL, "an HTML page": portal.URL} {
		t.Run(name, func(t *testing.T) {
			d, err := NewRekorAnchorer(RekorOptions{URL: u, TilesURL: u, Origin: srv.Origin, LogKeys: []*vtlog.LogKey{lk}, Key: testKey("archivist"), Retries: -1})
			if err != nil {
				t.Fatal(err)
			}
			only := func(what string, err error) {
				t.Helper()
				if !errors.Is(err, anchor.ErrCouldNotCheck) || errors.Is(err, anchor.ErrAnchor) {
					t.Errorf("%s = %v, want ErrCouldNotCheck only", what, err)
				}
			}
			_, err = d.Anchor(ctx, testRoot("never anchored"))
			only("Anchor", err)
			_, err = d.Check(ctx, root, good)
			only("Check(complete)", err)
			_, err = d.Check(ctx, root, pending)
			only("Check(pending)", err)
			_, err = d.OnlineVerifier().VerifyOnline(ctx, root, good)
			only("VerifyOnline", err)
			// Offline, the entry verifies whatever the log's state.
			if err := d.Verifier().VerifyOffline(root, good); err != nil {
				t.Errorf("VerifyOffline = %v", err)
			}
		})
	}
}

// TestRekorFork: two Rekor v2 servers with one key and origin are a split
// view of one log. An entry anchored to one is rejected online by a
// verifier reading the other (their trees are not consistent), and
// verifies online against the one it was anchored to.
func TestRekorFork(t *testing.T) {
	ctx := testCtx(t)
	logKey := testKey("rekor log")
	_, a1 := startRekorWith(t, rekorv2.Options{Key: logKey})
	_, a2 := startRekorWith(t, rekorv2.Options{Key: logKey})
	anchorFinal(t, a1, testRoot("fork shared"))
	root := testRoot("fork anchored")
	entry := anchorFinal(t, a1, root)
	for _, s := range []string{"fork shared", "fork b1", "fork b2"} {
		anchorFinal(t, a2, testRoot(s))
	}

	if st, err := a1.OnlineVerifier().VerifyOnline(ctx, root, entry); err != nil || st.State != anchor.StateFinal {
		t.Fatalf("VerifyOnline(the log anchored to) = %+v, %v", st, err)
	}
	var split *vtlog.InconsistencyError
	if _, err := a2.OnlineVerifier().VerifyOnline(ctx, root, entry); !errors.Is(err, anchor.ErrAnchor) || !errors.As(err, &split) {
		t.Errorf("VerifyOnline(the other view) = %v, want ErrAnchor with a *vtlog.InconsistencyError", err)
	}
	if _, err := a2.Check(ctx, root, entry); !errors.Is(err, anchor.ErrAnchor) {
		t.Errorf("Check(the other view) = %v, want ErrAnchor", err)
	}
}
