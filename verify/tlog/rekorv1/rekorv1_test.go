package rekorv1_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ats-run/selfattest/verify/tlog"
	"github.com/ats-run/selfattest/verify/tlog/logfetch"
	"github.com/ats-run/selfattest/verify/tlog/rekorv1"
)

const realworld = "../../../testdata/sigstore/realworld"

// realRekorV1Bundles are captured bundles with Rekor v1 entries, inclusion
// proofs, checkpoints and SETs, from two shards of rekor.sigstore.dev.
var realRekorV1Bundles = []string{
	filepath.Join(conformance, "bundle-verify", "happy-path-v0.1", "bundle.sigstore.json"),
	filepath.Join(conformance, "bundle-verify", "happy-path-v0.3", "bundle.sigstore.json"),
	filepath.Join(conformance, "bundle-verify", "happy-path-intoto-in-dsse-v3", "bundle.sigstore.json"),
	filepath.Join(conformance, "bundle-verify", "managed-key-happy-path", "bundle.sigstore.json"),
	filepath.Join(realworld, "sigstore-js", "bundleV02-dsse", "bundle.sigstore.json"),
	filepath.Join(realworld, "sigstore-js", "bundleV02-intoto", "bundle.sigstore.json"),
}

// realRekorV1Fake serves the captured entries, and as log info the shard
// of the first one at its checkpoint's size.
func realRekorV1Fake(t testing.TB) (*fakeRekorV1, []string) {
	t.Helper()
	f := newFakeRekorV1()
	var uuids []string
	for i, p := range realRekorV1Bundles {
		uuid, e, shard := realRekorV1Entry(t, p)
		f.entries[uuid] = e
		uuids = append(uuids, uuid)
		if i == 0 {
			_, f.logInfo = marshal(rekorV1LogInfo{rekorV1Shard: shard, InactiveShards: []rekorV1Shard{}})
		}
	}
	return f, uuids
}

// checkRejected stops the test unless err is a rejection (ErrVerification,
// not ErrUnavailable) that errors.As matches target, if not nil.
func checkRejected(t *testing.T, err error, target any) {
	t.Helper()
	if !errors.Is(err, tlog.ErrVerification) || errors.Is(err, tlog.ErrUnavailable) {
		t.Fatalf("err = %v; want a rejection wrapping ErrVerification only", err)
	}
	if target != nil && !errors.As(err, target) {
		t.Fatalf("err = %v (%T); want %T", err, err, target)
	}
	t.Logf("rejected: %v", err)
}

// checkUnavailable stops the test unless err is a *FetchError wrapping
// ErrUnavailable and not ErrVerification.
func checkUnavailable(t *testing.T, err error, notExist bool) {
	t.Helper()
	var fe *tlog.FetchError
	if !errors.As(err, &fe) || !errors.Is(err, tlog.ErrUnavailable) || errors.Is(err, tlog.ErrVerification) {
		t.Fatalf("err = %v; want a *FetchError wrapping ErrUnavailable only", err)
	}
	if errors.Is(err, os.ErrNotExist) != notExist {
		t.Fatalf("err = %v; os.ErrNotExist %v, want %v", err, !notExist, notExist)
	}
	t.Logf("could not check: %v", err)
}

// checkAnswer stops the test unless err is an *AnswerError wrapping
// ErrUnavailable and not ErrVerification: an answer that is not the API's
// JSON proves nothing either way.
func checkAnswer(t *testing.T, err error) {
	t.Helper()
	var ae *tlog.AnswerError
	if !errors.As(err, &ae) || !errors.Is(err, tlog.ErrUnavailable) || errors.Is(err, tlog.ErrVerification) {
		t.Fatalf("err = %v; want an *AnswerError wrapping ErrUnavailable only", err)
	}
	t.Logf("could not check: %v", err)
}

// rekorV1Fetchers are the two implementations under one name each.
type rekorV1Fetchers struct {
	logInfo rekorv1.LogInfoFetcherFunc
	entry   rekorv1.EntryFetcherFunc
	index   rekorv1.IndexFetcherFunc
	search  rekorv1.SearchFetcherFunc
	proof   rekorv1.ProofFetcherFunc
}

