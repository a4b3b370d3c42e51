package tlog_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/sign"

	"github.com/ats-run/selfattest/internal/fetch"
	"github.com/ats-run/selfattest/internal/rekorv2"
	"github.com/ats-run/selfattest/verify/tlog"
	"github.com/ats-run/selfattest/verify/tlog/logfetch"
)

type loggedEntry struct {
	index int64
	body  []byte // the bundle's canonicalizedBody
}

// signEntries logs n artifacts to srv concurrently and returns their entries.
func signEntries(t *testing.T, ctx context.Context, srv *rekorv2.Server, n int, tag string) []loggedEntry {
	t.Helper()
	kp, err := sign.NewEphemeralKeypair(nil)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]loggedEntry, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			pb, err := sign.Bundle(&sign.PlainData{Data: fmt.Appendf(nil, "selfattest tiles test %s %d\n", tag, i)}, kp, sign.BundleOptions{
				Context:          ctx,
				TransparencyLogs: []sign.Transparency{sign.NewRekor(&sign.RekorOptions{BaseURL: srv.URL, Version: 2, Timeout: 10 * time.Second})},
			})
			if err != nil {
				errs[i] = err
				return
			}
			e := pb.GetVerificationMaterial().GetTlogEntries()
			if len(e) != 1 {
				errs[i] = fmt.Errorf("%d tlog entries", len(e))
				return
			}
			out[i] = loggedEntry{index: e[0].GetLogIndex(), body: e[0].GetCanonicalizedBody()}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("signing to %s: %v", srv.URL, err)
	}
	return out
}

