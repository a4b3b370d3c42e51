// Package rekorv1fake is a Rekor v1 log on 127.0.0.1 for tests: it takes
// entries as Rekor does (checked and canonicalized by rekor's own types),
// signs entry timestamps and checkpoints with rekor's own code, and serves
// the reads a verifier's online confirmation makes (the log's signed tree
// head, consistency proofs). It is test support only; nothing outside
// tests imports it.
package rekorv1fake

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	jsoncanonicalizer "github.com/cyberphone/json-canonicalization/go/src/webpki.org/jsoncanonicalizer"
	"github.com/go-openapi/runtime"
	"github.com/sigstore/rekor/pkg/generated/models"
	"github.com/sigstore/rekor/pkg/types"
	_ "github.com/sigstore/rekor/pkg/types/dsse/v0.0.1"         // the dsse kind, as a Rekor v1 server registers it
	_ "github.com/sigstore/rekor/pkg/types/hashedrekord/v0.0.1" // the hashedrekord kind
	rekorutil "github.com/sigstore/rekor/pkg/util"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/merkle/testonly"

	"github.com/ats-run/selfattest/internal/rekorv2"
)

// Log is a Rekor v1 log on 127.0.0.1 that takes new entries as
// Rekor v1.5.3's createLogEntry does (pkg/api/entries.go): POST
// /api/v1/log/entries with a models.ProposedEntry; the entry is checked
// and canonicalized by rekor's own types (types.CreateVersionedEntry,
// which verifies the signature, then types.CanonicalizeEntry, RFC 8785
// JSON), appended to an RFC 6962 tree, and answered 201 with a
// models.LogEntry {entryID: LogEntryAnon} carrying the ETag and Location
// headers, a signed entry timestamp (ECDSA over the canonical JSON of
// body, integratedTime, logID, logIndex) and an inclusion proof whose
// checkpoint rekor's util.CreateAndSignCheckpoint signs (origin "<host> -
// <treeID>"). The log's key is ECDSA P-256 and its log ID the SHA-256 of
// its SPKI DER, as for rekor.sigstore.dev. It does not serve reads.
type Log struct {
	URL    string
	host   string
	treeID int64
	priv   *ecdsa.PrivateKey
	signer signature.SignerVerifier
	spki   []byte

	mu     sync.Mutex
	tree   *testonly.Tree
	leaves [][]byte
	times  []int64 // each entry's integrated time
	// Respond, if set, answers instead of the log (a failing server).
	Respond func(w http.ResponseWriter)
	tamper  func(path string, body []byte) []byte
}

// SetTamper makes the log edit each answer to a read (GET /api/v1/log,
// GET /api/v1/log/proof, GET /api/v1/log/entries/{uuid}) with fn before
// it is sent: a lying log. nil stops it. fn runs with the log locked: it
// must not call the log's methods.
func (f *Log) SetTamper(fn func(path string, body []byte) []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tamper = fn
}

// ReadLogInfo is the log's answer to GET /api/v1/log (models.LogInfo),
// decoded.
func (f *Log) ReadLogInfo(t testing.TB) map[string]any {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	code, body := f.read(httptest.NewRequest(http.MethodGet, "/api/v1/log", nil))
	var m map[string]any
	if err := json.Unmarshal(body, &m); code != http.StatusOK || err != nil {
		t.Fatalf("log info: %d %s", code, body)
	}
	return m
}

// TreeID is the log's tree ID, as in its checkpoints' origin.
const TreeID = 1193050959916656506

const Host = "rekor-v1.selfattest.invalid"

// Start starts a log that already holds seed entries, so that
// the inclusion proofs of the test's entries are not trivial.
func Start(t *testing.T, seed int) *Log {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sv, err := signature.LoadECDSASignerVerifier(priv, crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	spki, err := x509.MarshalPKIXPublicKey(priv.Public())
	if err != nil {
		t.Fatal(err)
	}
	f := &Log{host: Host, treeID: TreeID, priv: priv, signer: sv, spki: spki, tree: testonly.New(rfc6962.DefaultHasher)}
	f.Grow(seed)
	srv := httptest.NewUnstartedServer(f)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.Start()
	t.Cleanup(srv.Close)
	f.URL = srv.URL
	return f
}

// Grow appends n entries that are not the test's (the log moving on).
func (f *Log) Grow(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		leaf := fmt.Appendf(nil, `{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"seed":%d}}`, len(f.leaves))
		f.tree.AppendData(leaf)
		f.leaves = append(f.leaves, leaf)
		f.times = append(f.times, time.Now().Unix())
	}
}