func bothRekorV1Fetchers(t *testing.T, f *fakeRekorV1) map[string]rekorV1Fetchers {
	hf := f.start(t, logfetch.HTTPOptions{})
	df := f.writeDir(t)
	return map[string]rekorV1Fetchers{
		"http":   {hf.LogInfo, hf.Entry, hf.EntryByIndex, hf.Search, hf.ConsistencyProof},
		"folder": {df.LogInfo, df.Entry, df.EntryByIndex, df.Search, df.ConsistencyProof},
	}
}

// TestRekorV1RealEntries serves entries rebuilt from captured bundles and
// verifies them with the public-good trusted root's Rekor v1 key: real
// SETs, real checkpoints, real inclusion proofs.
func TestRekorV1RealEntries(t *testing.T) {
	keys := loadKeys(t, filepath.Join(realworld, "trusted_root.json"))
	f, uuids := realRekorV1Fake(t)
	ctx := t.Context()
	for name, fs := range bothRekorV1Fetchers(t, f) {
		t.Run(name, func(t *testing.T) {
			info, err := rekorv1.FetchLogInfo(ctx, fs.logInfo, rekorV1Origin, keys...)
			if err != nil {
				t.Fatalf("FetchLogInfo: %v", err)
			}
			if info.TreeID != 2605736670972794746 || info.Checkpoint.Size != 23083062 {
				t.Errorf("log info: tree %d, size %d", info.TreeID, info.Checkpoint.Size)
			}
			for _, uuid := range uuids {
				want := f.entries[uuid]
				for how, get := range map[string]func() (*rekorv1.Entry, error){
					"uuid":      func() (*rekorv1.Entry, error) { return rekorv1.FetchEntry(ctx, fs.entry, uuid, keys...) },
					"leaf hash": func() (*rekorv1.Entry, error) { return rekorv1.FetchEntry(ctx, fs.entry, uuid[16:], keys...) },
					"index": func() (*rekorv1.Entry, error) {
						return rekorv1.FetchEntryByIndex(ctx, fs.index, uint64(want.LogIndex), keys...)
					},
				} {
					t.Run(fmt.Sprintf("%d by %s", want.LogIndex, how), func(t *testing.T) {
						e, err := get()
						if err != nil {
							t.Fatal(err)
						}
						if e.UUID != uuid || base64.StdEncoding.EncodeToString(e.Body) != want.Body ||
							e.LogIndex != uint64(want.LogIndex) || e.TreeIndex != uint64(want.Verification.InclusionProof.LogIndex) ||
							e.IntegratedTime.Unix() != want.IntegratedTime || hex.EncodeToString(e.LogID) != want.LogID ||
							e.Checkpoint.Origin != tlog.RekorV1Origin("rekor.sigstore.dev", e.TreeID) {
							t.Errorf("got %+v", e)
						}
						if _, err := json.Marshal(e); err != nil {
							t.Errorf("json.Marshal: %v", err)
						}
					})
				}
			}
		})
	}

	// Two real checkpoints of one shard, the newer one smaller: a
	// rollback, found without asking the server for a proof.
	_, _, a := realRekorV1Entry(t, realRekorV1Bundles[0])
	_, _, b := realRekorV1Entry(t, realRekorV1Bundles[4])
	older, err1 := tlog.VerifyCheckpoint([]byte(a.SignedTreeHead), rekorV1Origin, keys...)
	newer, err2 := tlog.VerifyCheckpoint([]byte(b.SignedTreeHead), rekorV1Origin, keys...)
	if err := errors.Join(err1, err2); err != nil {
		t.Fatal(err)
	}
	var rollback *tlog.RollbackError
	_, err := rekorv1.FetchConsistencyProof(ctx, func(context.Context, int64, uint64, uint64) ([]byte, error) {
		t.Error("a proof was fetched for a rollback")
		return nil, errors.New("no")
	}, older, newer)
	checkRejected(t, err, &rollback)
}