// TestRekorV2Tiles writes entries to a real Rekor v2 server and reads them
// back from its C2SP tlog-tiles files, over HTTP and from the folder, with
// the checkpoint verified by the log's key; then serves the same files
// tampered with.
func TestRekorV2Tiles(t *testing.T) {
	srv := rekorv2.Start(t, rekorv2.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	key, err := tlog.NewLogKey(srv.Origin, srv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	hf, err := logfetch.NewHTTPFetcher(srv.TilesURL, logfetch.HTTPOptions{})
	if err != nil {
		t.Fatal(err)
	}

	first := signEntries(t, ctx, srv, 2, "early")
	early, err := tlog.FetchCheckpoint(ctx, hf.Checkpoint, srv.Origin, key)
	if err != nil {
		t.Fatal(err)
	}
	entries := append(first, signEntries(t, ctx, srv, 4, "late")...)
	cp, err := tlog.FetchCheckpoint(ctx, hf.Checkpoint, srv.Origin, key)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("checkpoints at sizes %d and %d", early.Size, cp.Size)
	if cp.Size < uint64(len(entries)) || early.Size < 2 || early.Size >= cp.Size {
		t.Fatalf("checkpoint sizes %d and %d after writing %d then %d entries", early.Size, cp.Size, len(first), len(entries))
	}

	root, err := os.OpenRoot(srv.StorageDir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	df := logfetch.NewDirFetcher(root)

	for _, src := range []struct {
		name   string
		cp     tlog.CheckpointFetcherFunc
		tile   tlog.TileFetcherFunc
		bundle tlog.EntryBundleFetcherFunc
	}{
		{"http", hf.Checkpoint, hf.Tile, hf.EntryBundle},
		{"folder", df.Checkpoint, df.Tile, df.EntryBundle},
	} {
		t.Run(src.name, func(t *testing.T) {
			now, err := tlog.FetchCheckpoint(ctx, src.cp, srv.Origin, key)
			if err != nil {
				t.Fatal(err)
			}
			if now.Size != cp.Size || !bytes.Equal(now.Hash, cp.Hash) {
				t.Fatalf("checkpoint %d %x, want %d %x", now.Size, now.Hash, cp.Size, cp.Hash)
			}
			for _, e := range entries {
				got, err := tlog.FetchEntry(ctx, cp, uint64(e.index), src.tile, src.bundle)
				if err != nil {
					t.Fatalf("entry %d: %v", e.index, err)
				}
				if !bytes.Equal(got, e.body) {
					t.Errorf("entry %d in the log:\n%s\ncanonicalizedBody:\n%s", e.index, got, e.body)
				}
				if err := tlog.VerifyInclusionFromTiles(ctx, cp, uint64(e.index), e.body, src.tile); err != nil {
					t.Errorf("entry %d: %v", e.index, err)
				}
			}
			// The early checkpoint's partial tiles are still served.
			for _, e := range first {
				if got, err := tlog.FetchEntry(ctx, early, uint64(e.index), src.tile, src.bundle); err != nil || !bytes.Equal(got, e.body) {
					t.Errorf("entry %d under the early checkpoint: %v", e.index, err)
				}
			}
			p, err := tlog.ConsistencyProof(ctx, early, cp, src.tile)
			if err != nil {
				t.Fatalf("consistency %d to %d: %v", early.Size, cp.Size, err)
			}
			t.Logf("consistency %d to %d: %d hashes", early.Size, cp.Size, len(p))
		})
	}

	// The same files, served by a handler that can change one object.
	files := http.FileServer(http.Dir(srv.StorageDir))
	var mu sync.Mutex
	edit := map[string]func(b []byte) ([]byte, int){}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		f := edit[strings.TrimPrefix(r.URL.Path, "/")]
		mu.Unlock()
		if f == nil {
			files.ServeHTTP(w, r)
			return
		}
		b, err := os.ReadFile(srv.StorageDir + r.URL.Path)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		b, status := f(b)
		w.WriteHeader(status)
		w.Write(b)
	}))
	defer ts.Close()
	tf, err := logfetch.NewHTTPFetcher(ts.URL, logfetch.HTTPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := uint8(cp.Size % tlog.TileWidth)
	last := uint64(cp.Size - 1)
	otherPub, _, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	otherKey, err := tlog.NewLogKey(srv.Origin, otherPub)
	if err != nil {
		t.Fatal(err)
	}
	flip := func(at func(n int) int) func(b []byte) ([]byte, int) {
		return func(b []byte) ([]byte, int) { b[at(len(b))] ^= 1; return b, http.StatusOK }
	}
	for _, tc := range []struct {
		name   string
		path   string
		edit   func(b []byte) ([]byte, int)
		run    func() error
		reject bool // else could not check
		as     any
	}{
		{
			name: "flipped hash in a tile",
			path: tlog.TilePath(0, 0, p),
			edit: flip(func(int) int { return int(last^1)*tlog.HashSize + 5 }),
			run: func() error {
				_, err := tlog.FetchEntry(ctx, cp, last, tf.Tile, tf.EntryBundle)
				return err
			},
			reject: true,
			as:     new(*tlog.TileError),
		},
		{
			name: "changed byte in an entry bundle",
			path: tlog.EntryBundlePath(0, p),
			edit: flip(func(n int) int { return n - 10 }),
			run: func() error {
				_, err := tlog.FetchEntry(ctx, cp, last, tf.Tile, tf.EntryBundle)
				return err
			},
			reject: true,
			as:     new(*tlog.InclusionError),
		},
		{
			name: "checkpoint from another key",
			run: func() error {
				_, err := tlog.FetchCheckpoint(ctx, tf.Checkpoint, srv.Origin, otherKey)
				return err
			},
			reject: true,
			as:     new(*tlog.SignatureError),
		},
		{
			name: "tile not found",
			path: tlog.TilePath(0, 0, p),
			edit: func([]byte) ([]byte, int) { return []byte("no"), http.StatusNotFound },
			run: func() error {
				_, err := tlog.FetchEntry(ctx, cp, 0, tf.Tile, tf.EntryBundle)
				if !errors.Is(err, os.ErrNotExist) {
					return fmt.Errorf("%w, does not wrap os.ErrNotExist", err)
				}
				return err
			},
			as: new(*tlog.FetchError),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.path != "" {
				mu.Lock()
				edit[tc.path] = tc.edit
				mu.Unlock()
				defer func() { mu.Lock(); delete(edit, tc.path); mu.Unlock() }()
			}
			err := tc.run()
			if err == nil {
				t.Fatal("accepted")
			}
			if errors.Is(err, tlog.ErrVerification) != tc.reject || errors.Is(err, tlog.ErrUnavailable) == tc.reject {
				t.Fatalf("%v: rejected=%v unavailable=%v, want rejected=%v", err,
					errors.Is(err, tlog.ErrVerification), errors.Is(err, tlog.ErrUnavailable), tc.reject)
			}
			if !errors.As(err, tc.as) {
				t.Fatalf("%v is not a %T", err, tc.as)
			}
			t.Logf("%v", err)
		})
	}
}

