package rekorv1_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	rekornote "github.com/sigstore/rekor-tiles/v2/pkg/note"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/merkle/testonly"
	"golang.org/x/mod/sumdb/note"

	"github.com/ats-run/selfattest/verify/tlog"
	"github.com/ats-run/selfattest/verify/tlog/logfetch"
	"github.com/ats-run/selfattest/verify/tlog/rekorv1"
)

// This file holds an in-process fake of the Rekor v1 REST API: the five
// calls package tlog reads, with Rekor's wire format (openapi.yaml, and the
// models of github.com/sigstore/rekor/pkg/generated/models). It serves
// responses prepared by the test: real ones rebuilt from captured Sigstore
// bundles, or ones made from a tree and an ECDSA key of the test's own.

// rekorV1LogEntry is Rekor's models.LogEntryAnon, field for field.
type rekorV1LogEntry struct {
	Body           string `json:"body"`
	IntegratedTime int64  `json:"integratedTime"`
	LogID          string `json:"logID"`
	LogIndex       int64  `json:"logIndex"`
	Verification   struct {
		InclusionProof struct {
			Checkpoint string   `json:"checkpoint"`
			Hashes     []string `json:"hashes"`
			LogIndex   int64    `json:"logIndex"`
			RootHash   string   `json:"rootHash"`
			TreeSize   int64    `json:"treeSize"`
		} `json:"inclusionProof"`
		SignedEntryTimestamp string `json:"signedEntryTimestamp"`
	} `json:"verification"`
}

// rekorV1Shard is Rekor's models.LogInfo without the inactive shards, and
// models.InactiveShardLogInfo.
type rekorV1Shard struct {
	RootHash       string `json:"rootHash"`
	SignedTreeHead string `json:"signedTreeHead"`
	TreeID         string `json:"treeID"`
	TreeSize       int64  `json:"treeSize"`
}

type rekorV1LogInfo struct {
	rekorV1Shard
	InactiveShards []rekorV1Shard `json:"inactiveShards"`
}

// fakeRekorV1 serves prepared responses under Rekor v1's paths.
type fakeRekorV1 struct {
	logInfo []byte
	entries map[string]rekorV1LogEntry // by 80-digit UUID
	search  map[string][]string        // by "sha256:<hex>"
	proofs  map[string][]byte          // by "treeID/first-last"

	// tamper, if set, may change any response (status and body) before
	// it is sent.
	tamper func(r *http.Request, status int, body []byte) (int, []byte)

	mu       sync.Mutex
	requests []string
}

func newFakeRekorV1() *fakeRekorV1 {
	return &fakeRekorV1{entries: map[string]rekorV1LogEntry{}, search: map[string][]string{}, proofs: map[string][]byte{}}
}

// clone returns a copy that shares the prepared responses, without tamper.
func (f *fakeRekorV1) clone() *fakeRekorV1 {
	return &fakeRekorV1{logInfo: f.logInfo, entries: f.entries, search: f.search, proofs: f.proofs}
}

func (f *fakeRekorV1) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, r.Method+" "+r.URL.RequestURI())
	f.mu.Unlock()
	status, body := f.respond(r)
	if f.tamper != nil {
		status, body = f.tamper(r, status, body)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}

func (f *fakeRekorV1) entryResponse(uuid string) (int, []byte) {
	e, ok := f.entries[uuid]
	if !ok && len(uuid) == 64 {
		for k, v := range f.entries {
			if strings.HasSuffix(k, uuid) {
				uuid, e, ok = k, v, true
			}
		}
	}
	if !ok {
		return http.StatusNotFound, []byte(`{"code":404,"message":"entry not found"}`)
	}
	return marshal(map[string]rekorV1LogEntry{uuid: e})
}

func marshal(v any) (int, []byte) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return http.StatusOK, b
}