// TestRekorV1RealTamper changes one field of a real entry at a time.
func TestRekorV1RealTamper(t *testing.T) {
	keys := loadKeys(t, filepath.Join(realworld, "trusted_root.json"))
	base, uuids := realRekorV1Fake(t)
	uuid := uuids[0]
	for _, tc := range []struct {
		name   string
		edit   func(uuid string, e map[string]any) string
		target any
	}{
		{"body flipped", func(u string, e map[string]any) string { e["body"] = flipBase64(e["body"].(string)); return u }, new(*rekorv1.Error)},
		{"SET flipped", func(u string, e map[string]any) string {
			v := e["verification"].(map[string]any)
			v["signedEntryTimestamp"] = flipBase64(v["signedEntryTimestamp"].(string))
			return u
		}, new(*rekorv1.Error)},
		{"integratedTime changed", func(u string, e map[string]any) string { e["integratedTime"] = json.Number("1689177397"); return u }, new(*rekorv1.Error)},
		{"checkpoint signature flipped", func(u string, e map[string]any) string {
			p := inclusionProofOf(e)
			p["checkpoint"] = string(flipLastSig(t, []byte(p["checkpoint"].(string))))
			return u
		}, new(*tlog.SignatureError)},
		{"inclusion proof hash flipped", func(u string, e map[string]any) string {
			hs := inclusionProofOf(e)["hashes"].([]any)
			hs[3] = flipHex(hs[3].(string))
			return u
		}, new(*tlog.InclusionError)},
		{"UUID of 83 digits", func(u string, e map[string]any) string { return "3904496407287907110" + u[16:] }, new(*tlog.AnswerError)},
		{"UUID of another shard, well-formed", func(u string, e map[string]any) string { return "108e9186e8c5677a" + u[16:] }, new(*tlog.OriginError)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := base.clone()
			f.tamper = func(r *http.Request, status int, b []byte) (int, []byte) {
				return status, editEntry(t, b, tc.edit)
			}
			hf := f.start(t, logfetch.HTTPOptions{})
			_, err := rekorv1.FetchEntry(t.Context(), hf.Entry, uuid, keys...)
			if _, ok := tc.target.(**tlog.AnswerError); ok {
				checkAnswer(t, err)
				return
			}
			checkRejected(t, err, tc.target)
		})
	}
}

// TestRekorV1 reads a shard of the test's own through both fetchers: log
// info, consistency proof, search, entries.
func TestRekorV1(t *testing.T) {
	l := newTestRekorV1(t, "rekor.test", 42, 100)
	l.add(7)
	old, err := tlog.VerifyCheckpoint([]byte(l.checkpoint(t, 7, l.signer)), l.origin(), l.key)
	if err != nil {
		t.Fatal(err)
	}
	l.add(13)
	f := l.fake(t)
	ctx := t.Context()
	digest := sha256.Sum256([]byte("artifact 3"))
	for name, fs := range bothRekorV1Fetchers(t, f) {
		t.Run(name, func(t *testing.T) {
			info, err := rekorv1.FetchLogInfo(ctx, fs.logInfo, l.origin(), l.key)
			if err != nil {
				t.Fatal(err)
			}
			if info.Checkpoint.Size != 20 || info.TreeID != 42 || len(info.UnverifiedInactiveShards) != 1 ||
				info.UnverifiedInactiveShards[0].TreeSize != 100 {
				t.Errorf("log info %+v", info)
			}
			proof, err := rekorv1.FetchConsistencyProof(ctx, fs.proof, old, info.Checkpoint)
			if err != nil || len(proof) == 0 {
				t.Fatalf("FetchConsistencyProof: %d hashes, %v", len(proof), err)
			}
			same, err := rekorv1.FetchConsistencyProof(ctx, nil2proof(t), info.Checkpoint, info.Checkpoint)
			if err != nil || len(same) != 0 {
				t.Fatalf("equal sizes: %v, %v", same, err)
			}
			uuids, err := rekorv1.Search(ctx, fs.search, digest[:])
			if err != nil || len(uuids) != 1 || uuids[0] != l.uuid(3) {
				t.Fatalf("Search: %v, %v", uuids, err)
			}
			e, err := rekorv1.FetchEntry(ctx, fs.entry, strings.ToUpper(uuids[0]), l.key)
			if err != nil {
				t.Fatal(err)
			}
			if e.LogIndex != 103 || e.TreeIndex != 3 || e.TreeID != 42 || !bytes.Equal(e.Body, l.bodies[3]) ||
				!e.IntegratedTime.Equal(time.Unix(l.times[3], 0)) || e.Checkpoint.Size != 20 {
				t.Errorf("entry %+v", e)
			}
			if e, err := rekorv1.FetchEntryByIndex(ctx, fs.index, 119, l.key); err != nil || e.TreeIndex != 19 {
				t.Fatalf("FetchEntryByIndex(119): %+v, %v", e, err)
			}
			_, err = rekorv1.FetchEntryByIndex(ctx, fs.index, 120, l.key)
			checkUnavailable(t, err, true)
			_, err = rekorv1.FetchEntry(ctx, fs.entry, strings.Repeat("0", 64), l.key)
			checkUnavailable(t, err, true)
		})
	}
	t.Run("search without results", func(t *testing.T) {
		hf := f.start(t, logfetch.HTTPOptions{})
		none := sha256.Sum256([]byte("nothing"))
		uuids, err := rekorv1.Search(ctx, hf.Search, none[:])
		if err != nil || len(uuids) != 0 {
			t.Fatalf("%v, %v", uuids, err)
		}
	})
}

