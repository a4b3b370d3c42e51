package tuf

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/ats-run/selfattest/internal/fetch"
	"github.com/ats-run/selfattest/verify/trust"
)

// The tests run go-tuf's client against a real TUF repository built here
// with go-tuf's metadata API: fresh ed25519 keys for the four top-level
// roles, metadata signed with them, consistent snapshots as Sigstore's
// repository uses them, served over TLS on 127.0.0.1. Its one target,
// trusted_root.json, is the embedded public-good trusted root. Tampering
// happens after signing, or by signing with the wrong key, so every
// rejection is TUF's own.

// testRepo is a TUF repository being published, and the server serving it.
type testRepo struct {
	t *testing.T

	mu    sync.Mutex
	files map[string][]byte // served files, by path without the leading "/"
	stall bool              // hold every request until the client gives up

	keys      map[string]ed25519.PrivateKey // signing key of each top-level role
	root      *metadata.Metadata[metadata.RootType]
	targets   *metadata.Metadata[metadata.TargetsType]
	snapshot  *metadata.Metadata[metadata.SnapshotType]
	timestamp *metadata.Metadata[metadata.TimestampType]
	content   map[string][]byte // target contents, by target name

	anchor []byte // 1.root.json: the root a client starts from
	srv    *httptest.Server
	guard  *loopbackOnly
}

var topLevelRoles = []string{metadata.ROOT, metadata.TARGETS, metadata.SNAPSHOT, metadata.TIMESTAMP}

// newTestRepo publishes version 1 of every role and serves it. Root
// expires in a year, targets in 30 days, snapshot in 7, timestamp in 1.
func newTestRepo(t *testing.T) *testRepo {
	t.Helper()
	target, err := trust.EmbeddedJSON(trust.PublicGood)
	if err != nil {
		t.Fatal(err)
	}
	r := &testRepo{
		t:       t,
		files:   map[string][]byte{},
		keys:    map[string]ed25519.PrivateKey{},
		content: map[string][]byte{DefaultTarget: target},
	}
	r.root = metadata.Root(in(365 * 24 * time.Hour))
	for _, role := range topLevelRoles {
		r.keys[role] = newKey(t)
		r.addKey(r.root, role, r.keys[role])
	}
	r.sign(r.root, r.keys[metadata.ROOT])
	r.anchor = r.put("1.root.json", r.root)

	r.targets = metadata.Targets(in(30 * 24 * time.Hour))
	r.snapshot = metadata.Snapshot(in(7 * 24 * time.Hour))
	r.timestamp = metadata.Timestamp(in(24 * time.Hour))
	r.publish()

	r.srv = httptest.NewUnstartedServer(r)
	r.srv.Config.ErrorLog = log.New(io.Discard, "", 0) // connections cut by cancelled clients are expected
	r.srv.StartTLS()
	t.Cleanup(r.srv.Close)
	r.guard = &loopbackOnly{t: t, next: r.srv.Client().Transport}
	return r
}

func in(d time.Duration) time.Time { return time.Now().UTC().Add(d).Truncate(time.Second) }

func newKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func (r *testRepo) addKey(root *metadata.Metadata[metadata.RootType], role string, k ed25519.PrivateKey) {
	r.t.Helper()
	key, err := metadata.KeyFromPublicKey(k.Public())
	if err != nil {
		r.t.Fatal(err)
	}
	if err := root.Signed.AddKey(key, role); err != nil {
		r.t.Fatal(err)
	}
}

// signer is the part of *metadata.Metadata[T] that signs.
type signer interface {
	ClearSignatures()
	Sign(signature.Signer) (*metadata.Signature, error)
}

// sign replaces m's signatures with one by each of keys.
func (r *testRepo) sign(m signer, keys ...ed25519.PrivateKey) {
	r.t.Helper()
	m.ClearSignatures()
	for _, k := range keys {
		s, err := signature.LoadSigner(k, crypto.Hash(0))
		if err != nil {
			r.t.Fatal(err)
		}
		if _, err := m.Sign(s); err != nil {
			r.t.Fatal(err)
		}
	}
}

