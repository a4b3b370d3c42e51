package signing_test

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
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
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
	"github.com/sigstore/sigstore-go/pkg/sign"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/merkle/testonly"

	"github.com/ats-run/selfattest/attest"
	"github.com/ats-run/selfattest/attest/signing"
	"github.com/ats-run/selfattest/internal/rekorv2"
	"github.com/ats-run/selfattest/verify"
)

// fakeRekorV1 is a Rekor v1 log on 127.0.0.1 that takes new entries as
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
type fakeRekorV1 struct {
	URL    string
	host   string
	treeID int64
	priv   *ecdsa.PrivateKey
	signer signature.SignerVerifier
	spki   []byte

	mu     sync.Mutex
	tree   *testonly.Tree
	leaves [][]byte
	// respond, if set, answers instead of the log (a failing server).
	respond func(w http.ResponseWriter)
}

const fakeRekorV1Host = "rekor-v1.selfattest.invalid"

// startFakeRekorV1 starts a log that already holds seed entries, so that
// the inclusion proofs of the test's entries are not trivial.
func startFakeRekorV1(t *testing.T, seed int) *fakeRekorV1 {
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
	f := &fakeRekorV1{host: fakeRekorV1Host, treeID: 1193050959916656506, priv: priv, signer: sv, spki: spki, tree: testonly.New(rfc6962.DefaultHasher)}
	for i := range seed {
		leaf := fmt.Appendf(nil, `{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"seed":%d}}`, i)
		f.tree.AppendData(leaf)
		f.leaves = append(f.leaves, leaf)
	}
	srv := httptest.NewUnstartedServer(f)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.Start()
	t.Cleanup(srv.Close)
	f.URL = srv.URL
	return f
}

// logID is the log's ID: the SHA-256 of its SPKI DER.
func (f *fakeRekorV1) logID() []byte {
	h := sha256.Sum256(f.spki)
	return h[:]
}

// root returns a trusted root naming this log (matched by its log ID; its
// baseUrl is only a name), its key valid from an hour ago.
func (f *fakeRekorV1) root() rekorv2.Root {
	b, err := json.Marshal(map[string]any{
		"baseUrl":       "https://" + f.host,
		"hashAlgorithm": "SHA2_256",
		"publicKey": map[string]any{
			"rawBytes":   f.spki,
			"keyDetails": "PKIX_ECDSA_P256_SHA_256",
			"validFor":   map[string]string{"start": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)},
		},
		"logId": map[string]any{"keyId": f.logID()},
	})
	if err != nil {
		panic(err)
	}
	return rekorv2.Root{Tlogs: []json.RawMessage{b}}
}

// leaf returns the canonicalized body of entry i.
func (f *fakeRekorV1) leaf(i int64) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return bytes.Clone(f.leaves[i])
}

