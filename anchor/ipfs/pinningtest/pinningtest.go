// Package pinningtest runs an in-process pinning service for tests: the
// IPFS Pinning Service API's five operations (GET and POST /pins, GET,
// POST and DELETE /pins/{requestid}) under /psa on 127.0.0.1, written
// from the specification with the OpenAPI types boxo ships, bearer
// authentication included. What it does with a pin is the test's choice:
// it can pin on a real Kubo node (Pinner: the node's pin/add), move each
// pin along on every read, fail pins, never finish them, or answer a
// request itself (Tamper) with whatever a broken or lying service would.
//
//	svc := &pinningtest.Service{Token: "t", Pinner: kubo.PinAdd}
//	endpoint := svc.Start(t) // http://127.0.0.1:<port>/psa
//	p, _ := ipfs.NewPinningService(endpoint, "t")
package pinningtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipfs/boxo/pinning/remote/client/openapi"
	"github.com/ipfs/go-cid"
)

// A Service is an in-process pinning service. Set its fields before
// [Service.Start]:
//
//   - with Pinner set, a new pin is pinning while Pinner runs (a real Kubo
//     node's pin/add), then pinned, or failed if Pinner failed;
//   - without, each read of a pin (GET /pins/{requestid}, or a listing
//     that names its CID or names none) moves it one step before the
//     answer, queued → pinning → pinned (→ failed instead with Fail set;
//     never with Stuck set).
//
// Tamper, if set, sees every request first (after logging it, before
// authentication) and may answer it itself.
type Service struct {
	// Token is the bearer token the service accepts.
	Token  string
	Pinner func(context.Context, cid.Cid) error
	Fail   bool
	Stuck  bool
	Tamper func(w http.ResponseWriter, r *http.Request) bool

	mu    sync.Mutex
	pins  map[string]*openapi.PinStatus
	next  int
	posts []openapi.Pin
	log   []string
	auths []string

	srv *httptest.Server
}

// Start serves f on 127.0.0.1 until the test ends and returns the API's
// endpoint, http://127.0.0.1:<port>/psa.
func (f *Service) Start(t testing.TB) string {
	t.Helper()
	f.pins = map[string]*openapi.PinStatus{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /psa/pins", f.list)
	mux.HandleFunc("POST /psa/pins", f.add)
	mux.HandleFunc("GET /psa/pins/{requestid}", f.get)
	mux.HandleFunc("POST /psa/pins/{requestid}", f.replace)
	mux.HandleFunc("DELETE /psa/pins/{requestid}", f.delete)
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.log = append(f.log, r.Method+" "+r.URL.Path)
		f.auths = append(f.auths, r.Header.Get("Authorization"))
		tamper := f.Tamper
		f.mu.Unlock()
		if tamper != nil && tamper(w, r) {
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+f.Token {
			WriteFailure(w, http.StatusUnauthorized, "UNAUTHORIZED", "")
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f.srv.URL + "/psa"
}

// WriteFailure answers the protocol's Failure object with HTTP code.
func WriteFailure(w http.ResponseWriter, code int, reason, details string) {
	fe := openapi.FailureError{Reason: reason}
	if details != "" {
		fe.Details = &details
	}
	WriteJSON(w, code, openapi.Failure{Error: fe})
}

// WriteJSON answers v as JSON with HTTP code.
func WriteJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	w.Write(b)
}

// step moves ps one step along, as a read of it does (locked).
func (f *Service) step(ps *openapi.PinStatus) {
	if f.Pinner != nil || f.Stuck {
		return
	}
	switch ps.Status {
	case openapi.QUEUED:
		ps.Status = openapi.PINNING
	case openapi.PINNING:
		ps.Status = openapi.PINNED
		if f.Fail {
			ps.Status = openapi.FAILED
		}
	}
}

func (f *Service) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var cids []string
	if v := q.Get("cid"); v != "" {
		cids = strings.Split(v, ",")
	}
	statuses := []string{"pinned"} // the specification's default
	if v := q.Get("status"); v != "" {
		statuses = strings.Split(v, ",")
	}
	limit := 10
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			WriteFailure(w, http.StatusBadRequest, "BAD_REQUEST", "limit")
			return
		}
		limit = n
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	res := []openapi.PinStatus{}
	for _, ps := range f.pins {
		if len(cids) > 0 && !slices.Contains(cids, ps.Pin.Cid) {
			continue
		}
		f.step(ps)
		if !slices.Contains(statuses, string(ps.Status)) {
			continue
		}
		if n := q.Get("name"); n != "" && ps.Pin.GetName() != n {
			continue
		}
		res = append(res, *ps)
	}
	slices.SortFunc(res, func(a, b openapi.PinStatus) int { return b.Created.Compare(a.Created) })
	count := len(res)
	if len(res) > limit {
		res = res[:limit]
	}
	WriteJSON(w, http.StatusOK, openapi.PinResults{Count: int32(count), Results: res})
}