// put serves m's bytes as name and returns them.
func (r *testRepo) put(name string, m interface{ ToBytes(bool) ([]byte, error) }) []byte {
	r.t.Helper()
	b, err := m.ToBytes(false)
	if err != nil {
		r.t.Fatal(err)
	}
	r.set(name, b)
	return b
}

func (r *testRepo) set(name string, b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if b == nil {
		delete(r.files, name)
	} else {
		r.files[name] = b
	}
}

func (r *testRepo) get(name string) []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.files[name]
}

// publish lists r.content in targets, then signs and serves targets,
// snapshot and timestamp at their current versions, each with its role's
// key, and serves the targets under their hash-prefixed names.
func (r *testRepo) publish() {
	r.t.Helper()
	r.targets.Signed.Targets = map[string]*metadata.TargetFiles{}
	for name, b := range r.content {
		tf, err := metadata.TargetFile().FromBytes(name, b, "sha256")
		if err != nil {
			r.t.Fatal(err)
		}
		r.targets.Signed.Targets[name] = tf
		sum := sha256.Sum256(b)
		r.set("targets/"+hex.EncodeToString(sum[:])+"."+name, b)
	}
	r.sign(r.targets, r.keys[metadata.TARGETS])
	r.put(fmt.Sprintf("%d.targets.json", r.targets.Signed.Version), r.targets)

	r.snapshot.Signed.Meta["targets.json"] = metadata.MetaFile(r.targets.Signed.Version)
	r.sign(r.snapshot, r.keys[metadata.SNAPSHOT])
	r.put(fmt.Sprintf("%d.snapshot.json", r.snapshot.Signed.Version), r.snapshot)

	r.timestamp.Signed.Meta["snapshot.json"] = metadata.MetaFile(r.snapshot.Signed.Version)
	r.sign(r.timestamp, r.keys[metadata.TIMESTAMP])
	r.put("timestamp.json", r.timestamp)
}

// bump publishes a new version of targets, snapshot and timestamp.
func (r *testRepo) bump() {
	r.t.Helper()
	r.targets.Signed.Version++
	r.snapshot.Signed.Version++
	r.timestamp.Signed.Version++
	r.publish()
}

// rotate publishes the next root version, with new root and timestamp
// keys, signed by the old root key and the new one, and re-publishes the
// other roles with the new timestamp key.
func (r *testRepo) rotate() {
	r.t.Helper()
	old := r.keys[metadata.ROOT]
	next := metadata.Root(r.root.Signed.Expires)
	next.Signed.Version = r.root.Signed.Version + 1
	r.keys[metadata.ROOT] = newKey(r.t)
	r.keys[metadata.TIMESTAMP] = newKey(r.t)
	for _, role := range topLevelRoles {
		r.addKey(next, role, r.keys[role])
	}
	r.sign(next, old, r.keys[metadata.ROOT])
	r.root = next
	r.put(fmt.Sprintf("%d.root.json", next.Signed.Version), next)
	r.bump()
}

func (r *testRepo) targetPath(name string) string {
	sum := sha256.Sum256(r.content[name])
	return "targets/" + hex.EncodeToString(sum[:]) + "." + name
}

func (r *testRepo) repository() Repository {
	return Repository{URL: r.srv.URL, Root: r.anchor}
}

func (r *testRepo) options() Options {
	return Options{Transport: r.guard}
}

// ServeHTTP serves r.files, 404 otherwise; with r.stall it answers
// nothing until the client goes away.
func (r *testRepo) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	b, ok := r.files[strings.TrimPrefix(req.URL.Path, "/")]
	stall := r.stall
	r.mu.Unlock()
	if stall {
		<-req.Context().Done()
		return
	}
	if !ok {
		http.NotFound(w, req)
		return
	}
	w.Write(b)
}

// loopbackOnly passes requests to loopback IP addresses on and fails the
// test on any other, so that no test's traffic can leave the machine
// whatever the code under test does. It records the paths requested.
type loopbackOnly struct {
	t    *testing.T
	next http.RoundTripper

	mu    sync.Mutex
	paths []string
}

