package tlog_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/ats-run/selfattest/verify/tlog"
	"github.com/ats-run/selfattest/verify/tlog/sigstoreroot"
)

// The captured data is the Sigstore conformance suite and the public-good
// trusted root; see ../../testdata/sigstore/SOURCE.md.
const conformance = "../../testdata/sigstore/conformance"

const (
	rekorV1Origin = "rekor.sigstore.dev - 2605736670972794746"
	rekorV2Origin = "log2025-alpha1.rekor.sigstage.dev"
)

// bundleEntry is the part of a bundle's first tlog entry this package checks.
type bundleEntry struct {
	Body       []byte
	Index      uint64 // inclusionProof.logIndex (the shard's own index)
	TreeSize   uint64
	RootHash   []byte
	Hashes     [][]byte
	Checkpoint []byte
}

// bundleTlogEntry is a Sigstore bundle's transparency-log entry as its
// JSON holds it (the fields these tests read).
type bundleTlogEntry struct {
	LogIndex          string                 `json:"logIndex"`
	LogID             struct{ KeyID []byte } `json:"logId"`
	IntegratedTime    string                 `json:"integratedTime"`
	CanonicalizedBody []byte                 `json:"canonicalizedBody"`
	InclusionPromise  struct {
		SignedEntryTimestamp []byte `json:"signedEntryTimestamp"`
	} `json:"inclusionPromise"`
	InclusionProof struct {
		LogIndex   string   `json:"logIndex"`
		RootHash   []byte   `json:"rootHash"`
		TreeSize   string   `json:"treeSize"`
		Hashes     [][]byte `json:"hashes"`
		Checkpoint struct {
			Envelope string `json:"envelope"`
		} `json:"checkpoint"`
	} `json:"inclusionProof"`
}

// readBundleTlogEntry reads the one tlog entry of the bundle at path.
func readBundleTlogEntry(t testing.TB, path string) bundleTlogEntry {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var b struct {
		VerificationMaterial struct {
			TlogEntries []bundleTlogEntry `json:"tlogEntries"`
		} `json:"verificationMaterial"`
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatal(err)
	}
	if len(b.VerificationMaterial.TlogEntries) != 1 {
		t.Fatalf("%s: %d tlog entries", path, len(b.VerificationMaterial.TlogEntries))
	}
	return b.VerificationMaterial.TlogEntries[0]
}

func loadBundleEntry(t testing.TB, dir string) bundleEntry {
	t.Helper()
	e := readBundleTlogEntry(t, filepath.Join(conformance, "bundle-verify", dir, "bundle.sigstore.json"))
	idx, err1 := strconv.ParseUint(e.InclusionProof.LogIndex, 10, 64)
	size, err2 := strconv.ParseUint(e.InclusionProof.TreeSize, 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		t.Fatalf("%s: %v", dir, err)
	}
	return bundleEntry{Body: e.CanonicalizedBody, Index: idx, TreeSize: size, RootHash: e.InclusionProof.RootHash,
		Hashes: e.InclusionProof.Hashes, Checkpoint: []byte(e.InclusionProof.Checkpoint.Envelope)}
}

func loadKeys(t testing.TB, path string) []*tlog.LogKey {
	t.Helper()
	tr, err := root.NewTrustedRootFromPath(path)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := sigstoreroot.LogKeys(tr)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return keys
}