func nil2proof(t *testing.T) rekorv1.ProofFetcherFunc {
	return func(context.Context, int64, uint64, uint64) ([]byte, error) {
		t.Error("a proof was fetched where none is needed")
		return nil, errors.New("no")
	}
}

// TestRekorV1Tamper serves the test shard with one thing wrong at a time.
// Every lie is a rejection; every failure to read is "could not check".
func TestRekorV1Tamper(t *testing.T) {
	l := newTestRekorV1(t, "rekor.test", 42, 100)
	l.add(20)
	other := newTestRekorV1(t, "rekor.test", 42, 100)
	other.add(20)
	base := l.fake(t)
	shard43 := *l // the same tree under another tree ID, signed by l's key
	shard43.treeID = 43
	old, err := tlog.VerifyCheckpoint([]byte(l.checkpoint(t, 7, l.signer)), l.origin(), l.key)
	if err != nil {
		t.Fatal(err)
	}
	cur, err := tlog.VerifyCheckpoint([]byte(l.checkpoint(t, 20, l.signer)), l.origin(), l.key)
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256([]byte("artifact 3"))
	ctx := t.Context()
	entryOf := func(i int) []byte { _, b := base.entryResponse(l.uuid(i)); return b }

	calls := map[string]func(fs *rekorv1.HTTPFetcher, keys ...*tlog.LogKey) error{
		"entry": func(fs *rekorv1.HTTPFetcher, keys ...*tlog.LogKey) error {
			_, err := rekorv1.FetchEntry(ctx, fs.Entry, l.uuid(3), keys...)
			return err
		},
		"index": func(fs *rekorv1.HTTPFetcher, keys ...*tlog.LogKey) error {
			_, err := rekorv1.FetchEntryByIndex(ctx, fs.EntryByIndex, 103, keys...)
			return err
		},
		"info": func(fs *rekorv1.HTTPFetcher, keys ...*tlog.LogKey) error {
			_, err := rekorv1.FetchLogInfo(ctx, fs.LogInfo, l.origin(), keys...)
			return err
		},
		"search": func(fs *rekorv1.HTTPFetcher, keys ...*tlog.LogKey) error {
			_, err := rekorv1.Search(ctx, fs.Search, digest[:])
			return err
		},
		"proof": func(fs *rekorv1.HTTPFetcher, keys ...*tlog.LogKey) error {
			_, err := rekorv1.FetchConsistencyProof(ctx, fs.ConsistencyProof, old, cur)
			return err
		},
	}
	body := func(b []byte) func(*http.Request, int, []byte) (int, []byte) {
		return func(*http.Request, int, []byte) (int, []byte) { return http.StatusOK, b }
	}
	entry := func(edit func(uuid string, e map[string]any) string) func(*http.Request, int, []byte) (int, []byte) {
		return func(r *http.Request, status int, b []byte) (int, []byte) { return status, editEntry(t, b, edit) }
	}
	setField := func(field string, v any) func(*http.Request, int, []byte) (int, []byte) {
		return entry(func(u string, e map[string]any) string { e[field] = v; return u })
	}
	proofField := func(field string, v any) func(*http.Request, int, []byte) (int, []byte) {
		return entry(func(u string, e map[string]any) string { inclusionProofOf(e)[field] = v; return u })
	}
	infoField := func(field string, v any) func(*http.Request, int, []byte) (int, []byte) {
		return func(r *http.Request, status int, b []byte) (int, []byte) {
			return status, editJSON(t, b, func(v2 any) any { v2.(map[string]any)[field] = v; return v2 })
		}
	}
	consistency := func(edit func(p map[string]any)) func(*http.Request, int, []byte) (int, []byte) {
		return func(r *http.Request, status int, b []byte) (int, []byte) {
			return status, editJSON(t, b, func(v any) any { edit(v.(map[string]any)); return v })
		}
	}
	manyUUIDs, _ := json.Marshal(func() []string {
		s := make([]string, rekorv1.MaxSearchResults+1)
		for i := range s {
			s[i] = l.uuid(i % 20)
		}
		return s
	}())
	otherSET := other.entry(t, 3, 20, other.priv).Verification.SignedEntryTimestamp
	l3 := l.entry(t, 3, 20, l.priv)

	type result int
	const (
		rejected result = iota
		unavailable
		notExist
		answer
	)
	for _, tc := range []struct {
		name   string
		call   string
		tamper func(*http.Request, int, []byte) (int, []byte)
		keys   []*tlog.LogKey // nil means l.key
		opts   logfetch.HTTPOptions
		want   result
		target any
	}{
		{name: "UUID not the body's leaf hash", call: "entry", tamper: entry(func(u string, e map[string]any) string { return u[:16] + flipHex(u[16:]) }), target: new(*rekorv1.Error)},
		{name: "another entry than the UUID asked for", call: "entry", tamper: body(entryOf(4)), target: new(*rekorv1.Error)},
		{name: "another entry than the index asked for", call: "index", tamper: body(entryOf(4)), target: new(*rekorv1.Error)},
		{name: "body flipped", call: "entry", tamper: setField("body", flipBase64(l3.Body)), target: new(*rekorv1.Error)},
		{name: "body replaced and UUID recomputed", call: "index", tamper: entry(func(u string, e map[string]any) string {
			b := []byte(`{"kind":"forged"}`)
			e["body"] = base64.StdEncoding.EncodeToString(b)
			return u[:16] + hex.EncodeToString(tlog.LeafHash(b))
		}), target: new(*rekorv1.Error)},
		{name: "body not canonical base64", call: "entry", tamper: setField("body", l3.Body[:4]+"\n"+l3.Body[4:]), want: answer},
		{name: "inclusion proof hash flipped", call: "entry", tamper: entry(func(u string, e map[string]any) string {
			hs := inclusionProofOf(e)["hashes"].([]any)
			hs[0] = flipHex(hs[0].(string))
			return u
		}), target: new(*tlog.InclusionError)},
		{name: "inclusion proof rootHash not the checkpoint's", call: "entry", tamper: proofField("rootHash", flipHex(l3.Verification.InclusionProof.RootHash)), target: new(*rekorv1.Error)},
		{name: "inclusion proof treeSize not the checkpoint's", call: "entry", tamper: proofField("treeSize", json.Number("21")), target: new(*rekorv1.Error)},
		{name: "inclusion proof index of another leaf", call: "entry", tamper: proofField("logIndex", json.Number("4")), target: new(*tlog.InclusionError)},
		{name: "checkpoint signed by another key", call: "entry", tamper: proofField("checkpoint", l.checkpoint(t, 20, other.signer)), target: new(*tlog.SignatureError)},
		{name: "UUID of another tree ID", call: "index", tamper: entry(func(u string, e map[string]any) string { return fmt.Sprintf("%016x", 43) + u[16:] }), target: new(*tlog.OriginError)},
		{name: "SET flipped", call: "entry", tamper: entry(func(u string, e map[string]any) string {
			v := e["verification"].(map[string]any)
			v["signedEntryTimestamp"] = flipBase64(v["signedEntryTimestamp"].(string))
			return u
		}), target: new(*rekorv1.Error)},
		{name: "SET by another key", call: "entry", tamper: entry(func(u string, e map[string]any) string {
			e["verification"].(map[string]any)["signedEntryTimestamp"] = otherSET
			return u
		}), target: new(*rekorv1.Error)},
		{name: "integratedTime changed", call: "entry", tamper: setField("integratedTime", json.Number(fmt.Sprint(l3.IntegratedTime-1))), target: new(*rekorv1.Error)},
		{name: "logIndex changed", call: "entry", tamper: setField("logIndex", json.Number("3")), target: new(*rekorv1.Error)},
		{name: "logID of an unknown key", call: "entry", tamper: setField("logID", hex.EncodeToString(other.key.LogID())), target: new(*rekorv1.Error)},
		{name: "logID in upper case", call: "entry", tamper: setField("logID", strings.ToUpper(l3.LogID)), want: answer},
		{name: "negative logIndex", call: "entry", tamper: setField("logIndex", json.Number("-1")), want: answer},
		{name: "fractional integratedTime", call: "entry", tamper: setField("integratedTime", json.Number("1.5")), want: answer},
		{name: "SET missing", call: "entry", tamper: entry(func(u string, e map[string]any) string {
			delete(e["verification"].(map[string]any), "signedEntryTimestamp")
			return u
		}), want: answer},
		{name: "two entries", call: "entry", tamper: func(r *http.Request, status int, b []byte) (int, []byte) {
			var m, m4 map[string]json.RawMessage
			if err := errors.Join(json.Unmarshal(b, &m), json.Unmarshal(entryOf(4), &m4)); err != nil {
				t.Fatal(err)
			}
			for k, v := range m4 {
				m[k] = v
			}
			return marshal(m)
		}, want: answer},
		{name: "malformed JSON", call: "entry", tamper: body([]byte(`{"`)), want: answer},
		{name: "trailing data", call: "entry", tamper: func(r *http.Request, status int, b []byte) (int, []byte) { return status, append(b, "{}"...) }, want: answer},
		{name: "key not valid at integratedTime", call: "entry", keys: []*tlog.LogKey{l.key.WithValidity(testTime(2030), time.Time{})}, target: new(*tlog.KeyValidityError)},

		{name: "log info of another shard", call: "info", tamper: infoField("treeID", "43"), target: new(*rekorv1.Error)},
		{name: "log info signed by another key", call: "info", tamper: infoField("signedTreeHead", l.checkpoint(t, 20, other.signer)), target: new(*tlog.SignatureError)},
		{name: "log info rootHash not the signed one", call: "info", tamper: infoField("rootHash", strings.Repeat("00", 32)), target: new(*rekorv1.Error)},
		{name: "log info treeSize not the signed one", call: "info", tamper: infoField("treeSize", json.Number("19")), target: new(*rekorv1.Error)},
		{name: "log info treeID not decimal", call: "info", tamper: infoField("treeID", "0x2a"), want: answer},
		{name: "log info with a checkpoint of another origin", call: "info", tamper: infoField("signedTreeHead", shard43.checkpoint(t, 20, l.signer)), target: new(*tlog.OriginError)},

		{name: "consistency proof hash flipped", call: "proof", tamper: consistency(func(p map[string]any) {
			hs := p["hashes"].([]any)
			hs[0] = flipHex(hs[0].(string))
		}), target: new(*tlog.InconsistencyError)},
		{name: "consistency proof hash dropped", call: "proof", tamper: consistency(func(p map[string]any) {
			p["hashes"] = p["hashes"].([]any)[1:]
		}), target: new(*tlog.InconsistencyError)},
		{name: "consistency proof rootHash not newer's", call: "proof", tamper: consistency(func(p map[string]any) {
			p["rootHash"] = flipHex(p["rootHash"].(string))
		}), target: new(*rekorv1.Error)},

		{name: "too many search results", call: "search", tamper: body(manyUUIDs), want: answer},
		{name: "search result not a UUID", call: "search", tamper: body([]byte(`["../../etc/passwd"]`)), want: answer},

		{name: "oversized entry", call: "entry", tamper: body(make([]byte, rekorv1.MaxEntrySize+1)), want: unavailable},
		{name: "oversized search result", call: "search", tamper: body(make([]byte, rekorv1.MaxSearchSize+1)), want: unavailable},
		{name: "oversized log info", call: "info", tamper: body(make([]byte, rekorv1.MaxLogInfoSize+1)), want: unavailable},
		{name: "oversized proof", call: "proof", tamper: body(make([]byte, rekorv1.MaxProofSize+1)), want: unavailable},
		{name: "500", call: "index", tamper: func(*http.Request, int, []byte) (int, []byte) { return 500, nil }, want: unavailable},
		{name: "400", call: "proof", tamper: func(*http.Request, int, []byte) (int, []byte) { return 400, nil }, want: unavailable},
		{name: "404", call: "entry", tamper: func(*http.Request, int, []byte) (int, []byte) { return 404, nil }, want: notExist},
		{name: "hanging server", call: "info", opts: logfetch.HTTPOptions{Timeout: 100 * time.Millisecond, Retries: -1},
			tamper: func(r *http.Request, status int, b []byte) (int, []byte) {
				select {
				case <-r.Context().Done():
				case <-time.After(10 * time.Second):
				}
				return status, b
			}, want: unavailable},
	} {
		t.Run(tc.call+": "+tc.name, func(t *testing.T) {
			f := base.clone()
			f.tamper = tc.tamper
			keys := tc.keys
			if keys == nil {
				keys = []*tlog.LogKey{l.key}
			}
			err := calls[tc.call](f.start(t, tc.opts), keys...)
			switch tc.want {
			case rejected:
				checkRejected(t, err, tc.target)
			case unavailable:
				checkUnavailable(t, err, false)
			case notExist:
				checkUnavailable(t, err, true)
			case answer:
				checkAnswer(t, err)
			}
		})
	}
}

