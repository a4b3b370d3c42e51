package rekorv1_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ats-run/selfattest/verify/tlog"
	"github.com/ats-run/selfattest/verify/tlog/rekorv1"
)

// The Rekor v1 parsers take whatever a server sends. These targets feed them
// arbitrary bytes: nothing may panic, every rejection wraps ErrVerification,
// and whatever is accepted holds what the parser promises.

// checkOneSentinel fails unless err is either a rejection (ErrVerification)
// or an answer that is not the API's (an *AnswerError, ErrUnavailable),
// never both, never neither.
func checkOneSentinel(t *testing.T, err error) {
	t.Helper()
	rejected, unavailable := errors.Is(err, tlog.ErrVerification), errors.Is(err, tlog.ErrUnavailable)
	if rejected == unavailable {
		t.Fatalf("%v: wraps ErrVerification %v, ErrUnavailable %v; want exactly one", err, rejected, unavailable)
	}
	if unavailable && !errors.As(err, new(*tlog.AnswerError)) {
		t.Fatalf("%v is ErrUnavailable but not an *AnswerError", err)
	}
}

func FuzzRekorV1LogInfo(f *testing.F) {
	keys := loadKeys(f, filepath.Join(realworld, "trusted_root.json"))
	real, _ := realRekorV1Fake(f)
	f.Add(real.logInfo)
	f.Add([]byte(`{"rootHash":"` + strings.Repeat("0", 64) + `","treeSize":0,"signedTreeHead":"","treeID":"1","inactiveShards":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		u, err := rekorv1.ParseLogInfo(b)
		if err != nil {
			checkOneSentinel(t, err)
		} else if len(u.RootHash) != tlog.HashSize || u.TreeID < 0 || len(u.InactiveShards) > rekorv1.MaxShards {
			t.Fatalf("accepted %+v", u)
		}
		info, err := rekorv1.VerifyLogInfo(b, rekorV1Origin, keys...)
		if err != nil {
			checkOneSentinel(t, err)
			return
		}
		if info.Checkpoint.Origin != rekorV1Origin || !bytes.Equal(info.Checkpoint.Hash, u.RootHash) || info.Checkpoint.Size != u.TreeSize {
			t.Fatalf("accepted %+v", info)
		}
	})
}

func FuzzRekorV1Entry(f *testing.F) {
	keys := loadKeys(f, filepath.Join(realworld, "trusted_root.json"))
	real, uuids := realRekorV1Fake(f)
	_, b := real.entryResponse(uuids[0])
	f.Add(b)
	f.Add([]byte(`{"` + strings.Repeat("a", 80) + `":{"body":"","integratedTime":0,"logID":"` + strings.Repeat("0", 64) +
		`","logIndex":0,"verification":{"inclusionProof":{"checkpoint":"","hashes":[],"logIndex":0,"rootHash":"` +
		strings.Repeat("0", 64) + `","treeSize":1},"signedEntryTimestamp":"AA=="}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		u, err := rekorv1.ParseEntry(b)
		if err != nil {
			checkOneSentinel(t, err)
		} else if len(u.UUID) != 80 || len(u.LogID) != tlog.HashSize || len(u.RootHash) != tlog.HashSize || len(u.Hashes) > tlog.MaxProofHashes {
			t.Fatalf("accepted %+v", u)
		}
		e, err := rekorv1.VerifyEntry(b, keys...)
		if err != nil {
			checkOneSentinel(t, err)
			return
		}
		if e.UUID[16:] != hex.EncodeToString(tlog.LeafHash(e.Body)) || e.Checkpoint == nil || e.TreeIndex >= e.Checkpoint.Size {
			t.Fatalf("accepted %+v", e)
		}
	})
}

func FuzzRekorV1SearchResult(f *testing.F) {
	f.Add([]byte(`["` + strings.Repeat("a", 80) + `","` + strings.Repeat("b", 64) + `"]`))
	f.Add([]byte(`null`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		uuids, err := rekorv1.ParseSearchResult(b)
		if err != nil {
			checkOneSentinel(t, err)
			return
		}
		if len(uuids) > rekorv1.MaxSearchResults {
			t.Fatalf("accepted %d UUIDs", len(uuids))
		}
		for _, u := range uuids {
			if _, err := hex.DecodeString(u); err != nil || len(u) != 64 && len(u) != 80 || strings.ToLower(u) != u {
				t.Fatalf("accepted UUID %q", u)
			}
		}
	})
}

func FuzzRekorV1ConsistencyProof(f *testing.F) {
	l := newTestRekorV1(f, "rekor.test", 42, 0)
	l.add(5)
	fake := l.fake(f)
	f.Add(fake.proofs["42/3-5"])
	f.Add([]byte(`{"rootHash":"` + strings.Repeat("0", 64) + `","hashes":null}`))
	older, err1 := tlog.VerifyCheckpoint([]byte(l.checkpoint(f, 3, l.signer)), l.origin(), l.key)
	newer, err2 := tlog.VerifyCheckpoint([]byte(l.checkpoint(f, 5, l.signer)), l.origin(), l.key)
	if err := errors.Join(err1, err2); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		root, hashes, err := rekorv1.ParseConsistencyProof(b)
		if err != nil {
			checkOneSentinel(t, err)
		} else if len(root) != tlog.HashSize || len(hashes) > tlog.MaxProofHashes {
			t.Fatalf("accepted root %x, %d hashes", root, len(hashes))
		}
		p, err := rekorv1.VerifyConsistencyProof(b, older, newer)
		if err != nil {
			checkOneSentinel(t, err)
			return
		}
		if err := tlog.VerifyConsistency(older, newer, p); err != nil {
			t.Fatalf("accepted a proof VerifyConsistency rejects: %v", err)
		}
	})
}