// TestTrustedRootKeyIDs builds log keys from every captured trusted root:
// sigstoreroot.LogKey refuses a key whose computed ID differs from the
// root's logId, so this checks our key IDs against the IDs Sigstore
// publishes, Rekor v1 ECDSA and Rekor v2 Ed25519 alike.
func TestTrustedRootKeyIDs(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join(conformance, "bundle-verify", "*", "trusted_root.json"))
	paths = append(paths, filepath.Join(conformance, "production", "trusted_root.json"),
		"../../testdata/sigstore/realworld/trusted_root.json")
	names := map[string]bool{}
	for _, p := range paths {
		if strings.Contains(p, "trust-root-tlog-missing-validity-start_fail") {
			continue // sigstore-go itself refuses to load this root
		}
		t.Run(p, func(t *testing.T) {
			for _, k := range loadKeys(t, p) {
				names[k.String()] = true
			}
		})
	}
	// Key hashes seen in the real checkpoints' signature lines.
	for _, want := range []string{
		"rekor.sigstore.dev+c0d23d6a",                // Rekor v1 public good, ECDSA
		"log2025-alpha1.rekor.sigstage.dev+f30d5a99", // Rekor v2 staging, Ed25519
		"log2025-1.rekor.sigstore.dev+cf119915",      // Rekor v2 public good, Ed25519
	} {
		if !names[want] {
			t.Errorf("no log key %s among %v", want, names)
		}
	}
}

func TestRealCheckpoints(t *testing.T) {
	v1Keys := loadKeys(t, filepath.Join(conformance, "production", "trusted_root.json"))
	for _, tc := range []struct {
		dir      string
		root     string // trusted root; "" = production
		origin   string
		cosigs   int // witness cosignature lines left unverified
		unknowns int // other unverified lines
	}{
		{dir: "happy-path-v0.2", origin: rekorV1Origin},
		{dir: "happy-path-v0.3", origin: rekorV1Origin},
		{dir: "rekor2-happy-path", root: "rekor2-happy-path", origin: rekorV2Origin},
		{dir: "rekor2-dsse-happy-path", root: "rekor2-dsse-happy-path", origin: "log2025-alpha3.rekor.sigstage.dev", cosigs: 3},
		{dir: "rekor2-checkpoint-cosigned", root: "rekor2-checkpoint-cosigned", origin: rekorV2Origin, cosigs: 1},
		{dir: "rekor2-checkpoint-multiple-cosigs", root: "rekor2-checkpoint-multiple-cosigs", origin: rekorV2Origin, cosigs: 2},
		{dir: "rekor2-checkpoint-two-sigs-cosigned", root: "rekor2-checkpoint-two-sigs-cosigned", origin: rekorV2Origin, cosigs: 1, unknowns: 1},
		{dir: "rekor2-checkpoint-two-sigs-from-origin", root: "rekor2-checkpoint-two-sigs-from-origin", origin: rekorV2Origin, unknowns: 1},
		{dir: "rekor2-checkpoint-origin-not-first", root: "rekor2-checkpoint-origin-not-first", origin: rekorV2Origin, cosigs: 1},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			t.Parallel()
			keys := v1Keys
			if tc.root != "" {
				keys = loadKeys(t, filepath.Join(conformance, "bundle-verify", tc.root, "trusted_root.json"))
			}
			e := loadBundleEntry(t, tc.dir)
			cp, err := tlog.VerifyCheckpoint(e.Checkpoint, tc.origin, keys...)
			if err != nil {
				t.Fatalf("VerifyCheckpoint: %v", err)
			}
			if len(cp.Sigs) != 1 || cp.Size != e.TreeSize || !bytes.Equal(cp.Hash, e.RootHash) {
				t.Fatalf("checkpoint %+v, bundle says size %d root %x", cp.Checkpoint, e.TreeSize, e.RootHash)
			}
			if err := tlog.VerifyInclusion(cp, e.Index, e.Body, e.Hashes); err != nil {
				t.Fatalf("VerifyInclusion: %v", err)
			}
			// The leaf hash is recomputed from the body: a changed body fails.
			body := bytes.Clone(e.Body)
			body[len(body)/2] ^= 1
			if err := tlog.VerifyInclusion(cp, e.Index, body, e.Hashes); !errors.Is(err, tlog.ErrVerification) {
				t.Fatalf("VerifyInclusion of a changed body: %v", err)
			}
			var cosigs, unknowns int
			for _, s := range cp.UnverifiedSigs {
				if ts, _, err := tlog.ParseCosignature(s); err == nil {
					cosigs++
					// The conformance witnesses cosigned in 2025 and 2026.
					if ts.Before(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)) || ts.After(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) {
						t.Errorf("cosignature time %v", ts)
					}
				} else {
					unknowns++
				}
			}
			if cosigs != tc.cosigs || unknowns != tc.unknowns {
				t.Errorf("%d cosignatures and %d other unverified lines, want %d and %d", cosigs, unknowns, tc.cosigs, tc.unknowns)
			}
		})
	}
}