// TestRekorV1Retries checks that transient failures (503, 429) are tried
// again, the search POST included, and that a 404 is not.
func TestRekorV1Retries(t *testing.T) {
	l := newTestRekorV1(t, "rekor.test", 42, 0)
	l.add(5)
	digest := sha256.Sum256([]byte("artifact 1"))
	for _, tc := range []struct {
		name     string
		status   int
		failures int
		wantErr  bool
		wantSent int
	}{
		{"503 twice", http.StatusServiceUnavailable, 2, false, 3},
		{"429 once", http.StatusTooManyRequests, 1, false, 2},
		{"503 past the retries", http.StatusServiceUnavailable, 10, true, 4},
		{"404 not retried", http.StatusNotFound, 10, true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := l.fake(t)
			var sent atomic.Int32
			f.tamper = func(r *http.Request, status int, b []byte) (int, []byte) {
				if int(sent.Add(1)) <= tc.failures {
					return tc.status, nil
				}
				return status, b
			}
			hf := f.start(t, logfetch.HTTPOptions{})
			uuids, err := rekorv1.Search(t.Context(), hf.Search, digest[:])
			if tc.wantErr {
				checkUnavailable(t, err, tc.status == http.StatusNotFound)
			} else if err != nil || len(uuids) != 1 {
				t.Fatalf("%v, %v", uuids, err)
			}
			if n := int(sent.Load()); n != tc.wantSent {
				t.Errorf("%d requests, want %d", n, tc.wantSent)
			}
		})
	}
}

