package tlog_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/anchor/tlog"
	vtlog "github.com/ats-run/selfattest/verify/tlog"
)

// Anchor a batch's root to a local log and verify an item's receipt
// offline, with the log's key alone, then online against the log.
func ExampleLogAnchorer() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "example-anchor")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	seed := sha256.Sum256([]byte("example"))
	l, err := tlog.Open(ctx, filepath.Join(dir, "log"), "log.example.com", ed25519.NewKeyFromSeed(seed[:]), tlog.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close(ctx)
	a, err := tlog.NewLogAnchorer(l, tlog.AnchorerOptions{})
	if err != nil {
		log.Fatal(err)
	}

	items := []anchor.Evidence{anchor.NewEvidence("build.log", "text/plain", []byte("ok\n"))}
	batch, err := anchor.NewBatch(items)
	if err != nil {
		log.Fatal(err)
	}
	outs, err := anchor.Run(ctx, batch.Root(), a) // appends the root's statement
	if err != nil {
		log.Fatal(err)
	}
	st, err := a.Check(ctx, batch.Root(), outs[0].Entry) // waits for a checkpoint
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("state:", st.State)
	receipt, err := batch.Receipt(0, st.Entry)
	if err != nil {
		log.Fatal(err)
	}

	// Years later: the receipt, the evidence, the log's origin and key.
	v, err := tlog.NewVerifier("log.example.com", []*vtlog.LogKey{l.LogKey()}, tlog.VerifierOptions{})
	if err != nil {
		log.Fatal(err)
	}
	_, err = anchor.VerifyReceipt(receipt, items[0], v)
	fmt.Println("offline:", err)
	_, err = anchor.VerifyReceipt(receipt, anchor.NewEvidence("build.log", "text/plain", []byte("forged\n")), v)
	fmt.Println("other evidence rejected:", errors.Is(err, anchor.ErrAnchor))

	// Online: the log's latest checkpoint must extend the receipt's.
	res, err := anchor.VerifyReceiptOnline(ctx, receipt, items[0], a.OnlineVerifier())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("checked:", res.Anchors[0].Checked, res.Anchors[0].State)
	// Output:
	// state: final
	// offline: <nil>
	// other evidence rejected: true
	// checked: online final
}