func (l *loopbackOnly) RoundTrip(req *http.Request) (*http.Response, error) {
	if ip, err := netip.ParseAddr(req.URL.Hostname()); err != nil || !ip.IsLoopback() {
		l.t.Errorf("a request to %s was about to leave the machine", req.URL)
		return nil, errors.New("test transport: only loopback addresses")
	}
	l.mu.Lock()
	l.paths = append(l.paths, req.URL.Path)
	l.mu.Unlock()
	return l.next.RoundTrip(req)
}

func (l *loopbackOnly) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.paths = nil
}

func (l *loopbackOnly) requested() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.paths...)
}

// refresh runs Refresh with a fresh cache and the guarded transport.
func (r *testRepo) refresh(t *testing.T) (*Result, error) {
	t.Helper()
	return Refresh(context.Background(), r.repository(), t.TempDir(), r.options())
}

// mustRefresh runs Refresh and stops the test on an error.
func mustRefresh(t *testing.T, r *testRepo, dir string, opts Options) *Result {
	t.Helper()
	res, err := Refresh(context.Background(), r.repository(), dir, opts)
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	return res
}

// wantError checks that err is a *RefreshError wrapping sentinel (and no
// other sentinel) and, when cause is not nil, something errors.As finds
// as cause's type.
func wantError(t *testing.T, err, sentinel error, cause any) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %v", sentinel)
	}
	t.Logf("err = %v", err)
	for _, s := range []error{ErrVerification, ErrCouldNotCheck, ErrBadInput} {
		if errors.Is(err, s) != (s == sentinel) {
			t.Fatalf("err = %v\nwant it to wrap %v and no other sentinel", err, sentinel)
		}
	}
	var re *RefreshError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v (%T), want a *RefreshError", err, err)
	}
	if cause != nil && !errors.As(err, cause) {
		t.Fatalf("err = %v\nwant it to hold a %T", err, cause)
	}
}

func TestRefresh(t *testing.T) {
	r := newTestRepo(t)
	res := mustRefresh(t, r, t.TempDir(), r.options())

	want := r.content[DefaultTarget]
	if !bytes.Equal(res.TrustedRootJSON, want) {
		t.Fatal("TrustedRootJSON differs from the target served")
	}
	embedded, err := trust.Embedded(trust.PublicGood)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := res.TrustedRoot.MarshalJSON()
	exp, _ := embedded.MarshalJSON()
	if !bytes.Equal(got, exp) {
		t.Fatal("TrustedRoot differs from the embedded public-good root")
	}
	sum := sha256.Sum256(want)
	if res.Schema != ResultSchema || res.Repository != r.srv.URL || res.Target != DefaultTarget ||
		res.SHA256 != hex.EncodeToString(sum[:]) || res.Length != int64(len(want)) ||
		res.RootVersion != 1 || res.TimestampVersion != 1 || res.SnapshotVersion != 1 || res.TargetsVersion != 1 ||
		res.Stale || !res.Expires.Equal(r.timestamp.Signed.Expires) {
		t.Fatalf("result = %+v", res)
	}

	// The JSON form holds the verified facts, not the root itself.
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	if m["schema"] != ResultSchema || m["stale"] != false || m["sha256"] != res.SHA256 || len(m) != 11 {
		t.Fatalf("JSON result = %s", b)
	}
}

// Every request goes where the caller named, and only there.
func TestRefreshRequests(t *testing.T) {
	r := newTestRepo(t)
	mustRefresh(t, r, t.TempDir(), r.options())
	want := []string{"/2.root.json", "/timestamp.json", "/1.snapshot.json", "/1.targets.json", "/" + r.targetPath(DefaultTarget)}
	if got := r.guard.requested(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("requests = %v, want %v", got, want)
	}
}