// TestRekorV1CallerErrors checks that a caller's mistake is a *PolicyError:
// neither a rejection nor "could not check" on the log's part, and nothing
// is fetched.
func TestRekorV1CallerErrors(t *testing.T) {
	l := newTestRekorV1(t, "rekor.test", 42, 0)
	l.add(3)
	hf := l.fake(t).start(t, logfetch.HTTPOptions{})
	ctx := t.Context()
	cp, err := tlog.VerifyCheckpoint([]byte(l.checkpoint(t, 3, l.signer)), l.origin(), l.key)
	if err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]func() error{
		"UUID not hex": func() error {
			_, err := rekorv1.FetchEntry(ctx, hf.Entry, "../log", l.key)
			return err
		},
		"UUID of 63 digits": func() error {
			_, err := rekorv1.FetchEntry(ctx, hf.Entry, strings.Repeat("a", 63), l.key)
			return err
		},
		"no log key": func() error {
			_, err := rekorv1.FetchEntry(ctx, hf.Entry, l.uuid(0))
			return err
		},
		"nil fetcher": func() error {
			_, err := rekorv1.FetchEntryByIndex(ctx, nil, 0, l.key)
			return err
		},
		"index beyond int64": func() error {
			_, err := rekorv1.FetchEntryByIndex(ctx, hf.EntryByIndex, 1<<63, l.key)
			return err
		},
		"digest of 20 bytes": func() error {
			_, err := rekorv1.Search(ctx, hf.Search, make([]byte, 20))
			return err
		},
		"origin not Rekor v1": func() error {
			_, err := rekorv1.FetchLogInfo(ctx, hf.LogInfo, "rekor.test", l.key)
			return err
		},
		"unverified checkpoint": func() error {
			_, err := rekorv1.FetchConsistencyProof(ctx, hf.ConsistencyProof, &tlog.VerifiedCheckpoint{}, cp)
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			err := call()
			var pe *tlog.PolicyError
			if !errors.As(err, &pe) || errors.Is(err, tlog.ErrVerification) || errors.Is(err, tlog.ErrUnavailable) {
				t.Fatalf("err = %v; want a *PolicyError only", err)
			}
		})
	}
}