func (f *fakeRekorV1) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	apiError := func(code int, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		json.NewEncoder(w).Encode(map[string]any{"code": code, "message": msg})
	}
	if r.Method != http.MethodPost || r.URL.Path != "/api/v1/log/entries" {
		apiError(http.StatusNotFound, "not found")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.respond != nil {
		f.respond(w)
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
	leafHash := rfc6962.DefaultHasher.HashLeaf(leaf)
	entryID := fmt.Sprintf("%016x%x", f.treeID, leafHash)
	for _, l := range f.leaves {
		if bytes.Equal(l, leaf) {
			w.Header().Set("Location", "/api/v1/log/entries/"+entryID)
			apiError(http.StatusConflict, "an equivalent entry already exists in the transparency log")
			return
		}
	}
	f.tree.AppendData(leaf)
	f.leaves = append(f.leaves, leaf)
	index, size := int64(len(f.leaves)-1), uint64(len(f.leaves))

	anon := models.LogEntryAnon{
		Body:           base64.StdEncoding.EncodeToString(leaf),
		IntegratedTime: ptr(time.Now().Unix()),
		LogID:          ptr(hex.EncodeToString(f.logID())),
		LogIndex:       ptr(index),
	}
	// Rekor's signEntry: the canonical JSON of the four fields above.
	payload, err := anon.MarshalBinary()
	if err != nil {
		apiError(http.StatusInternalServerError, err.Error())
		return
	}
	canonical, err := jsoncanonicalizer.Transform(payload)
	if err != nil {
		apiError(http.StatusInternalServerError, err.Error())
		return
	}
	set, err := f.signer.SignMessage(bytes.NewReader(canonical))
	if err != nil {
		apiError(http.StatusInternalServerError, err.Error())
		return
	}
	rootHash := f.tree.HashAt(size)
	checkpoint, err := rekorutil.CreateAndSignCheckpoint(r.Context(), f.host, f.treeID, size, rootHash, f.signer)
	if err != nil {
		apiError(http.StatusInternalServerError, err.Error())
		return
	}
	proof, err := f.tree.InclusionProof(uint64(index), size)
	if err != nil {
		apiError(http.StatusInternalServerError, err.Error())
		return
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
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("ETag", entryID)
	w.Header().Set("Location", "/api/v1/log/entries/"+entryID)
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(models.LogEntry{entryID: anon})
}

// tlogEntry returns the bundle's only transparency-log entry (its JSON).
func tlogEntry(t testing.TB, m map[string]any) map[string]any {
	t.Helper()
	es, _ := m["verificationMaterial"].(map[string]any)["tlogEntries"].([]any)
	if len(es) != 1 {
		t.Fatalf("%d tlog entries, want 1", len(es))
	}
	return es[0].(map[string]any)
}

func flipB64(t testing.TB, s any) string {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s.(string))
	if err != nil || len(b) == 0 {
		t.Fatalf("flipB64(%v): %v", s, err)
	}
	b[len(b)/2] ^= 1
	return base64.StdEncoding.EncodeToString(b)
}

// TestSignRekorV1 signs a statement and an artifact with an ECDSA P-256
// key, logs them with NewRekor(url, 1, …) — sigstore-go's Rekor v1 client
// over our HTTP client — to a fake Rekor v1 log that checks and stores
// entries as Rekor does, and verifies the bundles with package verify
// against a trusted root file naming the log. No timestamp authority is
// asked: a Rekor v1 entry's signed entry timestamp is a trusted time of
// its own. Then it tampers with them.
func TestSignRekorV1(t *testing.T) {
	f := startFakeRekorV1(t, 5)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rekor, err := signing.NewRekor(f.URL, 1, loopback(t))
	if err != nil {
		t.Fatal(err)
	}
	if rekor.Version() != 1 || rekor.URL() != f.URL {
		t.Fatalf("NewRekor: version %d, URL %s", rekor.Version(), rekor.URL())
	}
	key, otherKey := signingKey(t, "ecdsa"), signingKey(t, "ecdsa")
	opts := func(k *signing.Key) signing.Options {
		return signing.Options{Key: k, TransparencyLogs: []sign.Transparency{rekor}}
	}
	v := writeRoot(t, f.root())

	artifact := []byte("selfattest: an artifact logged to Rekor v1\n")
	st, err := attest.NewStatement(testPredicate{}, attest.Subject{Name: "app.js", Digests: attest.MeasureBytes(artifact)})
	if err != nil {
		t.Fatal(err)
	}
	d := attest.MeasureBytes(artifact)
	byDigest := verify.ArtifactDigest(attest.SHA256, d.Sum(attest.SHA256))
	stPolicy := verify.Policy{Key: key.Public(), PredicateType: testPredicate{}.PredicateType()}
	artPolicy := verify.Policy{Key: key.Public()}
	byBytes := func(b []byte) verify.SignedArtifact { return verify.ArtifactReader(bytes.NewReader(b)) }

	sb, err := signing.Statement(ctx, st, opts(key))
	if err != nil {
		t.Fatalf("Statement: %v", err)
	}
	ab, err := signing.Artifact(ctx, artifact, opts(key))
	if err != nil {
		t.Fatalf("Artifact: %v", err)
	}
	rb, err := signing.Statement(ctx, st, opts(otherKey))
	if err != nil {
		t.Fatal(err)
	}
	signed, artSigned, otherSigned := marshal(t, sb), marshal(t, ab), marshal(t, rb)

	// What the log recorded is what the bundles carry.
	for _, tc := range []struct {
		name, kind string
		data       []byte
		art        verify.SignedArtifact
		policy     verify.Policy
	}{
		{"statement", "dsse", signed, byDigest, stPolicy},
		{"artifact", "hashedrekord", artSigned, byBytes(artifact), artPolicy},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal(tc.data, &m); err != nil {
				t.Fatal(err)
			}
			e := tlogEntry(t, m)
			kv := e["kindVersion"].(map[string]any)
			if kv["kind"] != tc.kind || kv["version"] != "0.0.1" {
				t.Errorf("kindVersion %v, want %s 0.0.1", kv, tc.kind)
			}
			if e["inclusionPromise"] == nil || e["inclusionProof"] == nil {
				t.Errorf("entry without a promise or a proof: %v", e)
			}
			var index int64
			fmt.Sscan(e["logIndex"].(string), &index)
			body, _ := base64.StdEncoding.DecodeString(e["canonicalizedBody"].(string))
			if !bytes.Equal(body, f.leaf(index)) {
				t.Errorf("canonicalizedBody %s, the log holds %s", body, f.leaf(index))
			}
			if hs := e["inclusionProof"].(map[string]any)["hashes"].([]any); len(hs) < 2 {
				t.Errorf("inclusion proof of %d hashes: the tree is too small to test it", len(hs))
			}

			b, err := verify.ParseBundle(tc.data)
			if err != nil {
				t.Fatal(err)
			}
			res, err := v.Verify(ctx, b, tc.art, tc.policy)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if len(res.LogEntries) != 1 || res.LogEntries[0].IntegratedTime == nil || !res.LogEntries[0].InclusionPromise ||
				res.LogEntries[0].LogID != hex.EncodeToString(f.logID()) || res.LogEntries[0].Checkpoint == nil ||
				res.LogEntries[0].Checkpoint.Origin != fmt.Sprintf("%s - %d", f.host, f.treeID) {
				t.Errorf("log entries %+v", res.LogEntries)
			}
			if len(res.Timestamps) != 1 || res.Timestamps[0].Kind != "tlog" {
				t.Errorf("timestamps %+v, want the log's integrated time alone", res.Timestamps)
			}
		})
	}

	var artM, otherM map[string]any
	if err := json.Unmarshal(artSigned, &artM); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(otherSigned, &otherM); err != nil {
		t.Fatal(err)
	}
	editEntry := func(data []byte, edit func(e map[string]any)) []byte {
		return editBundle(t, data, func(m map[string]any) { edit(tlogEntry(t, m)) })
	}
	for _, tc := range []struct {
		name   string
		data   []byte
		art    *verify.SignedArtifact
		policy verify.Policy
		root   *rekorv2.Root
	}{
		{name: "statement: signed entry timestamp flipped", data: editEntry(signed, func(e map[string]any) {
			p := e["inclusionPromise"].(map[string]any)
			p["signedEntryTimestamp"] = flipB64(t, p["signedEntryTimestamp"])
		})},
		{name: "artifact: signed entry timestamp flipped", art: ptr(byBytes(artifact)), policy: artPolicy, data: editEntry(artSigned, func(e map[string]any) {
			p := e["inclusionPromise"].(map[string]any)
			p["signedEntryTimestamp"] = flipB64(t, p["signedEntryTimestamp"])
		})},
		{name: "integrated time moved", data: editEntry(signed, func(e map[string]any) {
			var it int64
			fmt.Sscan(e["integratedTime"].(string), &it)
			e["integratedTime"] = fmt.Sprint(it - 60)
		})},
		{name: "inclusion proof hash flipped", data: editEntry(signed, func(e map[string]any) {
			hs := e["inclusionProof"].(map[string]any)["hashes"].([]any)
			hs[0] = flipB64(t, hs[0])
		})},
		{name: "inclusion proof root hash flipped", data: editEntry(signed, func(e map[string]any) {
			p := e["inclusionProof"].(map[string]any)
			p["rootHash"] = flipB64(t, p["rootHash"])
		})},
		{name: "checkpoint signature flipped", data: editEntry(signed, func(e map[string]any) {
			cp := e["inclusionProof"].(map[string]any)["checkpoint"].(map[string]any)
			env := cp["envelope"].(string)
			i := bytes.LastIndexByte([]byte(env), ' ')
			cp["envelope"] = env[:i+1] + flipB64(t, env[i+1:len(env)-1]) + "\n"
		})},
		{name: "body swapped for another entry's", data: editEntry(signed, func(e map[string]any) {
			e["canonicalizedBody"] = tlogEntry(t, otherM)["canonicalizedBody"]
		})},
		{name: "artifact body swapped for the statement's", art: ptr(byBytes(artifact)), policy: artPolicy, data: editEntry(artSigned, func(e map[string]any) {
			var m map[string]any
			json.Unmarshal(signed, &m)
			e["canonicalizedBody"] = tlogEntry(t, m)["canonicalizedBody"]
		})},
		{name: "log entry of another signature", data: editBundle(t, signed, func(m map[string]any) {
			m["verificationMaterial"].(map[string]any)["tlogEntries"] = otherM["verificationMaterial"].(map[string]any)["tlogEntries"]
		})},
		{name: "statement signed by another key", data: otherSigned},
		{name: "artifact checked against another key", data: artSigned, art: ptr(byBytes(artifact)), policy: verify.Policy{Key: otherKey.Public()}},
		{name: "artifact bytes changed", data: artSigned, art: ptr(byBytes([]byte("another artifact\n"))), policy: artPolicy},
		{name: "trusted root names another log", data: signed, root: func() *rekorv2.Root {
			r := startFakeRekorV1(t, 0).root()
			return &r
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vv, art, p := v, byDigest, stPolicy
			if tc.art != nil {
				art = *tc.art
			}
			if tc.policy.Key != nil {
				p = tc.policy
			}
			if tc.root != nil {
				vv = writeRoot(t, *tc.root)
			}
			err := verifyBundle(ctx, t, vv, tc.data, art, p)
			if !errors.Is(err, verify.ErrVerification) {
				t.Fatalf("got %v, want an error wrapping verify.ErrVerification", err)
			}
			t.Logf("rejected: %v", err)
		})
	}
}

