package tlog_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ats-run/selfattest/verify/tlog"
	"github.com/ats-run/selfattest/verify/tlog/logfetch"
	"github.com/ats-run/selfattest/verify/tlog/monitor"
)

// TestHTTPFetcherNotALog serves a tiles log over HTTP with one object
// replaced at a time. An answer that is not the kind of object asked for
// (an HTML page, an error text, a tile of the wrong length, a truncated
// bundle) proves nothing: an *AnswerError, ErrUnavailable, never a
// rejection. A well-formed answer that is false stays a rejection.
func TestHTTPFetcherNotALog(t *testing.T) {
	ctx := context.Background()
	l := newEd25519Log(t, "tiles.example")
	l.grow(300)
	m := newMemTiles(300, 300)
	note := l.sign(t, l.body(t, 300))
	cp := l.checkpoint(t, 300)
	other := newEd25519Log(t, "tiles.example")

	type answer struct {
		contentType string
		body        []byte
	}
	// serve answers path with replace(path) if it returns one, else
	// with the log's own object.
	serve := func(t *testing.T, replace func(path string) *answer) *logfetch.HTTPFetcher {
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			path := strings.TrimPrefix(r.URL.Path, "/")
			if a := replace(path); a != nil {
				w.Header().Set("Content-Type", a.contentType)
				w.Write(a.body)
				return
			}
			body, ok := m.files[path]
			if path == tlog.CheckpointPath {
				body, ok = note, true
			}
			if !ok {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Write(body)
		}))
		t.Cleanup(ts.Close)
		f, err := logfetch.NewHTTPFetcher(ts.URL, logfetch.HTTPOptions{Backoff: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	at := func(want string, a *answer) func(string) *answer {
		return func(path string) *answer {
			if path == want {
				return a
			}
			return nil
		}
	}
	html := &answer{"text/html; charset=utf-8", htmlPage}
	tile3 := tlog.TilePath(0, 0, 0)
	bundle0 := tlog.EntryBundlePath(0, 0)
	flipped := func(path string, i int) *answer {
		b := bytes.Clone(m.files[path])
		b[i] ^= 1
		return &answer{"application/octet-stream", b}
	}
	fetchCheckpoint := func(f *logfetch.HTTPFetcher) error {
		_, err := tlog.FetchCheckpoint(ctx, f.Checkpoint, l.origin, l.key)
		return err
	}
	inclusion := func(f *logfetch.HTTPFetcher) error { _, err := tlog.InclusionProof(ctx, cp, 3, f.Tile); return err }
	fetchEntry := func(f *logfetch.HTTPFetcher) error {
		_, err := tlog.FetchEntry(ctx, cp, 3, f.Tile, f.EntryBundle)
		return err
	}
	scan := func(f *logfetch.HTTPFetcher) error {
		return tlog.ScanEntries(ctx, cp, 0, 10, f.Tile, f.EntryBundle, func(uint64, []byte) error { return nil })
	}
	monitorRun := func(f *logfetch.HTTPFetcher) error {
		mon, err := monitor.New(l.origin, []*tlog.LogKey{l.key}, f, monitor.NewFileStore(filepath.Join(t.TempDir(), "state.json")),
			func([]byte) ([]monitor.Match, error) { return nil, nil }, monitor.Options{})
		if err != nil {
			return err
		}
		_, err = mon.Run(ctx)
		return err
	}

	for _, tc := range []struct {
		name    string
		replace func(string) *answer
		call    func(*logfetch.HTTPFetcher) error
		reject  any // nil: could not check (an *AnswerError); else the rejection's type
	}{
		{"HTML page for everything, checkpoint", func(string) *answer { return html }, fetchCheckpoint, nil},
		{"HTML page for everything, monitor", func(string) *answer { return html }, monitorRun, nil},
		{"HTML page for a tile", at(tile3, html), inclusion, nil},
		{"HTML page for an entry bundle", at(bundle0, html), fetchEntry, nil},
		{"HTML page for an entry bundle, scanned", at(bundle0, html), scan, nil},
		{"error text for the checkpoint", at(tlog.CheckpointPath, &answer{"text/plain", []byte("Forbidden\n")}), fetchCheckpoint, nil},
		{"error text for a tile", at(tile3, &answer{"text/plain", []byte("Forbidden\n")}), inclusion, nil},
		{"truncated tile", at(tile3, &answer{"application/octet-stream", m.files[tile3][:tlog.MaxTileSize-1]}), inclusion, nil},
		{"truncated entry bundle", at(bundle0, &answer{"application/octet-stream", m.files[bundle0][:len(m.files[bundle0])-1]}), fetchEntry, nil},

		{"tile with a flipped hash", at(tile3, flipped(tile3, 3*tlog.HashSize)), inclusion, new(*tlog.TileError)},
		{"entry bundle with a flipped byte", at(bundle0, flipped(bundle0, 3*(2+len("entry 0"))+2)), fetchEntry, new(*tlog.InclusionError)},
		{"checkpoint signed by another key", at(tlog.CheckpointPath, &answer{"text/plain", other.sign(t, l.body(t, 300))}), fetchCheckpoint, new(*tlog.SignatureError)},
		{"signed note whose body is not a checkpoint", at(tlog.CheckpointPath, &answer{"text/plain", l.sign(t, []byte(l.origin+"\nthree hundred\n"))}), fetchCheckpoint, new(*tlog.MalformedError)},
		{"signed checkpoint over MaxTreeSize", at(tlog.CheckpointPath, &answer{"text/plain", hugeNote(t, l, tlog.MaxTreeSize+1)}), monitorRun, new(*tlog.TreeSizeError)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := serve(t, tc.replace)
			if err := fetchEntry(serve(t, func(string) *answer { return nil })); err != nil {
				t.Fatalf("the log itself: %v", err)
			}
			err := prompt(t, promptly, func() error { return tc.call(f) })
			rejected, unavailable := errors.Is(err, tlog.ErrVerification), errors.Is(err, tlog.ErrUnavailable)
			if tc.reject == nil {
				var ae *tlog.AnswerError
				if !errors.As(err, &ae) || !unavailable || rejected {
					t.Fatalf("got %v; want an *AnswerError wrapping ErrUnavailable only", err)
				}
			} else if !rejected || unavailable || !errors.As(err, tc.reject) {
				t.Fatalf("got %v; want a rejection, %T", err, tc.reject)
			}
			t.Logf("%v", err)
		})
	}
}
