package ipfs_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/boxo/pinning/remote/client/openapi"
	"github.com/ipfs/go-cid"
	"github.com/multiformats/go-multiaddr"

	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/anchor/ipfs"
	"github.com/ats-run/selfattest/anchor/ipfs/pinningtest"
	"github.com/ats-run/selfattest/internal/clitest"
)

const psaToken = "s3cr3t-t0ken-0123456789"

func newPinning(t testing.TB, endpoint, token string) *ipfs.PinningService {
	t.Helper()
	p, err := ipfs.NewPinningService(endpoint, token)
	if err != nil {
		t.Fatal(err)
	}
	p.Timeout = 2 * time.Second
	p.PollInterval = 10 * time.Millisecond
	return p
}

// testCID is the record CID of a root: a CID nobody else uses.
func testCID(b byte) cid.Cid { return ipfs.RecordCID(anchor.Hash{0xa5, b}) }

// TestPinningPinWaitsUntilPinned: Pin sends the CID, name and origins
// with the bearer token, follows the request from queued through pinning
// to pinned, and a second Pin of the same CID is the same pin; Status
// says pinned; Remove deletes the request, and Status then says none.
func TestPinningPinWaitsUntilPinned(t *testing.T) {
	ctx := context.Background()
	f := &pinningtest.Service{Token: psaToken}
	p := newPinning(t, f.Start(t), psaToken)
	c := testCID(1)
	origin := multiaddr.StringCast("/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN")
	info, err := p.Pin(ctx, c, "evidence", []multiaddr.Multiaddr{origin})
	if err != nil {
		t.Fatalf("Pin: %v", err)
	}
	if info.Status != ipfs.PinPinned || !info.CID.Equals(c) || info.RequestID != "req-1" {
		t.Fatalf("Pin = %+v; want request req-1 of %s pinned", info, c)
	}
	if n := f.Count("GET /psa/pins/req-1"); n < 2 {
		t.Errorf("the request was read %d times; queued and pinning should each have been seen", n)
	}
	if posts := f.Sent(); len(posts) != 1 || posts[0].Cid != c.String() || posts[0].GetName() != "evidence" ||
		len(posts[0].GetOrigins()) != 1 || posts[0].GetOrigins()[0] != origin.String() {
		t.Errorf("the service was sent %+v", posts)
	}
	for _, a := range f.Auths() {
		if a != "Bearer "+psaToken {
			t.Errorf("a request with Authorization %q", a)
		}
	}
	if _, err := p.Pin(ctx, c, "evidence", nil); err != nil {
		t.Fatalf("second Pin: %v", err)
	}
	if n := f.Count("POST /psa/pins"); n != 1 {
		t.Errorf("two Pins of one CID made %d pin requests, want 1", n)
	}
	if st, err := p.Status(ctx, c); err != nil || st.Status != ipfs.PinPinned {
		t.Errorf("Status = %+v, %v; want pinned", st, err)
	}
	if st, err := p.Status(ctx, testCID(2)); err != nil || st.Status != ipfs.PinNone {
		t.Errorf("Status(a CID never pinned) = %+v, %v; want none", st, err)
	}
	if err := p.Remove(ctx, c); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	if n := f.Count("DELETE /psa/pins/req-1"); n != 1 {
		t.Errorf("Remove sent %d DELETEs of req-1", n)
	}
	if st, err := p.Status(ctx, c); err != nil || st.Status != ipfs.PinNone {
		t.Errorf("Status after Remove = %+v, %v; want none", st, err)
	}
	if err := p.Remove(ctx, c); err != nil {
		t.Errorf("Remove of a CID not pinned = %v, want nil", err)
	}
	// A failed request does not stand for the CID: Pin asks again.
	f.Seed(testCID(3), openapi.FAILED)
	if info, err := p.Pin(ctx, testCID(3), "", nil); err != nil || info.Status != ipfs.PinPinned {
		t.Errorf("Pin of a CID whose request failed = %+v, %v; want pinned by a new request", info, err)
	}
}