// Size is the number of entries in the log.
func (f *Log) Size() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return uint64(len(f.leaves))
}

// Origin is the origin line of the log's checkpoints.
func (f *Log) Origin() string { return fmt.Sprintf("%s - %d", f.host, f.treeID) }

// LogID is the log's ID: the SHA-256 of its SPKI DER.
func (f *Log) LogID() []byte {
	h := sha256.Sum256(f.spki)
	return h[:]
}

// Root returns a trusted root naming this log (matched by its log ID; its
// baseUrl is only a name), its key valid from an hour ago.
func (f *Log) Root() rekorv2.Root {
	b, err := json.Marshal(map[string]any{
		"baseUrl":       "https://" + f.host,
		"hashAlgorithm": "SHA2_256",
		"publicKey": map[string]any{
			"rawBytes":   f.spki,
			"keyDetails": "PKIX_ECDSA_P256_SHA_256",
			"validFor":   map[string]string{"start": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)},
		},
		"logId": map[string]any{"keyId": f.LogID()},
	})
	if err != nil {
		panic(err)
	}
	return rekorv2.Root{Tlogs: []json.RawMessage{b}}
}

// Leaf returns the canonicalized body of entry i.
func (f *Log) Leaf(i int64) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return bytes.Clone(f.leaves[i])
}

