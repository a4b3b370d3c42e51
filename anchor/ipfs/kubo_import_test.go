package ipfs_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/iotest"

	"github.com/ipfs/go-cid"

	"github.com/ats-run/selfattest"
	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/anchor/ipfs"
	"github.com/ats-run/selfattest/anchor/ipfs/kubotest"
)

// classes are the three root classes, and package anchor's sentinels
// beneath them.
var classes = []struct {
	name         string
	root, anchor error
}{
	{"rejected", selfattest.ErrRejected, anchor.ErrAnchor},
	{"could not check", selfattest.ErrCouldNotCheck, anchor.ErrCouldNotCheck},
	{"bad input", selfattest.ErrBadInput, anchor.ErrBadInput},
}

// isOnly fails t unless err is of the class named want and of no other,
// by the root sentinels and by package anchor's.
func isOnly(t *testing.T, what string, err error, want string) {
	t.Helper()
	for _, c := range classes {
		for _, s := range []error{c.root, c.anchor} {
			if got := errors.Is(err, s); got != (c.name == want) {
				t.Errorf("%s = %v: errors.Is(%v) = %t, want %t", what, err, s, got, c.name == want)
			}
		}
	}
}

// failingCAR reads the first half of car, then fails with err.
func failingCAR(car []byte, err error) io.Reader {
	return io.MultiReader(bytes.NewReader(car[:len(car)/2]), iotest.ErrReader(err))
}

// TestDagImportCARFailureKeepsItsClass: when the CAR DagImport reads
// fails, the error is the CAR's, of its class alone: an ErrBlockHash or an
// anchor.ErrAnchor stays a rejection and is not could-not-check as well,
// a bad input stays bad input, and an error of no class is could-not-check.
// Against a real Kubo node, and a node that reads the whole upload and
// answers 500.
func TestDagImportCARFailureKeepsItsClass(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	root := archive(t, s, evidenceDir(t))
	car := carOf(t, s, root)
	node := kubotest.Start(t, kubotest.Options{})
	drain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer drain.Close()
	for _, n := range []struct{ name, url string }{{"kubo", node.APIURL}, {"drain", drain.URL}} {
		k := &ipfs.Kubo{URL: n.url}
		for _, tc := range []struct {
			name  string
			err   error
			class string
			also  error
		}{
			{"ErrBlockHash", fmt.Errorf("%w: block 7", ipfs.ErrBlockHash), "rejected", ipfs.ErrRejected},
			{"anchor.ErrAnchor", fmt.Errorf("%w: a receipt's archive", anchor.ErrAnchor), "rejected", anchor.ErrAnchor},
			{"ErrBadInput", fmt.Errorf("%w: a limit", ipfs.ErrBadInput), "bad input", ipfs.ErrBadInput},
			{"no class", errors.New("disk read error"), "could not check", ipfs.ErrCouldNotCheck},
		} {
			t.Run(n.name+"/"+tc.name, func(t *testing.T) {
				err := k.DagImport(ctx, failingCAR(car, tc.err), root)
				if !errors.Is(err, tc.err) || !errors.Is(err, tc.also) {
					t.Errorf("DagImport = %v, want %v (and %v)", err, tc.err, tc.also)
				}
				isOnly(t, "DagImport", err, tc.class)
				if tc.class == "rejected" && errors.Is(err, ipfs.ErrCouldNotCheck) {
					t.Errorf("DagImport = %v: a rejection is also ipfs.ErrCouldNotCheck", err)
				}
			})
		}
	}
	// The node holds nothing of the broken upload pinned.
	if pinned, err := (&ipfs.Kubo{URL: node.APIURL}).Pinned(ctx, root); err != nil || pinned {
		t.Errorf("pin/ls after the broken uploads = %v, %v; want not pinned", pinned, err)
	}
}

// TestDagImportNodeFailureIsCouldNotCheck: a CAR read to its end that the
// node or the connection fails is could-not-check alone, never a
// rejection: no node listening, a node answering 500, a node answering
// 200 with no root pinned, a node answering what is not JSON, and a real
// Kubo node that does not pin the root asked for.
func TestDagImportNodeFailureIsCouldNotCheck(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	root := archive(t, s, evidenceDir(t))
	car := carOf(t, s, root)
	other := archive(t, s, writeFile(t, t.TempDir(), "other", 7, 100))
	answer := func(code int, body string) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			w.WriteHeader(code)
			io.WriteString(w, body)
		}))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	node := kubotest.Start(t, kubotest.Options{})
	for _, tc := range []struct {
		name, url string
		want      cid.Cid // the root asked for
	}{
		{"no node listening", closed.URL, root},
		{"HTTP 500", answer(http.StatusInternalServerError, `{"Message":"failed"}`), root},
		{"no root pinned", answer(http.StatusOK, `{"Stats":{"BlockCount":3}}`), root},
		{"a pin error", answer(http.StatusOK, `{"Root":{"Cid":{"/":"`+root.String()+`"},"PinErrorMsg":"no space"}}`), root},
		{"not JSON", answer(http.StatusOK, `<html>`), root},
		{"kubo, another root", node.APIURL, other},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := (&ipfs.Kubo{URL: tc.url}).DagImport(ctx, bytes.NewReader(car), tc.want)
			isOnly(t, "DagImport", err, "could not check")
			if !errors.Is(err, ipfs.ErrCouldNotCheck) || errors.Is(err, ipfs.ErrRejected) {
				t.Errorf("DagImport = %v, want ipfs.ErrCouldNotCheck and not ipfs.ErrRejected", err)
			}
		})
	}
}