// TestPinningFailedIsRejected: a pin the service fails, or a request it
// drops while it is pinning, is ErrPinFailed (rejected), not a pass and
// not a could-not-check.
func TestPinningFailedIsRejected(t *testing.T) {
	ctx := context.Background()
	f := &pinningtest.Service{Token: psaToken, Fail: true}
	p := newPinning(t, f.Start(t), psaToken)
	_, err := p.Pin(ctx, testCID(1), "", nil)
	if !errors.Is(err, ipfs.ErrPinFailed) || !errors.Is(err, anchor.ErrAnchor) || errors.Is(err, ipfs.ErrCouldNotCheck) {
		t.Errorf("Pin(service fails it) = %v, want ErrPinFailed", err)
	}
	if st, err := p.Status(ctx, testCID(1)); err != nil || st.Status != ipfs.PinFailed {
		t.Errorf("Status = %+v, %v; want failed", st, err)
	}

	// The service's status_details are quoted in the error, never the
	// token it may echo there.
	e := &pinningtest.Service{Token: psaToken, Pinner: func(context.Context, cid.Cid) error {
		return fmt.Errorf("could not fetch with token %s", psaToken)
	}}
	ep := newPinning(t, e.Start(t), psaToken)
	_, err = ep.Pin(ctx, testCID(4), "", nil)
	if !errors.Is(err, ipfs.ErrPinFailed) || !strings.Contains(err.Error(), "could not fetch") {
		t.Errorf("Pin(service fails it with details) = %v, want ErrPinFailed with the details", err)
	}
	if err != nil && strings.Contains(err.Error(), psaToken) {
		t.Errorf("the error shows the token the service echoed: %v", err)
	}

	g := &pinningtest.Service{Token: psaToken, Stuck: true}
	q := newPinning(t, g.Start(t), psaToken)
	info, err := q.Add(ctx, testCID(2), "", nil)
	if err != nil || info.Status != ipfs.PinQueued {
		t.Fatalf("Add = %+v, %v; want queued", info, err)
	}
	if err := q.Delete(ctx, info.RequestID); err != nil {
		t.Fatal(err)
	}
	if _, err := q.WaitPinned(ctx, info.RequestID, testCID(2)); !errors.Is(err, ipfs.ErrPinFailed) {
		t.Errorf("WaitPinned(a request the service dropped) = %v, want ErrPinFailed", err)
	}
}