// TestSignRekorV1Fails holds a Rekor v1 log that fails or answers
// nonsense to the contract: signing fails with a *signing.ServiceError
// naming the log, wrapping signing.ErrSign and not attest.ErrBadInput.
func TestSignRekorV1Fails(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, tc := range []struct {
		name    string
		respond func(w http.ResponseWriter)
	}{
		{"500", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, `{"code":500,"message":"error communicating with backend"}`)
		}},
		{"400", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"code":400,"message":"error processing entry"}`)
		}},
		{"garbage", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, "\x00\xffnot json<html>")
		}},
		{"201 without the entry", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("ETag", "0011")
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"0022":{"body":"e30=","integratedTime":1,"logID":"00","logIndex":0}}`)
		}},
		{"entry without an inclusion proof", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("ETag", "0011")
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"0011":{"body":"e30=","integratedTime":1,"logID":"`+strings.Repeat("ab", 32)+`","logIndex":0,"verification":{"signedEntryTimestamp":"AAAA"}}}`)
		}},
		{"entry with a body that is not an entry", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("ETag", "0011")
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"0011":{"body":"bm90IGpzb24=","integratedTime":1,"logID":"`+strings.Repeat("ab", 32)+`","logIndex":0,`+
				`"verification":{"signedEntryTimestamp":"AAAA","inclusionProof":{"checkpoint":"x","hashes":[],"logIndex":0,"rootHash":"`+strings.Repeat("ab", 32)+`","treeSize":1}}}}`)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := startFakeRekorV1(t, 0)
			f.respond = tc.respond
			rekor, err := signing.NewRekor(f.URL, 1, loopback(t))
			if err != nil {
				t.Fatal(err)
			}
			_, err = signing.Artifact(ctx, []byte("artifact"), signing.Options{Key: signingKey(t, "ecdsa"), TransparencyLogs: []sign.Transparency{rekor}})
			var se *signing.ServiceError
			if !errors.As(err, &se) || se.Service != "transparency log" || se.URL != f.URL {
				t.Fatalf("got %v (%T), want a *signing.ServiceError from the transparency log %s", err, err, f.URL)
			}
			if !errors.Is(err, signing.ErrSign) || errors.Is(err, attest.ErrBadInput) {
				t.Fatalf("%v: want signing.ErrSign and not attest.ErrBadInput", err)
			}
			t.Logf("refused: %v", err)
		})
	}
}

