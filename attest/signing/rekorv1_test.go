package signing_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/sign"

	"github.com/ats-run/selfattest/attest"
	"github.com/ats-run/selfattest/attest/intoto"
	"github.com/ats-run/selfattest/attest/signing"
	"github.com/ats-run/selfattest/internal/rekorv1fake"
	"github.com/ats-run/selfattest/internal/rekorv2"
	"github.com/ats-run/selfattest/verify/sigstore"
)

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
// entries as Rekor does, and verifies the bundles with package verify/sigstore
// against a trusted root file naming the log. No timestamp authority is
// asked: a Rekor v1 entry's signed entry timestamp is a trusted time of
// its own. Then it tampers with them.
func TestSignRekorV1(t *testing.T) {
	f := rekorv1fake.Start(t, 5)
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
	v := writeRoot(t, f.Root())

	artifact := []byte("selfattest: an artifact logged to Rekor v1\n")
	st, err := intoto.NewStatement(testPredicate{}, intoto.Subject{Name: "app.js", Digests: attest.MeasureBytes(artifact)})
	if err != nil {
		t.Fatal(err)
	}
	d := attest.MeasureBytes(artifact)
	byDigest := sigstore.ArtifactDigest(attest.SHA256, d.Sum(attest.SHA256))
	stPolicy := sigstore.Policy{Key: key.Public(), PredicateType: testPredicate{}.PredicateType()}
	artPolicy := sigstore.Policy{Key: key.Public()}
	byBytes := func(b []byte) sigstore.SignedArtifact { return sigstore.ArtifactReader(bytes.NewReader(b)) }

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
		art        sigstore.SignedArtifact
		policy     sigstore.Policy
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
			if !bytes.Equal(body, f.Leaf(index)) {
				t.Errorf("canonicalizedBody %s, the log holds %s", body, f.Leaf(index))
			}
			if hs := e["inclusionProof"].(map[string]any)["hashes"].([]any); len(hs) < 2 {
				t.Errorf("inclusion proof of %d hashes: the tree is too small to test it", len(hs))
			}

			b, err := sigstore.ParseBundle(tc.data)
			if err != nil {
				t.Fatal(err)
			}
			res, err := v.Verify(ctx, b, tc.art, tc.policy)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if len(res.LogEntries) != 1 || res.LogEntries[0].IntegratedTime == nil || !res.LogEntries[0].InclusionPromise ||
				res.LogEntries[0].LogID != hex.EncodeToString(f.LogID()) || res.LogEntries[0].Checkpoint == nil ||
				res.LogEntries[0].Checkpoint.Origin != f.Origin() {
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
		art    *sigstore.SignedArtifact
		policy sigstore.Policy
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
		{name: "artifact checked against another key", data: artSigned, art: ptr(byBytes(artifact)), policy: sigstore.Policy{Key: otherKey.Public()}},
		{name: "artifact bytes changed", data: artSigned, art: ptr(byBytes([]byte("another artifact\n"))), policy: artPolicy},
		{name: "trusted root names another log", data: signed, root: func() *rekorv2.Root {
			r := rekorv1fake.Start(t, 0).Root()
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
			if !errors.Is(err, sigstore.ErrVerification) {
				t.Fatalf("got %v, want an error wrapping sigstore.ErrVerification", err)
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
			f := rekorv1fake.Start(t, 0)
			f.Respond = tc.respond
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
	f := rekorv1fake.Start(t, 3)
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
	v := writeRoot(t, f.Root())
	if err := verifyBundle(ctx, t, v, marshal(t, ab), sigstore.ArtifactReader(bytes.NewReader(artifact)), sigstore.Policy{Key: key.Public()}); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	st, err := intoto.NewStatement(testPredicate{}, intoto.Subject{Name: "app.js", Digests: attest.MeasureBytes(artifact)})
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

// TestSignRekorV1Conflict signs the same artifact twice with an Ed25519
// key, whose signatures are deterministic: the second time the log
// answers 409 (it holds the entry), and the bundle carries the entry the
// log already held, fetched by the UUID the answer names, which verifies.
// A log that names or serves another entry than ours is refused.
func TestSignRekorV1Conflict(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	key := signingKey(t, "ed25519")
	artifact := []byte("selfattest: a release job run twice\n")
	sign1 := func(f *rekorv1fake.Log) (*bundle.Bundle, error) {
		rekor, err := signing.NewRekor(f.URL, 1, loopback(t))
		if err != nil {
			t.Fatal(err)
		}
		return signing.Artifact(ctx, artifact, signing.Options{Key: key, TransparencyLogs: []sign.Transparency{rekor}})
	}

	f := rekorv1fake.Start(t, 3)
	first, err := sign1(f)
	if err != nil {
		t.Fatalf("first: %v", err)
	}
	f.Grow(5)
	again, err := sign1(f)
	if err != nil {
		t.Fatalf("again: %v", err)
	}
	if f.Size() != 9 {
		t.Fatalf("log size %d, want 9: the second signing added an entry", f.Size())
	}
	if !strings.Contains(string(f.Leaf(3)), "hashedrekord") {
		t.Fatalf("entry 3 is %s", f.Leaf(3))
	}
	e1, e2 := again.GetVerificationMaterial().GetTlogEntries()[0], first.GetVerificationMaterial().GetTlogEntries()[0]
	if e1.GetLogIndex() != e2.GetLogIndex() || !bytes.Equal(e1.GetCanonicalizedBody(), e2.GetCanonicalizedBody()) {
		t.Fatalf("the second bundle's entry is not the first's: index %d vs %d", e1.GetLogIndex(), e2.GetLogIndex())
	}
	v := writeRoot(t, f.Root())
	if err := verifyBundle(ctx, t, v, marshal(t, again), sigstore.ArtifactReader(bytes.NewReader(artifact)), sigstore.Policy{Key: key.Public()}); err != nil {
		t.Fatalf("Verify: %v", err)
	}

	// Another entry — a real one, of this key, for another artifact —
	// served under our UUID.
	rekor, err := signing.NewRekor(f.URL, 1, loopback(t))
	if err != nil {
		t.Fatal(err)
	}
	ob, err := signing.Artifact(ctx, []byte("another artifact\n"), signing.Options{Key: key, TransparencyLogs: []sign.Transparency{rekor}})
	if err != nil {
		t.Fatal(err)
	}
	leaf0 := f.Leaf(ob.GetVerificationMaterial().GetTlogEntries()[0].GetLogIndex())
	f.SetTamper(func(path string, body []byte) []byte {
		if !strings.HasPrefix(path, "/api/v1/log/entries/") {
			return body
		}
		var m map[string]map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatal(err)
		}
		for _, e := range m {
			e["body"] = base64.StdEncoding.EncodeToString(leaf0)
		}
		out, _ := json.Marshal(m)
		return out
	})
	_, err = sign1(f)
	var se *signing.ServiceError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "another entry than ours") {
		t.Fatalf("another entry served: got %v", err)
	}
	f.SetTamper(nil)

	// A 409 naming another entry.
	other := rekorv1fake.Start(t, 2)
	other.Respond = func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Location", fmt.Sprintf("/api/v1/log/entries/%016x%x", rekorv1fake.TreeID, sha256.Sum256([]byte("not ours"))))
		w.WriteHeader(http.StatusConflict)
		io.WriteString(w, `{"code":409,"message":"an equivalent entry already exists in the transparency log"}`)
	}
	_, err = sign1(other)
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "not our entry's leaf") {
		t.Fatalf("409 naming another entry: got %v", err)
	}
	t.Logf("refused: %v", err)
}