// TestRekorV1DirFetcherRefuses checks the folder fetcher's own limits.
func TestRekorV1DirFetcherRefuses(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "log.json"), make([]byte, rekorv1.MaxLogInfoSize+1), 0o644); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	df := rekorv1.NewDirFetcher(root)
	ctx := t.Context()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	for name, read := range map[string]func() ([]byte, error){
		"over the limit":   func() ([]byte, error) { return df.LogInfo(ctx) },
		"UUID with a path": func() ([]byte, error) { return df.Entry(ctx, "../"+strings.Repeat("a", 61)) },
		"cancelled":        func() ([]byte, error) { return df.EntryByIndex(cancelled, 0) },
	} {
		t.Run(name, func(t *testing.T) {
			b, err := read()
			var fe *tlog.FetchError
			if !errors.As(err, &fe) || len(b) != 0 {
				t.Fatalf("%d bytes, %v: want a *FetchError", len(b), err)
			}
		})
	}
}

// TestRekorV1NotARekor asks a server that is not a Rekor (a captive
// portal, a misconfigured mirror) for everything the client reads: each
// answer, served with status 200, is not the API's JSON, so nothing was
// checked (an *AnswerError, ErrUnavailable), never a rejection. The other
// side of the line, answers that are well-formed and false, is
// TestRekorV1Tamper's.
func TestRekorV1NotARekor(t *testing.T) {
	l := newTestRekorV1(t, "rekor.test", 42, 100)
	l.add(20)
	old, err1 := tlog.VerifyCheckpoint([]byte(l.checkpoint(t, 7, l.signer)), l.origin(), l.key)
	cur, err2 := tlog.VerifyCheckpoint([]byte(l.checkpoint(t, 20, l.signer)), l.origin(), l.key)
	if err := errors.Join(err1, err2); err != nil {
		t.Fatal(err)
	}
	for _, answer := range []struct {
		name, contentType string
		body              []byte
		only              string // the one call it is an answer to, if set
	}{
		{"HTML page", "text/html; charset=utf-8", htmlPage, ""},
		{"JSON error object", "application/json", []byte(`{"code":404,"message":"not found"}` + "\n"), ""},
		{"empty body", "application/json", nil, ""},
		{"log info whose signedTreeHead is an HTML page", "application/json", []byte(`{"rootHash":"` + strings.Repeat("00", 32) +
			`","signedTreeHead":` + strconv.Quote(string(htmlPage)) + `,"treeID":"42","treeSize":20}`), "log info"},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", answer.contentType)
			w.Write(answer.body)
		}))
		t.Cleanup(srv.Close)
		hf, err := rekorv1.NewHTTPFetcher(srv.URL, logfetch.HTTPOptions{Transport: loopbackOnly(t, srv.Client().Transport)})
		if err != nil {
			t.Fatal(err)
		}
		ctx := t.Context()
		for name, call := range map[string]func() error{
			"log info": func() error { _, err := rekorv1.FetchLogInfo(ctx, hf.LogInfo, l.origin(), l.key); return err },
			"entry":    func() error { _, err := rekorv1.FetchEntry(ctx, hf.Entry, l.uuid(3), l.key); return err },
			"index":    func() error { _, err := rekorv1.FetchEntryByIndex(ctx, hf.EntryByIndex, 103, l.key); return err },
			"search": func() error {
				_, err := rekorv1.Search(ctx, hf.Search, make([]byte, tlog.HashSize))
				return err
			},
			"consistency proof": func() error {
				_, err := rekorv1.FetchConsistencyProof(ctx, hf.ConsistencyProof, old, cur)
				return err
			},
		} {
			if answer.only != "" && answer.only != name {
				continue
			}
			t.Run(answer.name+": "+name, func(t *testing.T) { checkAnswer(t, call()) })
		}
	}
}