func (f *fakeRekorV1) respond(r *http.Request) (int, []byte) {
	bad := func(msg string) (int, []byte) {
		return http.StatusBadRequest, fmt.Appendf(nil, `{"code":400,"message":%q}`, msg)
	}
	q := r.URL.Query()
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/api/v1/log":
		return http.StatusOK, f.logInfo
	case r.Method == http.MethodGet && r.URL.Path == "/api/v1/log/entries":
		n, err := strconv.ParseInt(q.Get("logIndex"), 10, 64)
		if err != nil || n < 0 {
			return bad("logIndex")
		}
		for uuid, e := range f.entries {
			if e.LogIndex == n {
				return f.entryResponse(uuid)
			}
		}
		return http.StatusNotFound, []byte(`{"code":404,"message":"entry not found"}`)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/api/v1/log/entries/"):
		return f.entryResponse(strings.TrimPrefix(r.URL.Path, "/api/v1/log/entries/"))
	case r.Method == http.MethodPost && r.URL.Path == "/api/v1/index/retrieve":
		if r.Header.Get("Content-Type") != "application/json" {
			return http.StatusUnsupportedMediaType, nil
		}
		var req struct {
			Hash string `json:"hash"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<10)).Decode(&req); err != nil || !strings.HasPrefix(req.Hash, "sha256:") {
			return bad("hash")
		}
		uuids := f.search[req.Hash]
		if uuids == nil {
			uuids = []string{}
		}
		return marshal(uuids)
	case r.Method == http.MethodGet && r.URL.Path == "/api/v1/log/proof":
		p, ok := f.proofs[q.Get("treeID")+"/"+q.Get("firstSize")+"-"+q.Get("lastSize")]
		if !ok {
			return bad("no such proof")
		}
		return http.StatusOK, p
	}
	return http.StatusNotFound, nil
}

// start serves f on 127.0.0.1 and returns a fetcher for it whose requests
// can reach loopback addresses only.
func (f *fakeRekorV1) start(t *testing.T, opts logfetch.HTTPOptions) *rekorv1.HTTPFetcher {
	t.Helper()
	srv := httptest.NewUnstartedServer(f)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.Start()
	t.Cleanup(srv.Close)
	if opts.Transport == nil {
		opts.Transport = loopbackOnly(t, srv.Client().Transport)
	}
	if opts.Backoff == 0 {
		opts.Backoff = time.Millisecond
	}
	hf, err := rekorv1.NewHTTPFetcher(srv.URL, opts)
	if err != nil {
		t.Fatal(err)
	}
	return hf
}

// writeDir stores f's responses in a folder laid out for DirFetcher.
func (f *fakeRekorV1) writeDir(t *testing.T) *rekorv1.DirFetcher {
	t.Helper()
	dir := t.TempDir()
	write := func(name string, b []byte) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("log.json", f.logInfo)
	for uuid, e := range f.entries {
		_, b := f.entryResponse(uuid)
		write("entries/"+uuid+".json", b)
		write("entries/"+uuid[16:]+".json", b)
		write(fmt.Sprintf("index/%d.json", e.LogIndex), b)
	}
	for h, uuids := range f.search {
		_, b := marshal(uuids)
		write("retrieve/sha256/"+strings.TrimPrefix(h, "sha256:")+".json", b)
	}
	for k, p := range f.proofs {
		write("proof/"+k+".json", p)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	return rekorv1.NewDirFetcher(root)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// loopbackOnly passes to base only requests for loopback IP literals and
// fails the test on any other: nothing leaves the machine.
func loopbackOnly(t *testing.T, base http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if a, err := netip.ParseAddr(r.URL.Hostname()); err != nil || !a.Unmap().IsLoopback() {
			t.Errorf("request for %s; the tests send only to loopback addresses", r.URL)
			return nil, errors.New("test transport: not a loopback address")
		}
		return base.RoundTrip(r)
	})
}

// realRekorV1Entry rebuilds the Rekor v1 entry response of a captured
// bundle's tlog entry: every field is the bundle's, as Rekor served it to
// the client that made the bundle. It returns the entry, its UUID and the
// log info the entry's checkpoint makes (the shard at that size).
func realRekorV1Entry(t testing.TB, path string) (string, rekorV1LogEntry, rekorV1Shard) {
	t.Helper()
	te := readBundleTlogEntry(t, path)
	num := func(s string) int64 {
		t.Helper()
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return n
	}
	var e rekorV1LogEntry
	e.Body = base64.StdEncoding.EncodeToString(te.CanonicalizedBody)
	e.IntegratedTime = num(te.IntegratedTime)
	e.LogID = hex.EncodeToString(te.LogID.KeyID)
	e.LogIndex = num(te.LogIndex)
	p := &e.Verification.InclusionProof
	p.Checkpoint = te.InclusionProof.Checkpoint.Envelope
	for _, h := range te.InclusionProof.Hashes {
		p.Hashes = append(p.Hashes, hex.EncodeToString(h))
	}
	p.LogIndex = num(te.InclusionProof.LogIndex)
	p.RootHash = hex.EncodeToString(te.InclusionProof.RootHash)
	p.TreeSize = num(te.InclusionProof.TreeSize)
	e.Verification.SignedEntryTimestamp = base64.StdEncoding.EncodeToString(te.InclusionPromise.SignedEntryTimestamp)

	origin, _, _ := strings.Cut(p.Checkpoint, "\n")
	_, id, ok := strings.Cut(origin, " - ")
	if !ok {
		t.Fatalf("%s: checkpoint origin %q", path, origin)
	}
	uuid := fmt.Sprintf("%016x%x", num(id), tlog.LeafHash(te.CanonicalizedBody))
	return uuid, e, rekorV1Shard{RootHash: p.RootHash, SignedTreeHead: p.Checkpoint, TreeID: id, TreeSize: p.TreeSize}
}

// testRekorV1 is a Rekor v1 shard of the test's own: an RFC 6962 tree,
// an ECDSA P-256 key that signs checkpoints (with rekor-tiles' note signer,
// the format Rekor v1 uses) and signed entry timestamps.
type testRekorV1 struct {
	host   string
	treeID int64
	offset int64 // entries in earlier shards
	priv   *ecdsa.PrivateKey
	signer note.Signer
	key    *tlog.LogKey
	tree   *testonly.Tree
	bodies [][]byte
	times  []int64
}

func newTestRekorV1(t testing.TB, host string, treeID, offset int64) *testRekorV1 {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sv, err := signature.LoadECDSASignerVerifier(priv, crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	s, err := rekornote.NewNoteSigner(context.Background(), host, sv)
	if err != nil {
		t.Fatal(err)
	}
	k, err := tlog.NewLogKey(host, &priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	k = k.WithValidity(testTime(2020), time.Time{})
	return &testRekorV1{host: host, treeID: treeID, offset: offset, priv: priv, signer: s, key: k, tree: testonly.New(rfc6962.DefaultHasher)}
}

func (l *testRekorV1) origin() string { return tlog.RekorV1Origin(l.host, l.treeID) }

// add appends n hashedrekord-like bodies.
func (l *testRekorV1) add(n int) {
	for range n {
		i := len(l.bodies)
		body := fmt.Appendf(nil, `{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"data":{"hash":{"algorithm":"sha256","value":"%x"}}}}`, sha256.Sum256(fmt.Appendf(nil, "artifact %d", i)))
		l.bodies = append(l.bodies, body)
		l.times = append(l.times, testTime(2024).Unix()+int64(i))
		l.tree.AppendData(body)
	}
}

// checkpoint returns the signed checkpoint note at size n.
func (l *testRekorV1) checkpoint(t testing.TB, n uint64, signer note.Signer) string {
	t.Helper()
	text, err := tlog.FormatCheckpoint(&tlog.Checkpoint{Origin: l.origin(), Size: n, Hash: l.tree.HashAt(n)})
	if err != nil {
		t.Fatal(err)
	}
	msg, err := note.Sign(&note.Note{Text: string(text)}, signer)
	if err != nil {
		t.Fatal(err)
	}
	return string(msg)
}

func (l *testRekorV1) uuid(i int) string {
	return fmt.Sprintf("%016x%x", l.treeID, tlog.LeafHash(l.bodies[i]))
}

// entry returns entry i as Rekor serves it, with its inclusion proof at
// size n and a SET signed by priv.
func (l *testRekorV1) entry(t testing.TB, i int, n uint64, priv *ecdsa.PrivateKey) rekorV1LogEntry {
	t.Helper()
	var e rekorV1LogEntry
	e.Body = base64.StdEncoding.EncodeToString(l.bodies[i])
	e.IntegratedTime = l.times[i]
	e.LogID = hex.EncodeToString(l.key.LogID())
	e.LogIndex = l.offset + int64(i)
	payload := fmt.Sprintf(`{"body":%q,"integratedTime":%d,"logID":%q,"logIndex":%d}`, e.Body, e.IntegratedTime, e.LogID, e.LogIndex)
	sum := sha256.Sum256([]byte(payload))
	set, err := ecdsa.SignASN1(rand.Reader, priv, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	e.Verification.SignedEntryTimestamp = base64.StdEncoding.EncodeToString(set)
	proof, err := l.tree.InclusionProof(uint64(i), n)
	if err != nil {
		t.Fatal(err)
	}
	p := &e.Verification.InclusionProof
	p.Checkpoint = l.checkpoint(t, n, l.signer)
	for _, h := range proof {
		p.Hashes = append(p.Hashes, hex.EncodeToString(h))
	}
	p.LogIndex = int64(i)
	p.RootHash = hex.EncodeToString(l.tree.HashAt(n))
	p.TreeSize = int64(n)
	return e
}

// fake returns a fake serving every entry at the current size, the log
// info (with one inactive shard if offset > 0), a search index by the
// SHA-256 each body names, and consistency proofs from every smaller size.
func (l *testRekorV1) fake(t testing.TB) *fakeRekorV1 {
	t.Helper()
	f := newFakeRekorV1()
	n := uint64(len(l.bodies))
	for i := range l.bodies {
		f.entries[l.uuid(i)] = l.entry(t, i, n, l.priv)
		var body struct {
			Spec struct {
				Data struct {
					Hash struct{ Value string }
				}
			}
		}
		if err := json.Unmarshal(l.bodies[i], &body); err != nil {
			t.Fatal(err)
		}
		h := "sha256:" + body.Spec.Data.Hash.Value
		f.search[h] = append(f.search[h], l.uuid(i))
	}
	info := rekorV1LogInfo{rekorV1Shard: rekorV1Shard{
		RootHash: hex.EncodeToString(l.tree.HashAt(n)), SignedTreeHead: l.checkpoint(t, n, l.signer),
		TreeID: strconv.FormatInt(l.treeID, 10), TreeSize: int64(n),
	}, InactiveShards: []rekorV1Shard{}}
	if l.offset > 0 {
		info.InactiveShards = append(info.InactiveShards, rekorV1Shard{
			RootHash: strings.Repeat("ab", 32), SignedTreeHead: "old shard\n", TreeID: "7", TreeSize: l.offset,
		})
	}
	_, f.logInfo = marshal(info)
	for m := uint64(1); m < n; m++ {
		p, err := l.tree.ConsistencyProof(m, n)
		if err != nil {
			t.Fatal(err)
		}
		hs := make([]string, len(p))
		for i := range p {
			hs[i] = hex.EncodeToString(p[i])
		}
		_, f.proofs[fmt.Sprintf("%d/%d-%d", l.treeID, m, n)] = marshal(struct {
			RootHash string   `json:"rootHash"`
			Hashes   []string `json:"hashes"`
		}{hex.EncodeToString(l.tree.HashAt(n)), hs})
	}
	return f
}

// editJSON decodes a JSON response (numbers kept exact), lets edit change
// it, and encodes it again.
func editJSON(t testing.TB, b []byte, edit func(v any) any) []byte {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("editJSON: %v in %q", err, b)
	}
	out, err := json.Marshal(edit(v))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// editEntry changes the one entry of an entry response: edit gets its
// UUID and object, and returns the UUID to serve it under.
func editEntry(t testing.TB, b []byte, edit func(uuid string, e map[string]any) string) []byte {
	return editJSON(t, b, func(v any) any {
		m := v.(map[string]any)
		out := map[string]any{}
		for uuid, e := range m {
			out[edit(uuid, e.(map[string]any))] = e
		}
		return out
	})
}

func inclusionProofOf(e map[string]any) map[string]any {
	return e["verification"].(map[string]any)["inclusionProof"].(map[string]any)
}

// flipHex flips the last bit of a hex string.
func flipHex(s string) string {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) == 0 {
		panic(fmt.Sprintf("flipHex(%q)", s))
	}
	b[len(b)-1] ^= 1
	return hex.EncodeToString(b)
}

// flipBase64 flips a bit in the middle of a base64 string.
func flipBase64(s string) string {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) == 0 {
		panic(fmt.Sprintf("flipBase64(%q)", s))
	}
	b[len(b)/2] ^= 1
	return base64.StdEncoding.EncodeToString(b)
}
