package evidencetest

import (
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/anchor/eth"
	"github.com/ats-run/selfattest/anchor/ipfs"
	anchortlog "github.com/ats-run/selfattest/anchor/tlog"
	vtlog "github.com/ats-run/selfattest/verify/tlog"
)

// CheckReceipts verifies every receipt in dir against its file (files, by
// evidence name) with package anchor alone, given the local log's public
// key file, the chain (its id and sink) and the ipfs entries' offline
// verifier: each must verify, with anchors of the kinds wantKinds, and
// the file with one byte changed must be rejected (anchor.ErrAnchor).
func CheckReceipts(t testing.TB, dir string, files map[string]string, tlogPub string, chainID uint64, sink string, wantKinds []string) {
	t.Helper()
	pub, err := os.ReadFile(tlogPub)
	if err != nil {
		t.Fatal(err)
	}
	k, err := vtlog.ParseLogKey(strings.TrimSpace(string(pub)))
	if err != nil {
		t.Fatal(err)
	}
	tv, err := anchortlog.NewVerifier(k.Name(), []*vtlog.LogKey{k}, anchortlog.VerifierOptions{})
	if err != nil {
		t.Fatal(err)
	}
	vs := []anchor.AnchorVerifier{tv, eth.NewVerifier(chainID, common.HexToAddress(sink)), &ipfs.Verifier{}}
	receipts, _ := filepath.Glob(filepath.Join(dir, "*.receipt.json"))
	if len(receipts) != len(files) {
		t.Fatalf("%d receipts in %s, want %d", len(receipts), dir, len(files))
	}
	for _, p := range receipts {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rc, err := anchor.ParseReceipt(data)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		file, ok := files[rc.Evidence.Name]
		if !ok {
			t.Fatalf("%s: a receipt for %q, which is no evidence item", p, rc.Evidence.Name)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		evidenceOf := func(b []byte) anchor.Evidence {
			d := sha256.Sum256(b)
			ev, err := anchor.EvidenceFromDigest(rc.Evidence.Name, rc.Evidence.MediaType, anchor.SHA256, d[:])
			if err != nil {
				t.Fatal(err)
			}
			return ev
		}
		res, err := anchor.VerifyReceipt(rc, evidenceOf(b), vs...)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		var kinds []string
		for _, a := range res.Anchors {
			kinds = append(kinds, a.Kind)
		}
		if strings.Join(kinds, ",") != strings.Join(wantKinds, ",") {
			t.Errorf("%s: anchors %v, want %v", p, kinds, wantKinds)
		}
		b[len(b)/2] ^= 1
		if _, err := anchor.VerifyReceipt(rc, evidenceOf(b), vs...); !errors.Is(err, anchor.ErrAnchor) {
			t.Errorf("%s with one byte of %s changed: %v, want rejected", p, rc.Evidence.Name, err)
		}
	}
}
