package sigstore_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/sign"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"

	"github.com/ats-run/selfattest/internal/clitest"
	"github.com/ats-run/selfattest/internal/rekorv2"
	"github.com/ats-run/selfattest/verify/sigstore"
	"github.com/ats-run/selfattest/verify/sigstore/confirm"
	"github.com/ats-run/selfattest/verify/tlog"
	"github.com/ats-run/selfattest/verify/tlog/logfetch"
	"github.com/ats-run/selfattest/verify/trust"
)

// confirmTransport passes requests to loopback IP addresses only and fails
// the test on any other: nothing a confirmation test asks leaves the
// machine.
func confirmTransport(t *testing.T) http.RoundTripper {
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.Proxy = nil
	return confirmRoundTrip(func(r *http.Request) (*http.Response, error) {
		if a, err := netip.ParseAddr(r.URL.Hostname()); err != nil || !a.Unmap().IsLoopback() {
			t.Errorf("a request to %s was about to leave the machine", r.URL)
			return nil, errors.New("test transport: only loopback addresses")
		}
		return base.RoundTrip(r)
	})
}

type confirmRoundTrip func(*http.Request) (*http.Response, error)

func (f confirmRoundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// confirmTiles returns an HTTP tiles fetcher for base that reaches
// loopback only and does not retry.
func confirmTiles(t *testing.T, base string) *logfetch.HTTPFetcher {
	t.Helper()
	f, err := logfetch.NewHTTPFetcher(base, logfetch.HTTPOptions{Transport: confirmTransport(t), Retries: -1, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// logSigner returns a note signer for the Ed25519 log key priv named name,
// as the log signs its checkpoints.
func logSigner(t *testing.T, name string, priv ed25519.PrivateKey) note.Signer {
	t.Helper()
	vkey, err := note.NewEd25519VerifierKey(name, priv.Public().(ed25519.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	hash := strings.Split(vkey, "+")[1]
	s, err := note.NewSigner("PRIVATE+KEY+" + name + "+" + hash + "+" + base64.StdEncoding.EncodeToString(append([]byte{1}, priv.Seed()...)))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// wantConfirmRejected stops the test unless err is a *ConfirmError
// wrapping sigstore.ErrVerification (not ErrCouldNotCheck) and target.
func wantConfirmRejected(t *testing.T, err error, target any) *confirm.Confirmation {
	t.Helper()
	var ce *confirm.Error
	if !errors.As(err, &ce) || !errors.Is(err, sigstore.ErrVerification) || !errors.Is(err, tlog.ErrVerification) || errors.Is(err, sigstore.ErrCouldNotCheck) {
		t.Fatalf("err = %v; want a *ConfirmError wrapping ErrVerification only", err)
	}
	if target != nil && !errors.As(err, target) {
		t.Fatalf("err = %v; want a %T", err, target)
	}
	for _, e := range ce.Result.Entries {
		if e.Status == confirm.StatusRejected {
			t.Logf("rejected: %v", err)
			return ce.Result
		}
	}
	t.Fatalf("no entry rejected in %+v", ce.Result)
	return nil
}

// wantConfirmUnchecked stops the test unless err is a *ConfirmError
// wrapping ErrCouldNotCheck and not ErrVerification.
func wantConfirmUnchecked(t *testing.T, err error) *confirm.Confirmation {
	t.Helper()
	var ce *confirm.Error
	if !errors.As(err, &ce) || !errors.Is(err, sigstore.ErrCouldNotCheck) || errors.Is(err, sigstore.ErrVerification) || errors.Is(err, tlog.ErrVerification) {
		t.Fatalf("err = %v; want a *ConfirmError wrapping ErrCouldNotCheck only", err)
	}
	t.Logf("could not check: %v", err)
	return ce.Result
}

// TestConfirmRekorV2 signs to a real Rekor v2 server, adds entries after
// the bundle's, and confirms the bundle online against the log's tiles:
// as served, and as a fork, tampered tiles, a forged checkpoint, a
// rollback and an unreachable server would serve them.
func TestConfirmRekorV2(t *testing.T) {
	_, logKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	srv := rekorv2.Start(t, rekorv2.Options{Key: logKey})
	tsa := rekorv2.StartTSA(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	kp, err := sign.NewEphemeralKeypair(nil)
	if err != nil {
		t.Fatal(err)
	}
	signTo := func(t *testing.T, data []byte, logs ...*rekorv2.Server) *bundle.Bundle {
		t.Helper()
		opts := sign.BundleOptions{
			Context:              ctx,
			TimestampAuthorities: []*sign.TimestampAuthority{sign.NewTimestampAuthority(&sign.TimestampAuthorityOptions{URL: tsa.URL, Timeout: 10 * time.Second})},
		}
		for _, s := range logs {
			opts.TransparencyLogs = append(opts.TransparencyLogs, sign.NewRekor(&sign.RekorOptions{BaseURL: s.URL, Version: 2, Timeout: 10 * time.Second}))
		}
		pb, err := sign.Bundle(&sign.PlainData{Data: data}, kp, opts)
		if err != nil {
			t.Fatalf("signing: %v", err)
		}
		return &bundle.Bundle{Bundle: pb}
	}
	tr, err := trust.FromJSON(rekorv2.Root{}.Merge(srv.Root(), tsa.Root()).JSON())
	if err != nil {
		t.Fatal(err)
	}
	v, err := sigstore.NewVerifier(tr, sigstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	policy := sigstore.Policy{Key: kp.GetPublicKey()}
	verified := func(t *testing.T, b *bundle.Bundle, data []byte) *sigstore.Result {
		t.Helper()
		res, err := v.Verify(ctx, b, sigstore.ArtifactReader(bytes.NewReader(data)), policy)
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		return res
	}

	// Entry 0 is signed first: its checkpoint (size 1) is older than the
	// confirmed bundle's and serves as a rollback.
	older := signTo(t, []byte("entry 0\n"), srv)
	artifact := []byte("selfattest: confirmed online\n")
	b := signTo(t, artifact, srv)
	res := verified(t, b, artifact)
	if len(res.LogEntries) != 1 || res.LogEntries[0].Checkpoint == nil {
		t.Fatalf("result %+v: want one entry with a checkpoint", res)
	}
	entry := res.LogEntries[0]
	logID := entry.LogID
	for i := range 3 {
		signTo(t, []byte{'a' + byte(i)}, srv)
	}

	httpTiles := confirmTiles(t, srv.TilesURL)
	dirRoot, err := os.OpenRoot(srv.StorageDir)
	if err != nil {
		t.Fatal(err)
	}
	defer dirRoot.Close()
	dirTiles := logfetch.NewDirFetcher(dirRoot)

	for name, src := range map[string]confirm.LogSource{
		"http":   confirm.TilesLog(logID, httpTiles),
		"folder": confirm.TilesLog(strings.ToUpper(logID), dirTiles),
	} {
		t.Run("confirmed over "+name, func(t *testing.T) {
			c, err := confirm.Confirm(ctx, v, b, res, src)
			if err != nil {
				t.Fatalf("Confirm: %v", err)
			}
			if c.Schema != confirm.Schema || len(c.Entries) != 1 {
				t.Fatalf("confirmation %+v", c)
			}
			e := c.Entries[0]
			if e.Status != confirm.StatusConfirmed || e.Method != confirm.MethodTiles || e.Reason != "" {
				t.Fatalf("entry %+v", e)
			}
			if *e.Bundle != *entry.Checkpoint || e.Latest.Origin != srv.Origin || e.Latest.Size < e.Bundle.Size+3 {
				t.Fatalf("bundle checkpoint %+v, latest %+v: want the latest at least 3 entries larger", e.Bundle, e.Latest)
			}
			if e.InclusionSize != e.Latest.Size || e.InclusionLeaf != uint64(entry.Index) || len(e.ConsistencyProof) == 0 {
				t.Fatalf("entry %+v", e)
			}
			// Check both proofs with the merkle library, independently.
			root, _ := hex.DecodeString(e.Latest.RootHash)
			oldRoot, _ := hex.DecodeString(e.Bundle.RootHash)
			body := b.GetVerificationMaterial().GetTlogEntries()[0].GetCanonicalizedBody()
			if err := proof.VerifyInclusion(rfc6962.DefaultHasher, e.InclusionLeaf, e.InclusionSize, rfc6962.DefaultHasher.HashLeaf(body), unhex(t, e.InclusionProof), root); err != nil {
				t.Errorf("inclusion proof: %v", err)
			}
			if err := proof.VerifyConsistency(rfc6962.DefaultHasher, e.Bundle.Size, e.Latest.Size, unhex(t, e.ConsistencyProof), oldRoot, root); err != nil {
				t.Errorf("consistency proof: %v", err)
			}
			if !strings.HasPrefix(e.LatestNote, srv.Origin+"\n") {
				t.Errorf("latest note %q", e.LatestNote)
			}
			j, err := json.Marshal(c)
			if err != nil || !bytes.Contains(j, []byte(`"schema":"`+confirm.Schema+`"`)) {
				t.Fatalf("JSON %s: %v", j, err)
			}
			t.Logf("confirmed: %s", j)
		})
	}

	t.Run("bundle checkpoint is the latest", func(t *testing.T) {
		// The oldest bundle at size 1 against its own log at size 5, and
		// the confirmed bundle against a source whose latest is its own.
		own := b.GetVerificationMaterial().GetTlogEntries()[0].GetInclusionProof().GetCheckpoint().GetEnvelope()
		src := confirm.LogSource{LogID: logID, Tiles: &confirm.TilesSource{
			Checkpoint: func(context.Context) ([]byte, error) { return []byte(own), nil },
			Tile:       httpTiles.Tile,
		}}
		c, err := confirm.Confirm(ctx, v, b, res, src)
		if err != nil {
			t.Fatalf("Confirm: %v", err)
		}
		if e := c.Entries[0]; e.Latest.Size != e.Bundle.Size || len(e.ConsistencyProof) != 0 {
			t.Fatalf("entry %+v", e)
		}
	})

	// A second real log with the same key and origin, holding other
	// entries: every checkpoint it serves verifies, and none is
	// consistent with the bundle's.
	fork := rekorv2.Start(t, rekorv2.Options{Key: logKey, Origin: srv.Origin})
	for i := range 3 {
		signTo(t, []byte{'f', byte(i)}, fork)
	}
	forkTiles := confirmTiles(t, fork.TilesURL)

	otherSigner := func(t *testing.T) note.Signer {
		t.Helper()
		skey, _, err := note.GenerateKey(rand.Reader, srv.Origin)
		if err != nil {
			t.Fatal(err)
		}
		s, err := note.NewSigner(skey)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	resign := func(signer note.Signer) tlog.CheckpointFetcherFunc {
		return func(ctx context.Context) ([]byte, error) {
			cp, err := httpTiles.Checkpoint(ctx)
			if err != nil {
				return nil, err
			}
			text, _, _ := strings.Cut(string(cp), "\n\n")
			return note.Sign(&note.Note{Text: text + "\n"}, signer)
		}
	}
	olderCP := older.GetVerificationMaterial().GetTlogEntries()[0].GetInclusionProof().GetCheckpoint().GetEnvelope()

	for _, tc := range []struct {
		name   string
		src    confirm.LogSource
		target any
	}{
		{"forked log with the same key", confirm.TilesLog(logID, forkTiles), new(*tlog.InconsistencyError)},
		{"flipped hash in a tile", confirm.LogSource{LogID: logID, Tiles: &confirm.TilesSource{
			Checkpoint: httpTiles.Checkpoint,
			Tile: func(ctx context.Context, level, index uint64, p uint8) ([]byte, error) {
				b, err := httpTiles.Tile(ctx, level, index, p)
				if err == nil && len(b) > 0 {
					b[0] ^= 1
				}
				return b, err
			},
		}}, new(*tlog.TileError)},
		{"checkpoint signed by another key", confirm.LogSource{LogID: logID, Tiles: &confirm.TilesSource{
			Checkpoint: resign(otherSigner(t)), Tile: httpTiles.Tile,
		}}, new(*tlog.SignatureError)},
		{"rollback to an older checkpoint", confirm.LogSource{LogID: logID, Tiles: &confirm.TilesSource{
			Checkpoint: func(context.Context) ([]byte, error) { return []byte(olderCP), nil },
			Tile:       httpTiles.Tile,
		}}, new(*tlog.RollbackError)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := confirm.Confirm(ctx, v, b, res, tc.src)
			if c != nil {
				t.Fatalf("accepted: %+v", c)
			}
			r := wantConfirmRejected(t, err, tc.target)
			if e := r.Entries[0]; e.Status != confirm.StatusRejected || !strings.Contains(e.Reason, "verification failed") {
				t.Errorf("entry %+v", e)
			}
		})
	}

	t.Run("HTML page for every object", func(t *testing.T) {
		c, err := confirm.Confirm(ctx, v, b, res, confirm.TilesLog(logID, confirmTiles(t, htmlServer(t))))
		if c != nil {
			t.Fatalf("accepted: %+v", c)
		}
		r := wantConfirmUnchecked(t, err)
		if !errors.Is(err, tlog.ErrUnavailable) || r.Entries[0].Status != confirm.StatusCouldNotCheck {
			t.Fatalf("err %v, entries %+v", err, r.Entries)
		}
	})
	// A checkpoint the log's own key signed for a tree too large to be
	// real: a rejection, and promptly (the tree arithmetic of the proofs
	// never ends on it).
	for _, size := range []uint64{tlog.MaxTreeSize + 1, 1<<62 + 1, 1 << 63, 1<<64 - 2} {
		t.Run(fmt.Sprintf("signed checkpoint of size %d", size), func(t *testing.T) {
			huge := tlog.Checkpoint{Origin: srv.Origin, Size: size, Hash: make([]byte, tlog.HashSize)}
			text, err := tlog.FormatCheckpoint(&huge)
			if err != nil {
				t.Fatal(err)
			}
			msg, err := note.Sign(&note.Note{Text: string(text)}, logSigner(t, srv.Origin, logKey))
			if err != nil {
				t.Fatal(err)
			}
			src := confirm.LogSource{LogID: logID, Tiles: &confirm.TilesSource{
				Checkpoint: func(context.Context) ([]byte, error) { return msg, nil },
				Tile:       httpTiles.Tile,
			}}
			done := make(chan error, 1)
			go func() { _, err := confirm.Confirm(ctx, v, b, res, src); done <- err }()
			select {
			case err := <-done:
				var tse *tlog.TreeSizeError
				wantConfirmRejected(t, err, &tse)
				if tse.Size != size {
					t.Fatalf("TreeSizeError of size %d, want %d", tse.Size, size)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Confirm did not return within 10s")
			}
		})
	}
	t.Run("unreachable source", func(t *testing.T) {
		c, err := confirm.Confirm(ctx, v, b, res, confirm.TilesLog(logID, confirmTiles(t, clitest.DeadURL(t))))
		if c != nil {
			t.Fatalf("accepted: %+v", c)
		}
		r := wantConfirmUnchecked(t, err)
		if !errors.Is(err, tlog.ErrUnavailable) || r.Entries[0].Status != confirm.StatusCouldNotCheck {
			t.Fatalf("err %v, entries %+v", err, r.Entries)
		}
	})
	t.Run("missing tiles", func(t *testing.T) {
		c, err := confirm.Confirm(ctx, v, b, res, confirm.LogSource{LogID: logID, Tiles: &confirm.TilesSource{
			Checkpoint: httpTiles.Checkpoint,
			Tile: func(context.Context, uint64, uint64, uint8) ([]byte, error) {
				return nil, os.ErrNotExist
			},
		}})
		if c != nil {
			t.Fatalf("accepted: %+v", c)
		}
		wantConfirmUnchecked(t, err)
	})
	t.Run("cancelled", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := confirm.Confirm(cctx, v, b, res, confirm.TilesLog(logID, httpTiles))
		if !errors.Is(err, sigstore.ErrCouldNotCheck) || errors.Is(err, sigstore.ErrVerification) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("no source for the log", func(t *testing.T) {
		c, err := confirm.Confirm(ctx, v, b, res)
		if c != nil {
			t.Fatalf("accepted: %+v", c)
		}
		r := wantConfirmUnchecked(t, err)
		e := r.Entries[0]
		if e.Status != confirm.StatusNotConfirmed || !strings.Contains(e.Reason, "no source for log "+logID) || e.Latest != nil {
			t.Fatalf("entry %+v", e)
		}
		if !strings.Contains(err.Error(), "no source for log") {
			t.Errorf("error %q does not say why", err)
		}
	})
	t.Run("bad input", func(t *testing.T) {
		src := confirm.TilesLog(logID, httpTiles)
		olderRes := verified(t, older, []byte("entry 0\n"))
		for name, call := range map[string]func() (*confirm.Confirmation, error){
			"nil verifier":            func() (*confirm.Confirmation, error) { return confirm.Confirm(ctx, nil, b, res, src) },
			"nil bundle":              func() (*confirm.Confirmation, error) { return confirm.Confirm(ctx, v, nil, res, src) },
			"nil result":              func() (*confirm.Confirmation, error) { return confirm.Confirm(ctx, v, b, nil, src) },
			"another bundle's result": func() (*confirm.Confirmation, error) { return confirm.Confirm(ctx, v, b, olderRes, src) },
			"unknown log": func() (*confirm.Confirmation, error) {
				return confirm.Confirm(ctx, v, b, res, confirm.TilesLog("00"+logID[2:], httpTiles))
			},
			"two sources": func() (*confirm.Confirmation, error) { return confirm.Confirm(ctx, v, b, res, src, src) },
			"neither kind": func() (*confirm.Confirmation, error) {
				return confirm.Confirm(ctx, v, b, res, confirm.LogSource{LogID: logID})
			},
			"nil fetcher": func() (*confirm.Confirmation, error) {
				return confirm.Confirm(ctx, v, b, res, confirm.LogSource{LogID: logID, Tiles: &confirm.TilesSource{Checkpoint: httpTiles.Checkpoint}})
			},
		} {
			t.Run(name, func(t *testing.T) {
				c, err := call()
				if c != nil || !errors.Is(err, sigstore.ErrBadInput) || errors.Is(err, sigstore.ErrVerification) || errors.Is(err, sigstore.ErrCouldNotCheck) {
					t.Fatalf("Confirm = %+v, %v; want ErrBadInput only", c, err)
				}
			})
		}
	})

	// A bundle logged to two logs, the second unknown to the trusted
	// root: its entry is reported as not confirmed, never skipped.
	t.Run("entry from a log the root does not know", func(t *testing.T) {
		stranger := rekorv2.Start(t, rekorv2.Options{Origin: "stranger." + rekorv2.DefaultOrigin})
		data := []byte("logged twice\n")
		b2 := signTo(t, data, srv, stranger)
		res2 := verified(t, b2, data)
		if len(res2.LogEntries) != 1 || len(res2.UnverifiedLogEntries) != 1 {
			t.Fatalf("result %+v: want one verified and one unverified entry", res2)
		}
		c, err := confirm.Confirm(ctx, v, b2, res2, confirm.TilesLog(logID, httpTiles))
		if err != nil {
			t.Fatalf("Confirm: %v", err)
		}
		if len(c.Entries) != 2 || c.Entries[0].Status != confirm.StatusConfirmed ||
			c.Entries[1].Status != confirm.StatusNotConfirmed || !strings.Contains(c.Entries[1].Reason, "log not in the trusted root") {
			t.Fatalf("entries %+v", c.Entries)
		}
	})
}

func unhex(t *testing.T, hs []string) [][]byte {
	t.Helper()
	out := make([][]byte, len(hs))
	for i, h := range hs {
		b, err := hex.DecodeString(h)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = b
	}
	return out
}