func (f *Log) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	apiError := func(code int, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		json.NewEncoder(w).Encode(map[string]any{"code": code, "message": msg})
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Method == http.MethodGet && (r.URL.Path == "/api/v1/log" || r.URL.Path == "/api/v1/log/proof" || strings.HasPrefix(r.URL.Path, "/api/v1/log/entries/")) {
		code, answer := f.read(r)
		if f.tamper != nil && code == http.StatusOK {
			answer = f.tamper(r.URL.Path, answer)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		w.Write(answer)
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/api/v1/log/entries" {
		apiError(http.StatusNotFound, "not found")
		return
	}
	if f.Respond != nil {
		f.Respond(w)
		return
	}
	if r.Header.Get("Content-Type") != "application/json" {
		apiError(http.StatusUnsupportedMediaType, "want application/json")
		return
	}
	pe, err := models.UnmarshalProposedEntry(io.LimitReader(r.Body, 1<<20), runtime.JSONConsumer())
	if err != nil {
		apiError(http.StatusBadRequest, err.Error())
		return
	}
	entry, err := types.CreateVersionedEntry(pe)
	if err != nil {
		apiError(http.StatusBadRequest, "error processing entry: "+err.Error())
		return
	}
	leaf, err := types.CanonicalizeEntry(r.Context(), entry)
	if err != nil {
		apiError(http.StatusBadRequest, err.Error())
		return
	}
	entryID := f.entryID(leaf)
	for _, l := range f.leaves {
		if bytes.Equal(l, leaf) {
			w.Header().Set("Location", "/api/v1/log/entries/"+entryID)
			apiError(http.StatusConflict, "an equivalent entry already exists in the transparency log")
			return
		}
	}
	f.tree.AppendData(leaf)
	f.leaves = append(f.leaves, leaf)
	f.times = append(f.times, time.Now().Unix())
	id, anon, err := f.entry(r.Context(), int64(len(f.leaves)-1))
	if err != nil {
		apiError(http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("ETag", id)
	w.Header().Set("Location", "/api/v1/log/entries/"+id)
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(models.LogEntry{id: anon})
}

// entryID is Rekor's UUID of a leaf: the tree ID (16 hex) and the leaf
// hash.
func (f *Log) entryID(leaf []byte) string {
	return fmt.Sprintf("%016x%x", f.treeID, rfc6962.DefaultHasher.HashLeaf(leaf))
}

// entry is entry index as Rekor answers it: its body, integrated time,
// signed entry timestamp, and an inclusion proof in the log at its
// current size; f.mu is held.
func (f *Log) entry(ctx context.Context, index int64) (string, models.LogEntryAnon, error) {
	leaf, size := f.leaves[index], uint64(len(f.leaves))
	anon := models.LogEntryAnon{
		Body:           base64.StdEncoding.EncodeToString(leaf),
		IntegratedTime: ptr(f.times[index]),
		LogID:          ptr(hex.EncodeToString(f.LogID())),
		LogIndex:       ptr(index),
	}
	// Rekor's signEntry: the canonical JSON of the four fields above.
	payload, err := anon.MarshalBinary()
	if err != nil {
		return "", anon, err
	}
	canonical, err := jsoncanonicalizer.Transform(payload)
	if err != nil {
		return "", anon, err
	}
	set, err := f.signer.SignMessage(bytes.NewReader(canonical))
	if err != nil {
		return "", anon, err
	}
	rootHash := f.tree.HashAt(size)
	checkpoint, err := rekorutil.CreateAndSignCheckpoint(ctx, f.host, f.treeID, size, rootHash, f.signer)
	if err != nil {
		return "", anon, err
	}
	proof, err := f.tree.InclusionProof(uint64(index), size)
	if err != nil {
		return "", anon, err
	}
	hashes := []string{}
	for _, h := range proof {
		hashes = append(hashes, hex.EncodeToString(h))
	}
	anon.Verification = &models.LogEntryAnonVerification{
		InclusionProof: &models.InclusionProof{
			Checkpoint: ptr(string(checkpoint)),
			Hashes:     hashes,
			LogIndex:   ptr(index),
			RootHash:   ptr(hex.EncodeToString(rootHash)),
			TreeSize:   ptr(int64(size)),
		},
		SignedEntryTimestamp: set,
	}
	return f.entryID(leaf), anon, nil
}

// read answers GET /api/v1/log (models.LogInfo of the whole log) and GET
// /api/v1/log/proof (models.ConsistencyProof), as Rekor v1.5.3's
// pkg/api/tlog.go does; f.mu is held.
func (f *Log) read(r *http.Request) (int, []byte) {
	fail := func(code int, msg string) (int, []byte) {
		b, _ := json.Marshal(map[string]any{"code": code, "message": msg})
		return code, b
	}
	size := uint64(len(f.leaves))
	if uuid, ok := strings.CutPrefix(r.URL.Path, "/api/v1/log/entries/"); ok {
		// Rekor takes the 80-hex UUID or the 64-hex leaf hash.
		for i, l := range f.leaves {
			id := f.entryID(l)
			if uuid == id || uuid == id[16:] {
				id, anon, err := f.entry(r.Context(), int64(i))
				if err != nil {
					return fail(http.StatusInternalServerError, err.Error())
				}
				b, _ := json.Marshal(models.LogEntry{id: anon})
				return http.StatusOK, b
			}
		}
		return fail(http.StatusNotFound, "no such entry")
	}
	if r.URL.Path == "/api/v1/log" {
		root := f.tree.HashAt(size)
		sth, err := rekorutil.CreateAndSignCheckpoint(r.Context(), f.host, f.treeID, size, root, f.signer)
		if err != nil {
			return fail(http.StatusInternalServerError, err.Error())
		}
		b, _ := json.Marshal(models.LogInfo{
			RootHash:       ptr(hex.EncodeToString(root)),
			SignedTreeHead: ptr(string(sth)),
			TreeID:         ptr(strconv.FormatInt(f.treeID, 10)),
			TreeSize:       ptr(int64(size)),
			InactiveShards: []*models.InactiveShardLogInfo{},
		})
		return http.StatusOK, b
	}
	q := r.URL.Query()
	if id := q.Get("treeID"); id != "" && id != strconv.FormatInt(f.treeID, 10) {
		return fail(http.StatusNotFound, "no such tree")
	}
	first, err1 := strconv.ParseUint(q.Get("firstSize"), 10, 64)
	last, err2 := strconv.ParseUint(q.Get("lastSize"), 10, 64)
	if q.Get("lastSize") == "" {
		last, err2 = size, nil
	}
	if err1 != nil || err2 != nil || first < 1 || first > last || last > size {
		return fail(http.StatusBadRequest, "firstSize must be at least 1, and at most lastSize, and lastSize at most the tree size")
	}
	proof, err := f.tree.ConsistencyProof(first, last)
	if err != nil {
		return fail(http.StatusInternalServerError, err.Error())
	}
	hashes := []string{}
	for _, h := range proof {
		hashes = append(hashes, hex.EncodeToString(h))
	}
	b, _ := json.Marshal(models.ConsistencyProof{RootHash: ptr(hex.EncodeToString(f.tree.HashAt(last))), Hashes: hashes})
	return http.StatusOK, b
}

func ptr[T any](v T) *T { return &v }