// TestRealWitnessKeysUnknown: the conformance witnesses' public keys are not
// published with the suite (the READMEs say clients should ignore them), so
// their cosignatures can only be parsed, not verified. A policy naming a key
// of the same name that is not theirs must not count them.
func TestRealWitnessKeysUnknown(t *testing.T) {
	keys := loadKeys(t, filepath.Join(conformance, "bundle-verify", "rekor2-checkpoint-cosigned", "trusted_root.json"))
	e := loadBundleEntry(t, "rekor2-checkpoint-cosigned")
	cp, err := tlog.VerifyCheckpoint(e.Checkpoint, rekorV2Origin, keys...)
	if err != nil {
		t.Fatal(err)
	}
	impostor := newWitness(t, "witness.example")
	_, err = tlog.VerifyWitnesses(cp, tlog.WitnessPolicy{Keys: []*tlog.WitnessKey{impostor.key}, Threshold: 1})
	var we *tlog.WitnessError
	if !errors.As(err, &we) || !errors.Is(err, tlog.ErrVerification) || len(we.Ignored) != 1 || we.Ignored[0].Reason != "unknown key" {
		t.Fatalf("VerifyWitnesses = %v (%+v)", err, we)
	}
}

func TestRealCheckpointRejections(t *testing.T) {
	v1Keys := loadKeys(t, filepath.Join(conformance, "production", "trusted_root.json"))
	type check func(t *testing.T, err error)
	sigErr := func(forged bool) check {
		return func(t *testing.T, err error) {
			var se *tlog.SignatureError
			if !errors.As(err, &se) || se.Forged != forged {
				t.Fatalf("got %v, want a SignatureError with Forged=%v", err, forged)
			}
		}
	}
	is := func(target any) check {
		return func(t *testing.T, err error) {
			if !errors.As(err, target) {
				t.Fatalf("got %v (%T), want %T", err, err, target)
			}
		}
	}
	for _, tc := range []struct {
		dir       string
		rekor2    bool
		inclusion bool // the checkpoint verifies; the inclusion proof must not
		check     check
	}{
		{dir: "checkpoint-bad-keyhint_fail", check: sigErr(false)},
		{dir: "invalid-checkpoint-signature_fail", check: sigErr(true)},
		{dir: "checkpoint-wrong-roothash_fail", inclusion: true, check: is(new(*tlog.InclusionError))},
		{dir: "inclusion-proof-corrupted-hash_fail", inclusion: true, check: is(new(*tlog.InclusionError))},
		{dir: "rekor2-checkpoint-no-matching-signature_fail", rekor2: true, check: sigErr(false)},
		// The signature is checked before the body is parsed, so a body with a
		// line removed is a forgery first.
		{dir: "rekor2-checkpoint-missing-log-signature_fail", rekor2: true, check: is(new(*tlog.MalformedError))},
		{dir: "rekor2-checkpoint-missing-origin_fail", rekor2: true, check: sigErr(true)},
		{dir: "rekor2-checkpoint-missing-root-hash_fail", rekor2: true, check: sigErr(true)},
		{dir: "rekor2-checkpoint-missing-size_fail", rekor2: true, check: sigErr(true)},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			t.Parallel()
			keys, origin := v1Keys, rekorV1Origin
			if tc.rekor2 {
				keys = loadKeys(t, filepath.Join(conformance, "bundle-verify", tc.dir, "trusted_root.json"))
				origin = rekorV2Origin
			}
			e := loadBundleEntry(t, tc.dir)
			cp, err := tlog.VerifyCheckpoint(e.Checkpoint, origin, keys...)
			if tc.inclusion {
				if err != nil {
					t.Fatalf("VerifyCheckpoint: %v", err)
				}
				err = tlog.VerifyInclusion(cp, e.Index, e.Body, e.Hashes)
			} else if cp != nil {
				t.Fatalf("VerifyCheckpoint returned a checkpoint with error %v", err)
			}
			if !errors.Is(err, tlog.ErrVerification) {
				t.Fatalf("got %v, want ErrVerification", err)
			}
			tc.check(t, err)
		})
	}
}