// TestSignRekorV1Ed25519 pins what an Ed25519 key can log to Rekor v1:
// a message signature is a hashedrekord over the SHA-512 digest, which
// Rekor v1 checks as Ed25519ph and which verifies; a DSSE envelope is a
// dsse entry, whose signatures Rekor v1 checks as pure Ed25519, so the
// Ed25519ph signature the key makes is refused by the log.
func TestSignRekorV1Ed25519(t *testing.T) {
	f := startFakeRekorV1(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rekor, err := signing.NewRekor(f.URL, 1, loopback(t))
	if err != nil {
		t.Fatal(err)
	}
	key := signingKey(t, "ed25519")
	opts := signing.Options{Key: key, TransparencyLogs: []sign.Transparency{rekor}}
	artifact := []byte("selfattest: an artifact signed with Ed25519\n")
	ab, err := signing.Artifact(ctx, artifact, opts)
	if err != nil {
		t.Fatalf("Artifact: %v", err)
	}
	v := writeRoot(t, f.root())
	if err := verifyBundle(ctx, t, v, marshal(t, ab), verify.ArtifactReader(bytes.NewReader(artifact)), verify.Policy{Key: key.Public()}); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	st, err := attest.NewStatement(testPredicate{}, attest.Subject{Name: "app.js", Digests: attest.MeasureBytes(artifact)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = signing.Statement(ctx, st, opts)
	var se *signing.ServiceError
	if !errors.As(err, &se) || se.Service != "transparency log" {
		t.Fatalf("Statement: got %v, want the log's refusal", err)
	}
	t.Logf("refused: %v", err)
}
