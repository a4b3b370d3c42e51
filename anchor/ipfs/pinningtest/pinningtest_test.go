package pinningtest_test

import (
	"context"
	"testing"

	pinclient "github.com/ipfs/boxo/pinning/remote/client"
	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"

	"github.com/ats-run/selfattest/anchor/ipfs/pinningtest"
)

// TestServiceSpeaksBoxosClient: boxo's own pinning-service client (the
// wrapper, as Kubo's `ipfs pin remote` uses it) adds, lists, reads,
// replaces and deletes pins at the Service, which moves each pin along
// as documented and refuses a wrong token.
func TestServiceSpeaksBoxosClient(t *testing.T) {
	ctx := context.Background()
	svc := &pinningtest.Service{Token: "t0ken"}
	endpoint := svc.Start(t)
	c := pinclient.NewClient(endpoint, "t0ken")
	sum, _ := mh.Sum([]byte("a"), mh.SHA2_256, -1)
	a := cid.NewCidV1(cid.Raw, sum)
	sum, _ = mh.Sum([]byte("b"), mh.SHA2_256, -1)
	b := cid.NewCidV1(cid.Raw, sum)

	ps, err := c.Add(ctx, a, pinclient.PinOpts.WithName("a"))
	if err != nil || ps.GetStatus() != pinclient.StatusQueued || !ps.GetPin().GetCid().Equals(a) || ps.GetPin().GetName() != "a" {
		t.Fatalf("Add = %v, %v; want a queued pin of %s named a", ps, err, a)
	}
	id := ps.GetRequestId()
	for _, want := range []pinclient.Status{pinclient.StatusPinning, pinclient.StatusPinned, pinclient.StatusPinned} {
		got, err := c.GetStatusByID(ctx, id)
		if err != nil || got.GetStatus() != want {
			t.Fatalf("GetStatusByID = %v, %v; want %s", got, err, want)
		}
	}
	// The listing is of pinned pins unless asked for others.
	if _, err := c.Add(ctx, b); err != nil {
		t.Fatal(err)
	}
	pinned, err := c.LsSync(ctx)
	if err != nil || len(pinned) != 1 || !pinned[0].GetPin().GetCid().Equals(a) {
		t.Fatalf("Ls() = %v, %v; want the pin of %s only", pinned, err, a)
	}
	all, err := c.LsSync(ctx, pinclient.PinOpts.FilterStatus(pinclient.StatusQueued, pinclient.StatusPinning, pinclient.StatusPinned, pinclient.StatusFailed), pinclient.PinOpts.FilterCIDs(b))
	if err != nil || len(all) != 1 || !all[0].GetPin().GetCid().Equals(b) || all[0].GetStatus() == pinclient.StatusFailed {
		t.Fatalf("Ls(any status, %s) = %v, %v; want its one pin, not failed", b, all, err)
	}
	// Replace: a new request, the old one gone.
	ps, err = c.Replace(ctx, id, b)
	if err != nil || ps.GetRequestId() == id || !ps.GetPin().GetCid().Equals(b) {
		t.Fatalf("Replace = %v, %v", ps, err)
	}
	if _, err := c.GetStatusByID(ctx, id); err == nil {
		t.Error("the replaced request is still there")
	}
	if err := c.DeleteByID(ctx, ps.GetRequestId()); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteByID(ctx, ps.GetRequestId()); err == nil {
		t.Error("a deleted request was deleted again")
	}
	if n := svc.Count("DELETE /psa/pins/" + ps.GetRequestId()); n != 2 {
		t.Errorf("the service logged %d DELETEs", n)
	}
	if _, err := pinclient.NewClient(endpoint, "wrong").Add(ctx, a); err == nil {
		t.Error("a wrong token was accepted")
	}
}
