package rekorv1_test

// Helpers copied from package tlog's tests (realdata_test.go,
// helpers_test.go).

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/ats-run/selfattest/verify/tlog"
	"github.com/ats-run/selfattest/verify/tlog/sigstoreroot"
)

// The captured data is the Sigstore conformance suite and the public-good
// trusted root; see ../../../testdata/sigstore/SOURCE.md.
const conformance = "../../../testdata/sigstore/conformance"

const rekorV1Origin = "rekor.sigstore.dev - 2605736670972794746"

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

func testTime(year int) time.Time {
	if year == 0 {
		return time.Time{}
	}
	return time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
}

// flipLastSig flips one bit of the signature bytes (after the key hash, and
// after a cosignature's timestamp) of the note's last signature line,
// keeping the line well-formed.
func flipLastSig(t testing.TB, msg []byte) []byte {
	t.Helper()
	end := len(msg) - 1
	start := bytes.LastIndexByte(msg[:end], '\n') + 1
	sp := bytes.LastIndexByte(msg[start:end], ' ') + start + 1
	raw, err := base64.StdEncoding.DecodeString(string(msg[sp:end]))
	if err != nil || len(raw) < 20 {
		t.Fatalf("not a signature line: %q", msg[start:end])
	}
	raw[len(raw)-5] ^= 1
	out := append(bytes.Clone(msg[:sp]), base64.StdEncoding.EncodeToString(raw)...)
	return append(out, '\n')
}

// htmlPage is what a captive portal or a misconfigured mirror serves with
// status 200 in place of a log's object.
var htmlPage = []byte("<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body><p>Please sign in.</p></body></html>\n")