func loadWitnessKeys(t testing.TB) []*tlog.WitnessKey {
	t.Helper()
	raw, err := os.ReadFile("testdata/witnesses.txt")
	if err != nil {
		t.Fatal(err)
	}
	var keys []*tlog.WitnessKey
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		k, err := tlog.ParseWitnessKey(line)
		if err != nil {
			t.Fatal(err)
		}
		if k.String() != line {
			t.Fatalf("String() = %q, want %q", k, line)
		}
		keys = append(keys, k)
	}
	return keys
}

// TestRealWitnesses verifies the three real cosignatures of public staging
// witnesses on a real Rekor v2 checkpoint, and rejects k-1 of them.
func TestRealWitnesses(t *testing.T) {
	const dir = "rekor2-dsse-happy-path"
	keys := loadKeys(t, filepath.Join(conformance, "bundle-verify", dir, "trusted_root.json"))
	e := loadBundleEntry(t, dir)
	cp, err := tlog.VerifyCheckpoint(e.Checkpoint, "log2025-alpha3.rekor.sigstage.dev", keys...)
	if err != nil {
		t.Fatal(err)
	}
	witnesses := loadWitnessKeys(t)
	stranger := newWitness(t, "witness.example.org")

	for _, tc := range []struct {
		name      string
		keys      []*tlog.WitnessKey
		threshold int
		ok        bool
		counted   int
		ignored   int
	}{
		{name: "3 of 3", keys: witnesses, threshold: 3, ok: true, counted: 3},
		{name: "2 of 3", keys: witnesses, threshold: 2, ok: true, counted: 3},
		{name: "2 of 2 named", keys: witnesses[:2], threshold: 2, ok: true, counted: 2, ignored: 1},
		{name: "k-1: 3 required, 2 named and cosigned", keys: append(witnesses[:2:2], stranger.key), threshold: 3, counted: 2, ignored: 1},
		{name: "unknown witness only", keys: []*tlog.WitnessKey{stranger.key}, threshold: 1, ignored: 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, err := tlog.VerifyWitnesses(cp, tlog.WitnessPolicy{Keys: tc.keys, Threshold: tc.threshold})
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				if len(w.Cosignatures) != tc.counted || len(w.Ignored) != tc.ignored {
					t.Fatalf("%d counted, %d ignored; want %d, %d", len(w.Cosignatures), len(w.Ignored), tc.counted, tc.ignored)
				}
				for _, c := range w.Cosignatures {
					if c.Time.Year() != 2026 {
						t.Errorf("%s cosigned at %v", c.Name, c.Time)
					}
				}
				return
			}
			var we *tlog.WitnessError
			if !errors.As(err, &we) || !errors.Is(err, tlog.ErrVerification) {
				t.Fatalf("got %v, want a WitnessError", err)
			}
			if len(we.Verified) != tc.counted || len(we.Ignored) != tc.ignored {
				t.Fatalf("%d counted, %d ignored; want %d, %d", len(we.Verified), len(we.Ignored), tc.counted, tc.ignored)
			}
		})
	}
}