func TestRefreshRejects(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(r *testRepo)
		cause  any
	}{
		{"target changed after signing", func(r *testRepo) {
			p := r.targetPath(DefaultTarget)
			b := bytes.Clone(r.get(p))
			b[len(b)/2] ^= 1
			r.set(p, b)
		}, new(*metadata.ErrLengthOrHashMismatch)},
		{"target shorter than signed", func(r *testRepo) {
			p := r.targetPath(DefaultTarget)
			r.set(p, r.get(p)[:100])
		}, new(*metadata.ErrLengthOrHashMismatch)},
		{"targets signed by a key not in root", func(r *testRepo) {
			r.keys[metadata.TARGETS] = newKey(t)
			r.publish()
		}, new(*metadata.ErrUnsignedMetadata)},
		{"snapshot signed by the targets key", func(r *testRepo) {
			r.keys[metadata.SNAPSHOT] = r.keys[metadata.TARGETS]
			r.publish()
		}, new(*metadata.ErrUnsignedMetadata)},
		{"timestamp expired", func(r *testRepo) {
			r.timestamp.Signed.Expires = in(-time.Hour)
			r.publish()
		}, new(*metadata.ErrExpiredMetadata)},
		{"targets expired", func(r *testRepo) {
			r.targets.Signed.Expires = in(-time.Hour)
			r.publish()
		}, new(*metadata.ErrExpiredMetadata)},
		{"snapshot is not the version timestamp names", func(r *testRepo) {
			r.snapshot.Signed.Version = 2
			r.sign(r.snapshot, r.keys[metadata.SNAPSHOT])
			r.put("1.snapshot.json", r.snapshot)
		}, new(*metadata.ErrBadVersionNumber)},
		{"root rotation not signed by the old root key", func(r *testRepo) {
			r.keys[metadata.ROOT] = newKey(t) // rotate() signs with this "old" key
			r.rotate()
		}, new(*metadata.ErrUnsignedMetadata)},
		{"signed target is not a trusted root", func(r *testRepo) {
			r.content[DefaultTarget] = []byte(`{"mediaType": "not a trusted root"}`)
			r.publish()
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newTestRepo(t)
			tt.tamper(r)
			res, err := r.refresh(t)
			if res != nil {
				t.Fatalf("Refresh returned a result with error %v", err)
			}
			wantError(t, err, ErrVerification, tt.cause)
		})
	}
}