// TestPinningPendingUntilDeadline: a pin that stays queued is
// ErrPinPending once ctx ends, promptly: not yet, not a no.
func TestPinningPendingUntilDeadline(t *testing.T) {
	f := &pinningtest.Service{Token: psaToken, Stuck: true}
	p := newPinning(t, f.Start(t), psaToken)
	// The deadline leaves Pin's first two requests (status, then add)
	// time to be answered on a busy machine: one that ran out during them
	// would be could-not-check without ErrPinPending.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	_, err := p.Pin(ctx, testCID(1), "", nil)
	if !errors.Is(err, ipfs.ErrPinPending) || !errors.Is(err, anchor.ErrCouldNotCheck) || errors.Is(err, anchor.ErrAnchor) {
		t.Errorf("Pin(stays queued) = %v, want ErrPinPending", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v with a 1 s deadline", d)
	}
	if st, err := p.Status(context.Background(), testCID(1)); err != nil || st.Status != ipfs.PinQueued || !st.Status.Pending() {
		t.Errorf("Status = %+v, %v; want queued", st, err)
	}
}

// TestPinningTamper: every answer that is not the protocol's answer to
// the question asked, and every HTTP failure, is refused with its
// sentinel: never a pin, never a rejection of the content.
func TestPinningTamper(t *testing.T) {
	c, other := testCID(1), testCID(2)
	pinned := func(of cid.Cid) openapi.PinStatus {
		return *openapi.NewPinStatus("req-x", openapi.PINNED, time.Now(), openapi.Pin{Cid: of.String()}, []string{})
	}
	raw := func(code int, ctype, body string) func(w http.ResponseWriter, r *http.Request) bool {
		return func(w http.ResponseWriter, r *http.Request) bool {
			if ctype != "" {
				w.Header().Set("Content-Type", ctype)
			}
			w.WriteHeader(code)
			w.Write([]byte(body))
			return true
		}
	}
	js := func(code int, v any) func(w http.ResponseWriter, r *http.Request) bool {
		return func(w http.ResponseWriter, r *http.Request) bool { pinningtest.WriteJSON(w, code, v); return true }
	}
	big := `{"count":1,"results":[{"requestid":"` + strings.Repeat("a", 2<<20) + `"}]}`
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the redirect was followed, Authorization %q", r.Header.Get("Authorization"))
	}))
	defer elsewhere.Close()

	// op is the call under test; each reads c.
	type op func(context.Context, *ipfs.PinningService) error
	status := func(ctx context.Context, p *ipfs.PinningService) error { _, err := p.Status(ctx, c); return err }
	add := func(ctx context.Context, p *ipfs.PinningService) error { _, err := p.Add(ctx, c, "", nil); return err }
	get := func(ctx context.Context, p *ipfs.PinningService) error { _, err := p.Get(ctx, "req-x", c); return err }
	for _, tc := range []struct {
		name   string
		tamper func(w http.ResponseWriter, r *http.Request) bool
		op     op
		want   error
	}{
		{"listing pinned for another CID", js(200, openapi.PinResults{Count: 1, Results: []openapi.PinStatus{pinned(other)}}), status, ipfs.ErrPinningAnswer},
		{"added, another CID", js(202, pinned(other)), add, ipfs.ErrPinningAnswer},
		{"request of another CID", js(200, pinned(other)), get, ipfs.ErrPinningAnswer},
		{"another request than asked", js(200, func() openapi.PinStatus { p := pinned(c); p.Requestid = "req-y"; return p }()), get, ipfs.ErrPinningAnswer},
		{"unknown status", raw(200, "application/json", `{"count":1,"results":[{"requestid":"r","status":"done","created":"2026-01-01T00:00:00Z","pin":{"cid":"`+c.String()+`"},"delegates":[]}]}`), status, ipfs.ErrPinningAnswer},
		{"no status", raw(200, "application/json", `{"requestid":"r","created":"2026-01-01T00:00:00Z","pin":{"cid":"`+c.String()+`"},"delegates":[]}`), add, ipfs.ErrPinningAnswer},
		{"no request id", raw(202, "application/json", `{"status":"pinned","created":"2026-01-01T00:00:00Z","pin":{"cid":"`+c.String()+`"},"delegates":[]}`), add, ipfs.ErrPinningAnswer},
		{"a CID that is not one", raw(200, "application/json", `{"requestid":"req-x","status":"pinned","created":"2026-01-01T00:00:00Z","pin":{"cid":"bafy-not"},"delegates":[]}`), get, ipfs.ErrPinningAnswer},
		{"count below the results", js(200, openapi.PinResults{Count: 0, Results: []openapi.PinStatus{pinned(c)}}), status, ipfs.ErrPinningAnswer},
		{"malformed JSON", raw(200, "application/json", `{"count":1,"results":[{`), status, ipfs.ErrPinningAnswer},
		{"malformed JSON, added", raw(202, "application/json", `{"requestid":`), add, ipfs.ErrPinningAnswer},
		{"not JSON", raw(200, "text/html", `<html>pinned</html>`), status, ipfs.ErrPinningAnswer},
		{"empty 200", raw(200, "application/json", ``), status, ipfs.ErrPinningAnswer},
		{"empty object", raw(200, "application/json", `{}`), status, ipfs.ErrPinningAnswer},
		{"listing without results", raw(200, "application/json", `{"count":0}`), status, ipfs.ErrPinningAnswer},
		{"negative count", js(200, openapi.PinResults{Count: -1, Results: []openapi.PinStatus{}}), status, ipfs.ErrPinningAnswer},
		{"request id above 512 bytes", js(202, func() openapi.PinStatus { p := pinned(c); p.Requestid = strings.Repeat("r", 513); return p }()), add, ipfs.ErrPinningAnswer},
		// A service that echoes the token where the client quotes it.
		{"unknown status, the token", raw(200, "application/json", `{"count":1,"results":[{"requestid":"r","status":"`+psaToken+`","created":"2026-01-01T00:00:00Z","pin":{"cid":"`+c.String()+`"},"delegates":[]}]}`), status, ipfs.ErrPinningAnswer},
		{"a CID that is the token", raw(200, "application/json", `{"requestid":"req-x","status":"pinned","created":"2026-01-01T00:00:00Z","pin":{"cid":"`+psaToken+`"},"delegates":[]}`), get, ipfs.ErrPinningAnswer},
		{"a request id that is the token", js(200, func() openapi.PinStatus { p := pinned(c); p.Requestid = psaToken; return p }()), get, ipfs.ErrPinningAnswer},
		{"redirect", func(w http.ResponseWriter, r *http.Request) bool {
			http.Redirect(w, r, elsewhere.URL+r.URL.Path, http.StatusTemporaryRedirect)
			return true
		}, status, ipfs.ErrPinningAnswer},
		{"401", js(401, openapi.Failure{Error: openapi.FailureError{Reason: "UNAUTHORIZED"}}), status, ipfs.ErrPinningAuth},
		{"403", raw(403, "", ""), add, ipfs.ErrPinningAuth},
		{"500", js(500, openapi.Failure{Error: openapi.FailureError{Reason: "INTERNAL"}}), status, ipfs.ErrCouldNotCheck},
		{"500, not JSON", raw(500, "text/plain", "boom"), get, ipfs.ErrCouldNotCheck},
		{"404 listing", raw(404, "", ""), status, ipfs.ErrCouldNotCheck},
		{"oversize body, chunked", func(w http.ResponseWriter, r *http.Request) bool {
			w.Header().Set("Content-Type", "application/json")
			for i := 0; i < len(big); i += 64 << 10 {
				w.Write([]byte(big[i:min(i+64<<10, len(big))]))
				w.(http.Flusher).Flush()
			}
			return true
		}, status, ipfs.ErrTooLarge},
		{"oversize body, announced", raw(200, "application/json", big), add, ipfs.ErrTooLarge},
		{"oversize error body", raw(500, "application/json", big), get, ipfs.ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &pinningtest.Service{Token: psaToken, Tamper: tc.tamper}
			p := newPinning(t, f.Start(t), psaToken)
			err := tc.op(context.Background(), p)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if !errors.Is(err, ipfs.ErrCouldNotCheck) || errors.Is(err, ipfs.ErrRejected) || errors.Is(err, ipfs.ErrBadInput) {
				t.Errorf("%v is not could-not-check alone", err)
			}
			if strings.Contains(err.Error(), psaToken) {
				t.Errorf("the error shows the token: %v", err)
			}
		})
	}

	t.Run("wrong token", func(t *testing.T) {
		f := &pinningtest.Service{Token: psaToken}
		p := newPinning(t, f.Start(t), "another-token")
		if _, err := p.Pin(context.Background(), c, "", nil); !errors.Is(err, ipfs.ErrPinningAuth) {
			t.Errorf("Pin with a wrong token = %v, want ErrPinningAuth", err)
		}
		if len(f.Sent()) != 0 {
			t.Error("the service took a pin without the token")
		}
	})
	t.Run("500 with a Failure", func(t *testing.T) {
		f := &pinningtest.Service{Token: psaToken, Tamper: js(500, openapi.Failure{Error: openapi.FailureError{Reason: "INTERNAL", Details: ptr("your token " + psaToken + " was fine")}})}
		p := newPinning(t, f.Start(t), psaToken)
		_, err := p.Status(context.Background(), c)
		var pe *ipfs.PinningError
		if !errors.As(err, &pe) || pe.Status != 500 || !strings.Contains(pe.Reason, "INTERNAL") || !errors.Is(err, ipfs.ErrCouldNotCheck) {
			t.Fatalf("got %v, want a PinningError of HTTP 500, reason INTERNAL", err)
		}
		if strings.Contains(err.Error(), psaToken) {
			t.Errorf("the error repeats the token the service echoed: %v", err)
		}
	})
	for name, url := range map[string]string{"hangs": clitest.StallServer(t), "down": clitest.DeadURL(t)} {
		t.Run(name, func(t *testing.T) {
			p := newPinning(t, url, psaToken)
			p.Timeout = 300 * time.Millisecond
			start := time.Now()
			for opname, o := range map[string]op{"Status": status, "Add": add, "Get": get} {
				if err := o(context.Background(), p); !errors.Is(err, ipfs.ErrCouldNotCheck) || errors.Is(err, ipfs.ErrRejected) {
					t.Errorf("%s = %v, want ErrCouldNotCheck", opname, err)
				}
			}
			if err := p.Remove(context.Background(), c); !errors.Is(err, ipfs.ErrCouldNotCheck) {
				t.Errorf("Remove = %v, want ErrCouldNotCheck", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v with 300 ms deadlines", d)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestPinningServiceInput: endpoints that would send the token in the
// clear or elsewhere, and tokens that are not one, are bad input; the
// token is never printed.
func TestPinningServiceInput(t *testing.T) {
	for _, tc := range []struct{ endpoint, token string }{
		{"http://pinning.example.com/psa", ""},
		{"ftp://127.0.0.1/psa", ""},
		{"https://user:pw@pinning.example.com/psa", ""},
		{"https://pinning.example.com/psa?x=1", ""},
		{"https://pinning.example.com/psa#x", ""},
		{"http://localhost.example.com/psa", ""},
		{"/psa", ""},
		{"https://pinning.example.com/psa", "two words"},
		{"https://pinning.example.com/psa", "line\nbreak"},
	} {
		if _, err := ipfs.NewPinningService(tc.endpoint, tc.token); !errors.Is(err, ipfs.ErrBadInput) {
			t.Errorf("NewPinningService(%q, %q) = %v, want ErrBadInput", tc.endpoint, tc.token, err)
		}
	}
	for _, ok := range []string{"https://pinning.example.com/psa", "http://127.0.0.1:9097", "http://[::1]:9097/", "http://localhost:9097"} {
		if _, err := ipfs.NewPinningService(ok, psaToken); err != nil {
			t.Errorf("NewPinningService(%q) = %v", ok, err)
		}
	}
	p := newPinning(t, "https://pinning.example.com/psa", psaToken)
	for _, s := range []string{fmt.Sprint(p), fmt.Sprintf("%v %+v %#v %s", p, p, p, p)} {
		if strings.Contains(s, psaToken) {
			t.Errorf("printed: %s", s)
		}
	}
	ctx := context.Background()
	if _, err := p.Add(ctx, cid.Undef, "", nil); !errors.Is(err, ipfs.ErrBadInput) {
		t.Errorf("Add(undefined CID) = %v", err)
	}
	if _, err := p.Add(ctx, testCID(1), strings.Repeat("n", 256), nil); !errors.Is(err, ipfs.ErrBadInput) {
		t.Errorf("Add(256-byte name) = %v", err)
	}
	if _, err := p.Get(ctx, "", testCID(1)); !errors.Is(err, ipfs.ErrBadInput) {
		t.Errorf("Get(no id) = %v", err)
	}
	if _, err := p.Get(ctx, strings.Repeat("r", 513), testCID(1)); !errors.Is(err, ipfs.ErrBadInput) {
		t.Errorf("Get(513-byte id) = %v", err)
	}
	if err := p.Delete(ctx, ""); !errors.Is(err, ipfs.ErrBadInput) {
		t.Errorf("Delete(no id) = %v", err)
	}
	origins := make([]multiaddr.Multiaddr, 33)
	for i := range origins {
		origins[i] = multiaddr.StringCast("/ip4/127.0.0.1/tcp/4001")
	}
	if _, err := p.Add(ctx, testCID(1), "", origins); !errors.Is(err, ipfs.ErrBadInput) {
		t.Errorf("Add(33 origins) = %v", err)
	}
	if _, err := p.List(ctx, cid.Undef); !errors.Is(err, ipfs.ErrBadInput) {
		t.Errorf("List(undefined CID) = %v", err)
	}
	if _, err := ipfs.NewAnchorer("ipfs:test", &ipfs.Kubo{}, &ipfs.Gateway{}, ipfs.WithPinningService(nil, 0)); !errors.Is(err, ipfs.ErrBadInput) {
		t.Errorf("NewAnchorer(nil pinning service) = %v", err)
	}
}