func (f *Service) newPin(p openapi.Pin) *openapi.PinStatus {
	f.next++
	id := fmt.Sprintf("req-%d", f.next)
	ps := openapi.NewPinStatus(id, openapi.QUEUED, time.Now().Add(time.Duration(f.next)*time.Microsecond), p,
		[]string{"/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN"})
	f.pins[id] = ps
	f.posts = append(f.posts, p)
	if f.Pinner != nil {
		c, _ := cid.Parse(p.Cid)
		ps.Status = openapi.PINNING
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			err := f.Pinner(ctx, c)
			f.mu.Lock()
			defer f.mu.Unlock()
			if err != nil {
				ps.Status = openapi.FAILED
				ps.Info = &map[string]string{"status_details": err.Error()}
			} else {
				ps.Status = openapi.PINNED
			}
		}()
	}
	return ps
}

func (f *Service) readPin(w http.ResponseWriter, r *http.Request) (openapi.Pin, bool) {
	var p openapi.Pin
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&p); err != nil {
		WriteFailure(w, http.StatusBadRequest, "BAD_REQUEST", err.Error())
		return p, false
	}
	if _, err := cid.Parse(p.Cid); err != nil {
		WriteFailure(w, http.StatusBadRequest, "BAD_REQUEST", "cid")
		return p, false
	}
	return p, true
}

func (f *Service) add(w http.ResponseWriter, r *http.Request) {
	p, ok := f.readPin(w, r)
	if !ok {
		return
	}
	f.mu.Lock()
	ps := *f.newPin(p)
	f.mu.Unlock()
	WriteJSON(w, http.StatusAccepted, ps)
}

func (f *Service) get(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	ps, ok := f.pins[r.PathValue("requestid")]
	if ok {
		f.step(ps)
	}
	var cp openapi.PinStatus
	if ok {
		cp = *ps
	}
	f.mu.Unlock()
	if !ok {
		WriteFailure(w, http.StatusNotFound, "NOT_FOUND", "")
		return
	}
	WriteJSON(w, http.StatusOK, cp)
}

func (f *Service) replace(w http.ResponseWriter, r *http.Request) {
	p, ok := f.readPin(w, r)
	if !ok {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.drop(w, r) {
		return
	}
	WriteJSON(w, http.StatusAccepted, *f.newPin(p))
}

func (f *Service) delete(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.drop(w, r) {
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// drop removes the pin the request's path names and reports whether
// there was one; if not, it has answered 404. f.mu must be held.
func (f *Service) drop(w http.ResponseWriter, r *http.Request) bool {
	id := r.PathValue("requestid")
	if _, ok := f.pins[id]; !ok {
		WriteFailure(w, http.StatusNotFound, "NOT_FOUND", "")
		return false
	}
	delete(f.pins, id)
	return true
}

// SetStatus sets every pin request of c to st, as the service might on
// its own (a pin it lost, a pin it re-queued).
func (f *Service) SetStatus(c cid.Cid, st openapi.Status) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, ps := range f.pins {
		if ps.Pin.Cid == c.String() {
			ps.Status = st
		}
	}
}

// SetTamper sets f.Tamper while f serves.
func (f *Service) SetTamper(tamper func(w http.ResponseWriter, r *http.Request) bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Tamper = tamper
}

// Seed records a pin request of c at st that nobody made through the
// API.
func (f *Service) Seed(c cid.Cid, st openapi.Status) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next++
	id := fmt.Sprintf("req-%d", f.next)
	f.pins[id] = openapi.NewPinStatus(id, st, time.Now(), openapi.Pin{Cid: c.String()}, []string{})
}

// Count returns how many requests were line ("POST /psa/pins").
func (f *Service) Count(line string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, l := range f.log {
		if l == line {
			n++
		}
	}
	return n
}

// Sent returns the pins sent to POST /pins and POST /pins/{requestid}.
func (f *Service) Sent() []openapi.Pin {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.posts)
}

// Auths returns the Authorization header of every request, in order.
func (f *Service) Auths() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.auths)
}