func TestRefreshCouldNotCheck(t *testing.T) {
	huge := bytes.Repeat([]byte{'x'}, int(DefaultMaxTargetSize)+1)
	tests := []struct {
		name   string
		tamper func(r *testRepo)
		check  func(t *testing.T, r *testRepo, err error)
	}{
		{"timestamp 404", func(r *testRepo) { r.set("timestamp.json", nil) }, func(t *testing.T, r *testRepo, err error) {
			var fe *FetchError
			if !errors.As(err, &fe) || fe.Kind != fetch.KindStatus || fe.Status != http.StatusNotFound {
				t.Fatalf("err = %v, want a 404 FetchError", err)
			}
		}},
		{"target 404", func(r *testRepo) { r.set(r.targetPath(DefaultTarget), nil) }, nil},
		{"targets metadata 404", func(r *testRepo) { r.set("1.targets.json", nil) }, nil},
		{"target longer than signed", func(r *testRepo) {
			p := r.targetPath(DefaultTarget)
			r.set(p, append(bytes.Clone(r.get(p)), huge...))
		}, func(t *testing.T, r *testRepo, err error) {
			var fe *FetchError
			if !errors.As(err, &fe) || fe.Kind != fetch.KindTooLarge || fe.Limit != int64(len(r.content[DefaultTarget])) {
				t.Fatalf("err = %v, want a too-large FetchError at the signed length", err)
			}
		}},
		{"signed target over MaxTargetSize", func(r *testRepo) {
			r.content[DefaultTarget] = huge
			r.publish()
		}, func(t *testing.T, r *testRepo, err error) {
			for _, p := range r.guard.requested() {
				if strings.HasPrefix(p, "/targets/") {
					t.Fatalf("the huge target was requested: %v", r.guard.requested())
				}
			}
		}},
		{"timestamp larger than go-tuf's limit", func(r *testRepo) {
			r.set("timestamp.json", append(bytes.Clone(r.get("timestamp.json")), bytes.Repeat([]byte(" "), 16384)...))
		}, func(t *testing.T, r *testRepo, err error) {
			var fe *FetchError
			if !errors.As(err, &fe) || fe.Kind != fetch.KindTooLarge {
				t.Fatalf("err = %v, want a too-large FetchError", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newTestRepo(t)
			tt.tamper(r)
			res, err := r.refresh(t)
			if res != nil {
				t.Fatalf("Refresh returned a result with error %v", err)
			}
			wantError(t, err, ErrCouldNotCheck, nil)
			if tt.check != nil {
				tt.check(t, r, err)
			}
		})
	}
}

func TestRefreshServerError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	r := newTestRepo(t)
	res, err := Refresh(context.Background(), Repository{URL: srv.URL, Root: r.anchor}, t.TempDir(),
		Options{Transport: &loopbackOnly{t: t, next: srv.Client().Transport}})
	if res != nil {
		t.Fatal("result on error")
	}
	wantError(t, err, ErrCouldNotCheck, nil)
	var fe *FetchError
	if !errors.As(err, &fe) || fe.Status != http.StatusServiceUnavailable {
		t.Fatalf("err = %v", err)
	}
}

func TestRefreshContext(t *testing.T) {
	t.Run("cancelled", func(t *testing.T) {
		r := newTestRepo(t)
		r.stall = true
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		start := time.Now()
		_, err := Refresh(ctx, r.repository(), t.TempDir(), r.options())
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("Refresh took %v after the cancel", d)
		}
		wantError(t, err, ErrCouldNotCheck, nil)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
	t.Run("cancelled before the call", func(t *testing.T) {
		r := newTestRepo(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		dir := t.TempDir()
		_, err := Refresh(ctx, r.repository(), dir, r.options())
		wantError(t, err, ErrCouldNotCheck, nil)
		if !errors.Is(err, context.Canceled) || len(r.guard.requested()) != 0 {
			t.Fatalf("err = %v, requests %v", err, r.guard.requested())
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Fatalf("the cache was written: %v", entries)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		r := newTestRepo(t)
		r.stall = true
		opts := r.options()
		opts.Timeout = 100 * time.Millisecond
		start := time.Now()
		_, err := Refresh(context.Background(), r.repository(), t.TempDir(), opts)
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("Refresh took %v with a 100ms timeout", d)
		}
		wantError(t, err, ErrCouldNotCheck, nil)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want context.DeadlineExceeded", err)
		}
	})
}

// The cache holds the newest metadata seen, and a repository serving an
// older timestamp afterwards is refused.
func TestRefreshRollback(t *testing.T) {
	r := newTestRepo(t)
	dir := t.TempDir()
	old := r.get("timestamp.json")
	r.bump()
	if res := mustRefresh(t, r, dir, r.options()); res.TimestampVersion != 2 {
		t.Fatalf("timestamp version %d, want 2", res.TimestampVersion)
	}
	r.set("timestamp.json", old)
	_, err := Refresh(context.Background(), r.repository(), dir, r.options())
	wantError(t, err, ErrVerification, new(*metadata.ErrBadVersionNumber))
}

// A refresh never falls back to the cache: with a good cache and a
// repository that is gone, it fails.
func TestRefreshDoesNotFallBack(t *testing.T) {
	r := newTestRepo(t)
	dir := t.TempDir()
	mustRefresh(t, r, dir, r.options())
	r.mu.Lock()
	r.files = map[string][]byte{}
	r.mu.Unlock()
	res, err := Refresh(context.Background(), r.repository(), dir, r.options())
	if res != nil {
		t.Fatal("Refresh returned a result from the cache")
	}
	wantError(t, err, ErrCouldNotCheck, nil)
}

// A second refresh uses the cached target, still checked against the new
// targets metadata, and fetches a target that changed.
func TestRefreshTargetCache(t *testing.T) {
	r := newTestRepo(t)
	dir := t.TempDir()
	mustRefresh(t, r, dir, r.options())
	r.bump()
	r.guard.reset()
	mustRefresh(t, r, dir, r.options())
	for _, p := range r.guard.requested() {
		if strings.HasPrefix(p, "/targets/") {
			t.Fatalf("an unchanged target was fetched again: %v", r.guard.requested())
		}
	}

	// A cached target changed on disk is not used: it is fetched again.
	p := filepath.Join(dir, cacheName(mustParse(t, r.srv.URL)), "targets", DefaultTarget)
	if err := os.WriteFile(p, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	res := mustRefresh(t, r, dir, r.options())
	if !bytes.Equal(res.TrustedRootJSON, r.content[DefaultTarget]) {
		t.Fatal("the tampered cached target was used")
	}
}

func TestRefreshRootRotation(t *testing.T) {
	r := newTestRepo(t)
	dir := t.TempDir()
	r.rotate()
	r.rotate()
	res := mustRefresh(t, r, dir, r.options())
	if res.RootVersion != 3 {
		t.Fatalf("root version %d, want 3", res.RootVersion)
	}
	// Cached walks the same chain from the same anchor, offline.
	r.srv.Close()
	res, err := Cached(r.repository(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.RootVersion != 3 || !res.Stale {
		t.Fatalf("cached result = %+v", res)
	}
}

func TestCached(t *testing.T) {
	r := newTestRepo(t)
	dir := t.TempDir()

	_, err := Cached(r.repository(), dir, Options{})
	wantError(t, err, ErrCouldNotCheck, nil)
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("Cached wrote to an empty cache: %v", entries)
	}

	fresh := mustRefresh(t, r, dir, r.options())
	r.srv.Close() // nothing below may use the network

	res, err := Cached(r.repository(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Stale || !bytes.Equal(res.TrustedRootJSON, fresh.TrustedRootJSON) || res.TrustedRoot == nil {
		t.Fatalf("cached result = %+v", res)
	}
	res.Stale = false
	res.TrustedRoot, fresh.TrustedRoot = nil, nil
	if a, b := fmt.Sprint(*res), fmt.Sprint(*fresh); a != b {
		t.Fatalf("cached result\n%s\ndiffers from the fresh one\n%s", a, b)
	}

	t.Run("expired", func(t *testing.T) {
		_, err := Cached(r.repository(), dir, Options{now: time.Now().Add(48 * time.Hour)})
		wantError(t, err, ErrVerification, new(*metadata.ErrExpiredMetadata))
	})
	t.Run("another root", func(t *testing.T) {
		other := newTestRepo(t)
		_, err := Cached(Repository{URL: r.srv.URL, Root: other.anchor}, dir, Options{})
		wantError(t, err, ErrVerification, new(*metadata.ErrUnsignedMetadata))
	})
}

// A tampered cached target is never returned by Cached.
func TestCachedTamperedTarget(t *testing.T) {
	r := newTestRepo(t)
	dir := t.TempDir()
	mustRefresh(t, r, dir, r.options())
	p := filepath.Join(dir, cacheName(mustParse(t, r.srv.URL)), "targets", DefaultTarget)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 1
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := Cached(r.repository(), dir, Options{})
	if res != nil {
		t.Fatal("Cached returned a tampered target")
	}
	wantError(t, err, ErrCouldNotCheck, nil)
}

// The default transport (nil) works against plain http on loopback.
func TestRefreshDefaultTransport(t *testing.T) {
	r := newTestRepo(t)
	plain := httptest.NewServer(r)
	defer plain.Close()
	res, err := Refresh(context.Background(), Repository{URL: plain.URL, Root: r.anchor}, t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(res.TrustedRootJSON, r.content[DefaultTarget]) {
		t.Fatal("wrong target")
	}
}

func TestBadInput(t *testing.T) {
	r := newTestRepo(t)
	good := r.repository()
	selfless := metadata.Root(in(time.Hour))
	for _, role := range topLevelRoles {
		r.addKey(selfless, role, newKey(t))
	}
	r.sign(selfless, newKey(t))
	notSelfSigned, _ := selfless.ToBytes(false)
	notRoot, _ := r.targets.ToBytes(false)

	tests := []struct {
		name    string
		repo    Repository
		noDir   bool
		opts    Options
		offline bool // Cached refuses it too (the URL is only used online)
	}{
		{"no URL", Repository{Root: good.Root}, false, Options{}, true},
		{"ftp URL", Repository{URL: "ftp://127.0.0.1/", Root: good.Root}, false, Options{}, true},
		{"relative URL", Repository{URL: "repo/", Root: good.Root}, false, Options{}, true},
		{"URL with user", Repository{URL: "https://u:p@127.0.0.1/", Root: good.Root}, false, Options{}, true},
		{"URL with query", Repository{URL: "https://127.0.0.1/?a=b", Root: good.Root}, false, Options{}, true},
		{"no root", Repository{URL: good.URL}, false, Options{}, true},
		{"root not JSON", Repository{URL: good.URL, Root: []byte("{")}, false, Options{}, true},
		{"root is targets metadata", Repository{URL: good.URL, Root: notRoot}, false, Options{}, true},
		{"root not signed by its own keys", Repository{URL: good.URL, Root: notSelfSigned}, false, Options{}, true},
		{"no cache directory", good, true, Options{}, true},
		{"negative timeout", good, false, Options{Timeout: -1}, true},
		{"negative MaxTargetSize", good, false, Options{MaxTargetSize: -1}, true},
		{"target outside", good, false, Options{Target: "../trusted_root.json"}, true},
		{"target absolute", good, false, Options{Target: "/trusted_root.json"}, true},
		{"target dot", good, false, Options{Target: "."}, true},
		// Refused by the fetch policy before any connection is made; the
		// guard transport would fail the test otherwise.
		{"plain http off loopback", Repository{URL: "http://192.0.2.1/", Root: good.Root}, false, Options{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := ""
			if !tt.noDir {
				dir = t.TempDir()
			}
			tt.opts.Transport = r.guard
			res, err := Refresh(context.Background(), tt.repo, dir, tt.opts)
			if res != nil || !errors.Is(err, ErrBadInput) || errors.Is(err, ErrCouldNotCheck) || errors.Is(err, ErrVerification) {
				t.Fatalf("Refresh: err = %v, want ErrBadInput only", err)
			}
			if !tt.offline {
				return
			}
			if _, err := Cached(tt.repo, dir, tt.opts); !errors.Is(err, ErrBadInput) {
				t.Fatalf("Cached: err = %v, want ErrBadInput", err)
			}
		})
	}

	t.Run("target not listed", func(t *testing.T) {
		opts := r.options()
		opts.Target = "trusted_root_v2.json"
		_, err := Refresh(context.Background(), good, t.TempDir(), opts)
		wantError(t, err, ErrBadInput, nil)
	})
	t.Run("nil context", func(t *testing.T) {
		var nilCtx context.Context
		_, err := Refresh(nilCtx, good, t.TempDir(), r.options())
		if !errors.Is(err, ErrBadInput) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestCacheName(t *testing.T) {
	for in, want := range map[string]string{
		"https://tuf-repo-cdn.sigstore.dev":       "tuf-repo-cdn.sigstore.dev",
		"https://tuf-repo-cdn.sigstore.dev/":      "tuf-repo-cdn.sigstore.dev",
		"https://Example.COM:8443/a/b":            "example.com-8443-a-b",
		"http://127.0.0.1:5000/../..":             "127.0.0.1-5000-..-",
		"https://[::1]:443/x y":                   "---1--443-x-20y",
		"https://github.com/prod-tuf-root/":       "github.com-prod-tuf-root",
		"https://tuf-repo-cdn.sigstage.dev/a%2Fb": "tuf-repo-cdn.sigstage.dev-a-2Fb",
	} {
		if got := cacheName(mustParse(t, in)); got != want {
			t.Errorf("cacheName(%q) = %q, want %q", in, got, want)
		}
	}
}

func mustParse(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// A cache file that is too large or does not parse is the cache's fault
// (ErrCouldNotCheck), not the repository's.
func TestCorruptCache(t *testing.T) {
	tests := map[string][]byte{
		"timestamp.json": []byte("{"),
		"snapshot.json":  bytes.Repeat([]byte(" "), 2000001),
		"targets.json":   []byte(`{"signed": {"_type": "snapshot"}, "signatures": []}`),
	}
	for name, content := range tests {
		t.Run(name, func(t *testing.T) {
			r := newTestRepo(t)
			dir := t.TempDir()
			mustRefresh(t, r, dir, r.options())
			p := filepath.Join(dir, cacheName(mustParse(t, r.srv.URL)), name)
			if err := os.WriteFile(p, content, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Refresh(context.Background(), r.repository(), dir, r.options())
			wantError(t, err, ErrCouldNotCheck, new(*os.PathError))
			_, err = Cached(r.repository(), dir, Options{})
			wantError(t, err, ErrCouldNotCheck, new(*os.PathError))
		})
	}
}
