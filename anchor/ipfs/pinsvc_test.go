package ipfs_test

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

// A fakePSA is an in-process pinning service: the IPFS Pinning Service
// API's five operations (GET and POST /pins, GET, POST and DELETE
// /pins/{requestid}) under /psa, written from the specification with the
// OpenAPI types boxo ships, bearer authentication included. What it does
// with a pin is the test's choice:
//
//   - with pinner set, a new pin is queued, then pinning while pinner
//     runs (a real Kubo node's pin/add), then pinned, or failed if pinner
//     failed;
//   - without, each read of a pin moves it one step, queued → pinning →
//     pinned (→ failed instead with fail set; never with stuck set).
//
// tamper, if set, sees every request first and may answer it itself.
type fakePSA struct {
	token  string
	pinner func(context.Context, cid.Cid) error
	fail   bool
	stuck  bool
	tamper func(w http.ResponseWriter, r *http.Request) bool

	mu    sync.Mutex
	pins  map[string]*openapi.PinStatus
	next  int
	posts []openapi.Pin
	log   []string
	auths []string

	srv *httptest.Server
}

// startPSA starts f on 127.0.0.1 and returns the API's endpoint.
func startPSA(t testing.TB, f *fakePSA) string {
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
		tamper := f.tamper
		f.mu.Unlock()
		if tamper != nil && tamper(w, r) {
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+f.token {
			failure(w, http.StatusUnauthorized, "UNAUTHORIZED", "")
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f.srv.URL + "/psa"
}

func failure(w http.ResponseWriter, code int, reason, details string) {
	fe := openapi.FailureError{Reason: reason}
	if details != "" {
		fe.Details = &details
	}
	writeJSON(w, code, openapi.Failure{Error: fe})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	w.Write(b)
}

// step moves ps one step along, as a read of it does (locked).
func (f *fakePSA) step(ps *openapi.PinStatus) {
	if f.pinner != nil || f.stuck {
		return
	}
	switch ps.Status {
	case openapi.QUEUED:
		ps.Status = openapi.PINNING
	case openapi.PINNING:
		ps.Status = openapi.PINNED
		if f.fail {
			ps.Status = openapi.FAILED
		}
	}
}

func (f *fakePSA) list(w http.ResponseWriter, r *http.Request) {
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
			failure(w, http.StatusBadRequest, "BAD_REQUEST", "limit")
			return
		}
		limit = n
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	res := []openapi.PinStatus{}
	for _, ps := range f.pins {
		f.step(ps)
		if len(cids) > 0 && !slices.Contains(cids, ps.Pin.Cid) {
			continue
		}
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
	writeJSON(w, http.StatusOK, openapi.PinResults{Count: int32(count), Results: res})
}

func (f *fakePSA) newPin(p openapi.Pin) *openapi.PinStatus {
	f.next++
	id := fmt.Sprintf("req-%d", f.next)
	ps := openapi.NewPinStatus(id, openapi.QUEUED, time.Now().Add(time.Duration(f.next)*time.Microsecond), p,
		[]string{"/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN"})
	f.pins[id] = ps
	f.posts = append(f.posts, p)
	if f.pinner != nil {
		c, _ := cid.Parse(p.Cid)
		ps.Status = openapi.PINNING
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			err := f.pinner(ctx, c)
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

func (f *fakePSA) readPin(w http.ResponseWriter, r *http.Request) (openapi.Pin, bool) {
	var p openapi.Pin
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&p); err != nil {
		failure(w, http.StatusBadRequest, "BAD_REQUEST", err.Error())
		return p, false
	}
	if _, err := cid.Parse(p.Cid); err != nil {
		failure(w, http.StatusBadRequest, "BAD_REQUEST", "cid")
		return p, false
	}
	return p, true
}

func (f *fakePSA) add(w http.ResponseWriter, r *http.Request) {
	p, ok := f.readPin(w, r)
	if !ok {
		return
	}
	f.mu.Lock()
	ps := *f.newPin(p)
	f.mu.Unlock()
	writeJSON(w, http.StatusAccepted, ps)
}

func (f *fakePSA) get(w http.ResponseWriter, r *http.Request) {
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
		failure(w, http.StatusNotFound, "NOT_FOUND", "")
		return
	}
	writeJSON(w, http.StatusOK, cp)
}

func (f *fakePSA) replace(w http.ResponseWriter, r *http.Request) {
	p, ok := f.readPin(w, r)
	if !ok {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.pins[r.PathValue("requestid")]; !ok {
		failure(w, http.StatusNotFound, "NOT_FOUND", "")
		return
	}
	delete(f.pins, r.PathValue("requestid"))
	writeJSON(w, http.StatusAccepted, *f.newPin(p))
}

func (f *fakePSA) delete(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.pins[r.PathValue("requestid")]; !ok {
		failure(w, http.StatusNotFound, "NOT_FOUND", "")
		return
	}
	delete(f.pins, r.PathValue("requestid"))
	w.WriteHeader(http.StatusAccepted)
}

// setStatus sets every pin request of c to st, as the service might on
// its own (a pin it lost, a pin it re-queued).
func (f *fakePSA) setStatus(c cid.Cid, st openapi.Status) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, ps := range f.pins {
		if ps.Pin.Cid == c.String() {
			ps.Status = st
		}
	}
}

// setTamper sets f.tamper while f serves.
func (f *fakePSA) setTamper(tamper func(w http.ResponseWriter, r *http.Request) bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tamper = tamper
}

// seed records a pin request of c at st that nobody made through the
// API.
func (f *fakePSA) seed(c cid.Cid, st openapi.Status) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next++
	id := fmt.Sprintf("req-%d", f.next)
	f.pins[id] = openapi.NewPinStatus(id, st, time.Now(), openapi.Pin{Cid: c.String()}, []string{})
}

// count returns how many requests were line ("POST /psa/pins").
func (f *fakePSA) count(line string) int {
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

// sent returns the pins sent to POST /pins and POST /pins/{requestid}.
func (f *fakePSA) sent() []openapi.Pin {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.posts)
}