// TestHTTPFetcherRetries checks which failures the HTTP fetcher tries again:
// only those that may pass (5xx, 429), never a 404 or another 4xx, and never
// an object over its limit.
func TestHTTPFetcherRetries(t *testing.T) {
	for _, tc := range []struct {
		name     string
		statuses []int // served in turn, then 200
		body     []byte
		wantErr  bool
		tries    int32
		kind     fetch.Kind
		notExist bool
	}{
		{name: "503 then 429 then ok", statuses: []int{503, 429}, tries: 3},
		{name: "500 four times", statuses: []int{500, 500, 500, 500, 500}, wantErr: true, tries: 4, kind: fetch.KindStatus},
		{name: "404", statuses: []int{404}, wantErr: true, tries: 1, kind: fetch.KindStatus, notExist: true},
		{name: "403", statuses: []int{403}, wantErr: true, tries: 1, kind: fetch.KindStatus},
		{name: "too large", body: make([]byte, tlog.MaxTileSize+1), wantErr: true, tries: 1, kind: fetch.KindTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var n atomic.Int32
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				i := int(n.Add(1)) - 1
				if r.URL.Path != "/log/tile/0/000" {
					t.Errorf("path %s", r.URL.Path)
				}
				if i < len(tc.statuses) {
					w.WriteHeader(tc.statuses[i])
					return
				}
				if tc.body != nil {
					w.Write(tc.body)
					return
				}
				w.Write(make([]byte, tlog.MaxTileSize))
			}))
			defer ts.Close()
			f, err := logfetch.NewHTTPFetcher(ts.URL+"/log/", logfetch.HTTPOptions{Backoff: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			b, err := f.Tile(context.Background(), 0, 0, 0)
			if got := n.Load(); got != tc.tries {
				t.Errorf("%d requests, want %d", got, tc.tries)
			}
			if !tc.wantErr {
				if err != nil || len(b) != tlog.MaxTileSize {
					t.Fatalf("%d bytes, %v", len(b), err)
				}
				return
			}
			var fe *fetch.Error
			if !errors.Is(err, tlog.ErrUnavailable) || errors.Is(err, tlog.ErrVerification) || !errors.As(err, &fe) || fe.Kind != tc.kind {
				t.Fatalf("%v: want a could-not-check error of kind %v", err, tc.kind)
			}
			if errors.Is(err, os.ErrNotExist) != tc.notExist {
				t.Fatalf("%v: os.ErrNotExist %v, want %v", err, !tc.notExist, tc.notExist)
			}
		})
	}
	t.Run("cancelled while waiting", func(t *testing.T) {
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }))
		defer ts.Close()
		f, err := logfetch.NewHTTPFetcher(ts.URL, logfetch.HTTPOptions{Backoff: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err = f.Checkpoint(ctx)
		if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, tlog.ErrUnavailable) {
			t.Fatalf("%v: want the deadline, could not check", err)
		}
	})
}
