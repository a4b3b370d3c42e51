package ipfs_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/anchor/anchortest"
	"github.com/ats-run/selfattest/anchor/ipfs"
	"github.com/ats-run/selfattest/anchor/ipfs/kubotest"
)

func kuboAnchorer(t *testing.T) (*ipfs.Anchorer, *ipfs.Kubo, *kubotest.Node) {
	t.Helper()
	node := kubotest.Start(t, kubotest.Options{})
	k := &ipfs.Kubo{URL: node.APIURL}
	a, err := ipfs.NewAnchorer("ipfs:kubotest", k, &ipfs.Gateway{URL: node.GatewayURL, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return a, k, node
}

func TestAnchorerConformsAgainstKubo(t *testing.T) {
	a, _, _ := kuboAnchorer(t)
	anchortest.Run(t, a)
}

// TestAnchorRecordIsKubosAdd: the record's CID is the one `ipfs add`
// gives the record's bytes under the profile, so anyone can publish or
// check a record with stock Kubo.
func TestAnchorRecordIsKubosAdd(t *testing.T) {
	_, _, node := kuboAnchorer(t)
	root := anchor.Hash{1, 2, 3}
	p := t.TempDir() + "/record"
	writeBytes(t, p, append([]byte("selfattest/anchor/ipfs/v1\x00"), root[:]...))
	if got, want := ipfs.RecordCID(root).String(), node.Add(t, p); got != want {
		t.Fatalf("RecordCID = %s, ipfs add says %s", got, want)
	}
}

// TestUnpinnedIsFailedThenAnchoredAgain: a record the node no longer pins
// is a dropped anchor (failed, no error); anchoring the root again pins it
// again and it is final.
func TestUnpinnedIsFailedThenAnchoredAgain(t *testing.T) {
	ctx := context.Background()
	a, k, _ := kuboAnchorer(t)
	root := anchor.Hash{9, 9, 9}
	e, err := a.Anchor(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := a.Check(ctx, root, e); err != nil || st.State != anchor.StateFinal {
		t.Fatalf("Check = %v, %v; want final", st.State, err)
	}
	if err := k.PinRm(ctx, ipfs.RecordCID(root)); err != nil {
		t.Fatal(err)
	}
	if st, err := a.Check(ctx, root, e); err != nil || st.State != anchor.StateFailed {
		t.Fatalf("Check(unpinned) = %v, %v; want failed, nil", st.State, err)
	}
	if _, err := a.Anchor(ctx, root); err != nil {
		t.Fatal(err)
	}
	if st, err := a.Check(ctx, root, e); err != nil || st.State != anchor.StateFinal {
		t.Fatalf("Check(anchored again) = %v, %v; want final", st.State, err)
	}
}

// TestAnchorerDownIsCouldNotCheck: a node that does not answer is could
// not check, for Anchor and Check.
func TestAnchorerDownIsCouldNotCheck(t *testing.T) {
	ctx := context.Background()
	a, _, node := kuboAnchorer(t)
	root := anchor.Hash{4}
	e, err := a.Anchor(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	node.Stop()
	if _, err := a.Anchor(ctx, anchor.Hash{5}); !errors.Is(err, anchor.ErrCouldNotCheck) {
		t.Errorf("Anchor(node down) = %v, want ErrCouldNotCheck", err)
	}
	if _, err := a.Check(ctx, root, e); !errors.Is(err, anchor.ErrCouldNotCheck) {
		t.Errorf("Check(node down) = %v, want ErrCouldNotCheck", err)
	}
	// Offline, the entry still verifies.
	if err := a.Verifier().VerifyOffline(root, e); err != nil {
		t.Errorf("VerifyOffline = %v", err)
	}
}
