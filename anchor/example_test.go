package anchor_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"

	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/anchor/anchortest"
)

// Batch three items, anchor the root at a (fake) target, and verify one
// item's receipt offline from the evidence alone.
func Example() {
	ctx := context.Background()
	items := []anchor.Evidence{
		anchor.NewEvidence("build.log", "text/plain", []byte("ok\n")),
		anchor.NewEvidence("sbom.json", "application/json", []byte(`{"packages":[]}`)),
		anchor.NewEvidence("report.json", "application/json", []byte(`{"status":"pass"}`)),
	}
	batch, err := anchor.NewBatch(items)
	if err != nil {
		panic(err)
	}

	// A target: here the in-memory fake, with a fixed key.
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	target, err := anchortest.NewMemory(key, anchortest.MemoryOptions{Name: "example"})
	if err != nil {
		panic(err)
	}
	outcomes, err := anchor.Run(ctx, batch.Root(), target)
	if err != nil {
		panic(err)
	}
	receipt, err := batch.Receipt(1, outcomes[0].Entry)
	if err != nil {
		panic(err)
	}

	// Right away the anchor is pending.
	_, err = anchor.VerifyReceipt(receipt, items[1], target.Verifier())
	fmt.Println("pending:", errors.Is(err, anchor.ErrPending))

	// Later the target confirms it, and the receipt is upgraded.
	for range 3 {
		target.Mine()
	}
	receipt, n, err := anchor.UpgradeReceipt(ctx, receipt, items[1], target)
	if err != nil {
		panic(err)
	}
	data, err := receipt.Marshal()
	if err != nil {
		panic(err)
	}
	fmt.Println("upgraded entries:", n)

	// Years later: only the receipt, the evidence and the target's key.
	verifier := anchortest.NewMemoryVerifier(key.Public().(ed25519.PublicKey), "example")
	r, err := anchor.ParseReceipt(data)
	if err != nil {
		panic(err)
	}
	res, err := anchor.VerifyReceipt(r, anchor.NewEvidence("sbom.json", "application/json", []byte(`{"packages":[]}`)), verifier)
	if err != nil {
		panic(err)
	}
	fmt.Println("verified:", res.Evidence.Name, "leaf", res.LeafIndex, "of", res.TreeSize, "anchored at", res.Anchors[0].Target)

	// The same receipt does not verify other evidence.
	_, err = anchor.VerifyReceipt(r, anchor.NewEvidence("sbom.json", "application/json", []byte(`{"packages":["evil"]}`)), verifier)
	fmt.Println("altered evidence rejected:", errors.Is(err, anchor.ErrAnchor))
	// Output:
	// pending: true
	// upgraded entries: 1
	// verified: sbom.json leaf 1 of 3 anchored at example
	// altered evidence rejected: true
}
