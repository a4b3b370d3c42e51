package ipfs_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
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

// TestKuboHangsOrFailsIsCouldNotCheck: an RPC API that hangs past the
// deadline, or answers an error, is could not check, promptly.
func TestKuboHangsOrFailsIsCouldNotCheck(t *testing.T) {
	ctx := context.Background()
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // so that the server sees the client go
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}))
	defer hang.Close()
	fail := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"Message":"boom","Code":0,"Type":"error"}`, http.StatusInternalServerError)
	}))
	defer fail.Close()
	for name, url := range map[string]string{"hangs": hang.URL, "fails": fail.URL} {
		k := &ipfs.Kubo{URL: url, Timeout: 300 * time.Millisecond}
		a, err := ipfs.NewAnchorer("ipfs:test", k, &ipfs.Gateway{URL: url, Timeout: 300 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		root := anchor.Hash{1}
		if _, err := a.Anchor(ctx, root); !errors.Is(err, anchor.ErrCouldNotCheck) || errors.Is(err, anchor.ErrAnchor) {
			t.Errorf("%s: Anchor = %v, want ErrCouldNotCheck", name, err)
		}
		e, err := anchor.ParseEntry([]byte(`{"kind":"ipfs","target":"ipfs:test","cid":"` + ipfs.RecordCID(root).String() + `"}`))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Check(ctx, root, e); !errors.Is(err, anchor.ErrCouldNotCheck) || errors.Is(err, anchor.ErrAnchor) {
			t.Errorf("%s: Check = %v, want ErrCouldNotCheck", name, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: took %v with 300 ms deadlines", name, d)
		}
	}
}
