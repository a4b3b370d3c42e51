package ipfs_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/ipfs/boxo/pinning/remote/client/openapi"
	"github.com/ipfs/go-cid"

	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/anchor/anchortest"
	"github.com/ats-run/selfattest/anchor/ipfs"
	"github.com/ats-run/selfattest/anchor/ipfs/kubotest"
	"github.com/ats-run/selfattest/anchor/ipfs/pinningtest"
)

// psaAnchorer returns an Anchorer publishing on node and keeping its
// records at f, an in-process pinning service; f pins on node itself
// (Kubo's pin/add) unless the test chose otherwise.
func psaAnchorer(t *testing.T, node *kubotest.Node, f *pinningtest.Service, gatewayTimeout time.Duration) (*ipfs.Anchorer, *ipfs.PinningService) {
	t.Helper()
	k := &ipfs.Kubo{URL: node.APIURL}
	if f.Pinner == nil && !f.Stuck && !f.Fail {
		f.Pinner = k.PinAdd
	}
	p := newPinning(t, f.Start(t), psaToken)
	a, err := ipfs.NewAnchorer("ipfs:kubotest+psa", k, &ipfs.Gateway{URL: node.GatewayURL, Timeout: gatewayTimeout},
		ipfs.WithPinningService(p, 30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return a, p
}

// TestAnchorerWithPinningServiceConforms: the Anchorer keeping its
// records at a pinning service passes the conformance suite, and it gave
// the service each record's CID and its name. (The test node runs
// offline and announces no address, so no origins: see
// TestAnchorerSendsOrigins.)
func TestAnchorerWithPinningServiceConforms(t *testing.T) {
	node := kubotest.Start(t, kubotest.Options{})
	f := &pinningtest.Service{Token: psaToken}
	a, _ := psaAnchorer(t, node, f, 30*time.Second)
	anchortest.Run(t, a)

	root := anchor.Hash{7, 7}
	if _, err := a.Anchor(context.Background(), root); err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, p := range f.Sent() {
		if p.Cid != ipfs.RecordCID(root).String() {
			continue
		}
		found = true
		if want := "selfattest-anchor-ipfs-v1-" + root.String(); p.GetName() != want {
			t.Errorf("pin name %q, want %q", p.GetName(), want)
		}
		if addrs := node.Run(t, "id", "-f", "<addrs>"); addrs == "" && len(p.GetOrigins()) != 0 {
			t.Errorf("origins %q from a node that announces no address", p.GetOrigins())
		}
	}
	if !found {
		t.Errorf("the service was never asked to pin %s", ipfs.RecordCID(root))
	}
}

// nodeStandIn serves, as Kubo's RPC API does, a /api/v0/dag/import that
// imports the record c, and answers /api/v0/id with id; any other path is
// not found. It is closed when t ends.
func nodeStandIn(t *testing.T, c cid.Cid, id http.HandlerFunc) *httptest.Server {
	t.Helper()
	rpc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		switch r.URL.Path {
		case "/api/v0/dag/import":
			fmt.Fprintf(w, `{"Root":{"Cid":{"/":%q},"PinErrorMsg":""}}`+"\n", c.String())
		case "/api/v0/id":
			id(w, r)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(rpc.Close)
	return rpc
}

// TestAnchorerSendsOrigins: the node's announced addresses (its
// /api/v0/id, here a stand-in answering as Kubo does) go to the service
// as the pin's origins; an address that does not parse is left out.
func TestAnchorerSendsOrigins(t *testing.T) {
	root := anchor.Hash{6, 6}
	c := ipfs.RecordCID(root)
	const addr = "/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN"
	rpc := nodeStandIn(t, c, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"ID":"12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN","Addresses":[%q,"not/a/multiaddr"]}`, addr)
	})
	f := &pinningtest.Service{Token: psaToken}
	p := newPinning(t, f.Start(t), psaToken)
	a, err := ipfs.NewAnchorer("ipfs:test", &ipfs.Kubo{URL: rpc.URL}, &ipfs.Gateway{URL: rpc.URL}, ipfs.WithPinningService(p, 10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Anchor(context.Background(), root); err != nil {
		t.Fatal(err)
	}
	if posts := f.Sent(); len(posts) != 1 || posts[0].Cid != c.String() || !slices.Equal(posts[0].GetOrigins(), []string{addr}) {
		t.Errorf("the service was sent %+v; want %s with origins [%s]", posts, c, addr)
	}
	if a.PinningService() != p {
		t.Error("PinningService() is not the one given")
	}
}

// TestAnchorerNodeIDHangs: a node whose /api/v0/id (asked for the
// pin's origins) never answers does not hold Anchor past its pin wait,
// though the node's own call timeout is far longer: a service that never
// pins is could-not-check (ErrPinPending) once the wait ends, never a
// rejection, and a service that pins is asked without origins and the
// anchor is made, both within the wait.
func TestAnchorerNodeIDHangs(t *testing.T) {
	const wait = 2 * time.Second
	root := anchor.Hash{6, 7}
	c := ipfs.RecordCID(root)
	rpc := nodeStandIn(t, c, func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // hangs until the client gives up
	})
	kubo := &ipfs.Kubo{URL: rpc.URL, Timeout: 30 * time.Second}
	for _, tc := range []struct {
		name  string
		stuck bool
	}{{"never pins", true}, {"pins", false}} {
		t.Run(tc.name, func(t *testing.T) {
			f := &pinningtest.Service{Token: psaToken, Stuck: tc.stuck}
			p := newPinning(t, f.Start(t), psaToken)
			a, err := ipfs.NewAnchorer("ipfs:test", kubo, &ipfs.Gateway{URL: rpc.URL}, ipfs.WithPinningService(p, wait))
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, err = a.Anchor(context.Background(), root)
			if took := time.Since(start); took > wait+time.Second {
				t.Errorf("Anchor took %v, past its pin wait of %v", took, wait)
			}
			if tc.stuck {
				if !errors.Is(err, ipfs.ErrPinPending) || !errors.Is(err, anchor.ErrCouldNotCheck) || errors.Is(err, anchor.ErrAnchor) {
					t.Errorf("Anchor = %v, want ErrPinPending, could not check, not rejected", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Anchor = %v, want the anchor made without origins", err)
			}
			if posts := f.Sent(); len(posts) != 1 || posts[0].Cid != c.String() || len(posts[0].GetOrigins()) != 0 {
				t.Errorf("the service was sent %+v; want %s without origins", posts, c)
			}
		})
	}
}

// TestAnchorerPinningServiceStates: with a pinning service, the service's
// status decides: queued or pinning is pending, failed or removed is
// failed (no error), pinned is final once the gateway serves the record;
// anchoring again after a removal pins it again. The node's own pin is
// not asked.
func TestAnchorerPinningServiceStates(t *testing.T) {
	ctx := context.Background()
	node := kubotest.Start(t, kubotest.Options{})
	f := &pinningtest.Service{Token: psaToken}
	a, p := psaAnchorer(t, node, f, 30*time.Second)
	root := anchor.Hash{8, 8}
	c := ipfs.RecordCID(root)
	e, err := a.Anchor(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	check := func(want anchor.State) {
		t.Helper()
		st, err := a.Check(ctx, root, e)
		if err != nil || st.State != want {
			t.Fatalf("Check = %v, %v; want %v", st.State, err, want)
		}
		if want == anchor.StateFinal && st.Depth != 1 {
			t.Errorf("final at depth %d", st.Depth)
		}
	}
	check(anchor.StateFinal)
	for _, tc := range []struct {
		status openapi.Status
		want   anchor.State
	}{
		{openapi.QUEUED, anchor.StatePending},
		{openapi.PINNING, anchor.StatePending},
		{openapi.FAILED, anchor.StateFailed},
		{openapi.PINNED, anchor.StateFinal},
	} {
		f.SetStatus(c, tc.status)
		check(tc.want)
	}
	if err := (&ipfs.Kubo{URL: node.APIURL}).PinRm(ctx, c); err != nil {
		t.Fatal(err)
	}
	check(anchor.StateFinal) // the service keeps it; the node's pin is not asked

	if err := p.Remove(ctx, c); err != nil {
		t.Fatal(err)
	}
	check(anchor.StateFailed)
	posts := len(f.Sent())
	if _, err := a.Anchor(ctx, root); err != nil {
		t.Fatal(err)
	}
	if len(f.Sent()) != posts+1 {
		t.Errorf("anchoring again after the pin was removed made %d pin requests, want 1", len(f.Sent())-posts)
	}
	check(anchor.StateFinal)
}

// TestAnchorerPinningServiceTamper: a service that fails the pin, never
// pins it, errs, answers about another CID, or says pinned for a record
// the gateway cannot serve never makes an anchor final.
func TestAnchorerPinningServiceTamper(t *testing.T) {
	ctx := context.Background()
	node := kubotest.Start(t, kubotest.Options{})
	entry := func(a *ipfs.Anchorer, root anchor.Hash) anchor.Entry {
		e, err := anchor.ParseEntry([]byte(`{"kind":"ipfs","target":"` + a.Name() + `","cid":"` + ipfs.RecordCID(root).String() + `"}`))
		if err != nil {
			t.Fatal(err)
		}
		return e
	}

	t.Run("fails the pin", func(t *testing.T) {
		a, _ := psaAnchorer(t, node, &pinningtest.Service{Token: psaToken, Fail: true}, 30*time.Second)
		root := anchor.Hash{1, 1}
		if _, err := a.Anchor(ctx, root); !errors.Is(err, ipfs.ErrPinFailed) || !errors.Is(err, anchor.ErrAnchor) {
			t.Errorf("Anchor = %v, want ErrPinFailed", err)
		}
		if st, err := a.Check(ctx, root, entry(a, root)); err != nil || st.State != anchor.StateFailed {
			t.Errorf("Check = %v, %v; want failed", st.State, err)
		}
	})
	t.Run("never pins", func(t *testing.T) {
		a, _ := psaAnchorer(t, node, &pinningtest.Service{Token: psaToken, Stuck: true}, 30*time.Second)
		root := anchor.Hash{2, 2}
		actx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		if _, err := a.Anchor(actx, root); !errors.Is(err, ipfs.ErrPinPending) || !errors.Is(err, anchor.ErrCouldNotCheck) {
			t.Errorf("Anchor = %v, want ErrPinPending", err)
		}
		if st, err := a.Check(ctx, root, entry(a, root)); err != nil || st.State != anchor.StatePending {
			t.Errorf("Check = %v, %v; want pending", st.State, err)
		}
	})
	t.Run("says pinned, the gateway cannot serve it", func(t *testing.T) {
		f := &pinningtest.Service{Token: psaToken}
		a, _ := psaAnchorer(t, node, f, 3*time.Second)
		root := anchor.Hash{3, 3} // never published
		f.Seed(ipfs.RecordCID(root), openapi.PINNED)
		st, err := a.Check(ctx, root, entry(a, root))
		if !errors.Is(err, anchor.ErrCouldNotCheck) || st.State == anchor.StateFinal {
			t.Errorf("Check = %v, %v; want could not check, not final", st.State, err)
		}
	})
	for name, tc := range map[string]struct {
		tamper func(http.ResponseWriter, *http.Request) bool
		want   error
	}{
		"errs": {func(w http.ResponseWriter, r *http.Request) bool {
			pinningtest.WriteFailure(w, http.StatusInternalServerError, "INTERNAL", "")
			return true
		}, ipfs.ErrCouldNotCheck},
		"refuses the token": {func(w http.ResponseWriter, r *http.Request) bool {
			pinningtest.WriteFailure(w, http.StatusUnauthorized, "UNAUTHORIZED", "")
			return true
		}, ipfs.ErrPinningAuth},
		"answers about another CID": {func(w http.ResponseWriter, r *http.Request) bool {
			other, _ := cid.Parse(ipfs.RecordCID(anchor.Hash{0xee}).String())
			pinningtest.WriteJSON(w, 200, openapi.PinResults{Count: 1, Results: []openapi.PinStatus{
				*openapi.NewPinStatus("req-1", openapi.PINNED, time.Now(), openapi.Pin{Cid: other.String()}, []string{}),
			}})
			return true
		}, ipfs.ErrPinningAnswer},
	} {
		t.Run(name, func(t *testing.T) {
			f := &pinningtest.Service{Token: psaToken}
			a, _ := psaAnchorer(t, node, f, 30*time.Second)
			root := anchor.Hash{4, byte(len(name))}
			e, err := a.Anchor(ctx, root)
			if err != nil {
				t.Fatal(err)
			}
			f.SetTamper(tc.tamper)
			st, err := a.Check(ctx, root, e)
			if !errors.Is(err, tc.want) || !errors.Is(err, anchor.ErrCouldNotCheck) || st.State == anchor.StateFinal {
				t.Errorf("Check = %v, %v; want %v, not final", st.State, err, tc.want)
			}
			if _, err := a.Anchor(ctx, anchor.Hash{5, byte(len(name))}); !errors.Is(err, tc.want) {
				t.Errorf("Anchor = %v, want %v", err, tc.want)
			}
		})
	}
}
