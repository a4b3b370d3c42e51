package simchain

import (
	"context"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/ats-run/selfattest/anchor"
)

// TestMineFinalises: an anchor sent and then mined is final at once, every
// time. Geth promotes a sent transaction into its pool's pending set in
// the background; before the chain's client waited for that, a block
// committed right after the send could lack the transaction (about 1 run
// in 100 on a busy 2-core machine) and the demos' anchor was still pending
// after Mine.
func TestMineFinalises(t *testing.T) {
	for i := range 20 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		c, err := New(ctx)
		if err != nil {
			t.Fatal(err)
		}
		root := anchor.Hash(sha256.Sum256(fmt.Appendf(nil, "root %d", i)))
		entry, err := c.Anchorer.Anchor(ctx, root)
		if err != nil {
			t.Fatalf("run %d: Anchor: %v", i, err)
		}
		c.Mine()
		st, err := c.Anchorer.Check(ctx, root, entry)
		if err != nil || st.State != anchor.StateFinal {
			t.Fatalf("run %d: after Mine the anchor is %v (%v); want final", i, st.State, err)
		}
		c.Close()
		cancel()
	}
}
