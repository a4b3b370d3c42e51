package anchor_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/anchor/anchortest"
)

// Record evidence in a journal, seal a batch, anchor it, and collect the
// receipts once the anchor is final. After a crash, the same calls pick up
// where the last run stopped.
func ExampleJournal() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "journal")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	j, err := anchor.OpenJournal(filepath.Join(dir, "evidence.db"), anchor.JournalOptions{})
	if err != nil {
		panic(err)
	}
	defer j.Close()
	evs := []anchor.Evidence{
		anchor.NewEvidence("build.log", "text/plain", []byte("ok\n")),
		anchor.NewEvidence("sbom.json", "application/json", []byte(`{"packages":[]}`)),
	}
	if _, err := j.AddAll(evs); err != nil { // on disk before anything is sent
		panic(err)
	}
	batch, _, err := j.Seal()
	if err != nil {
		panic(err)
	}

	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	target, err := anchortest.NewMemory(key, anchortest.MemoryOptions{Name: "example"})
	if err != nil {
		panic(err)
	}
	for !final(j) {
		if err := j.AnchorPending(ctx, target); err != nil {
			panic(err)
		}
		target.Mine() // a real target confirms on its own
		if err := j.Upgrade(ctx, target); err != nil {
			panic(err)
		}
	}
	receipts, err := j.Receipts(batch)
	if err != nil {
		panic(err)
	}
	for i, r := range receipts {
		_, err := anchor.VerifyReceipt(r, evs[i], target.Verifier())
		fmt.Println(r.Evidence.Name, "verified:", err == nil)
	}
	fmt.Println("anchors made:", target.Submissions())
	// Output:
	// build.log verified: true
	// sbom.json verified: true
	// anchors made: 1
}

func final(j *anchor.Journal) bool {
	bs, err := j.Batches()
	if err != nil {
		panic(err)
	}
	for _, b := range bs {
		if !b.Final() {
			return false
		}
	}
	return true
}
