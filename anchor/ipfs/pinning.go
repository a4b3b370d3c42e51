package ipfs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/ipfs/boxo/pinning/remote/client/openapi"
	"github.com/ipfs/go-cid"
	"github.com/multiformats/go-multiaddr"

	"github.com/ats-run/selfattest"
	"github.com/ats-run/selfattest/internal/loopback"
)

// The ways a pinning service's answer is refused or a pin does not hold.
var (
	// ErrPinFailed: the pinning service reports the pin failed (status
	// "failed"), or no longer has the pin request it accepted: it will not
	// keep the content. It wraps [ErrRejected].
	ErrPinFailed = selfattest.Beneath(ErrRejected, "ipfs: the pinning service failed the pin")
	// ErrPinPending: the deadline came while the service still had the
	// pin "queued" or "pinning": not yet, rather than no. It wraps
	// [ErrCouldNotCheck].
	ErrPinPending = selfattest.Beneath(ErrCouldNotCheck, "ipfs: the pinning service has not pinned yet")
	// ErrPinningAuth: the service refused the access token (HTTP 401 or
	// 403). It wraps [ErrCouldNotCheck].
	ErrPinningAuth = selfattest.Beneath(ErrCouldNotCheck, "ipfs: the pinning service refused the access token")
	// ErrPinningAnswer: the service answered something other than the
	// protocol's answer to the question asked: not JSON of the API's
	// schema, an unknown status, a pin of another CID than the one asked
	// about, no request id, a redirect. It says nothing of the content.
	// It wraps [ErrCouldNotCheck].
	ErrPinningAnswer = selfattest.Beneath(ErrCouldNotCheck, "ipfs: the pinning service's answer is not the protocol's")
)

// A PinStatus is where a pin request stands at a pinning service: the
// protocol's four statuses, and [PinNone] for no pin request at all.
type PinStatus string

const (
	// PinNone: the service has no pin request for the CID (or none left).
	PinNone PinStatus = ""
	// PinQueued: accepted, not started.
	PinQueued PinStatus = "queued"
	// PinPinning: the service is retrieving the DAG.
	PinPinning PinStatus = "pinning"
	// PinPinned: the service says it holds the whole DAG.
	PinPinned PinStatus = "pinned"
	// PinFailed: the service gave up; it does not hold the content.
	PinFailed PinStatus = "failed"
)

// Pending reports whether s is "queued" or "pinning".
func (s PinStatus) Pending() bool { return s == PinQueued || s == PinPinning }

// rank orders the statuses of several requests for one CID: the best
// one stands for the CID.
func (s PinStatus) rank() int {
	switch s {
	case PinPinned:
		return 4
	case PinPinning:
		return 3
	case PinQueued:
		return 2
	case PinFailed:
		return 1
	}
	return 0
}

// A PinInfo is a pin request as the service describes it, checked
// against the question asked: its CID is the CID asked about and its
// status one of the protocol's.
type PinInfo struct {
	// RequestID is the service's id of the request (for GET and DELETE
	// /pins/{requestid}).
	RequestID string
	Status    PinStatus
	CID       cid.Cid
	Name      string
	Created   time.Time
	// Delegates are the multiaddrs the service names for transferring
	// the data, as it wrote them: hints, never dialled here.
	Delegates []string
	// Info is the service's free-form information ("status_details").
	Info map[string]string
}

// The bounds of a pinning service's answers and of what is sent to it.
const (
	// maxPinningAnswer bounds the bytes of one answer read into memory.
	maxPinningAnswer = 1 << 20
	// maxPinName is the protocol's bound of a pin's name.
	maxPinName = 255
	// maxOrigins bounds the origins sent with a pin.
	maxOrigins = 32
	// maxRequestID bounds a request id the service gives.
	maxRequestID = 512
	// listLimit is the most pin requests of one CID listed at once (the
	// protocol's own maximum is 1000).
	listLimit = 1000
)

// A PinningService speaks the IPFS Pinning Service API
// (https://ipfs.github.io/pinning-services-api-spec/) through boxo's
// generated client for it (github.com/ipfs/boxo/pinning/remote/client,
// its openapi package: the wrapper beside it offers no way to bound an
// answer, choose the HTTP client, or refuse redirects). It pins a CID,
// waits until the service says it is pinned, reads a CID's status and
// removes its pins.
//
// Every call has a deadline ([PinningService.Timeout]), every answer is
// bounded (1 MiB) and checked against the question (the pin's CID must
// be the one asked about, its status one of the protocol's), redirects
// are refused (so the token is never sent elsewhere), and the token is
// never logged, printed or put in an error. A status is the service's
// word, not a proof: see the package documentation.
//
// Create one with [NewPinningService]; it is safe for concurrent use once
// its fields are set.
type PinningService struct {
	endpoint string
	token    string

	// Client makes the requests (its Transport and TLS settings are
	// used; its redirect policy is not: redirects are refused). With no
	// Client or no Transport, the transport has http.DefaultTransport's
	// settings but dials the name "localhost" at 127.0.0.1 or ::1 only,
	// never through the resolver, so a plain-http localhost endpoint's
	// token stays on this machine. A Transport given is used as is: it
	// decides where "localhost" goes.
	Client *http.Client
	// Timeout bounds each call; 1 minute if 0.
	Timeout time.Duration
	// PollInterval is the wait between two status reads in
	// [PinningService.WaitPinned]; 1 second if 0.
	PollInterval time.Duration
}

// NewPinningService returns a client of the pinning service at endpoint
// (the API's base URL, without /pins: e.g. https://api.example.com/psa),
// sending token as a bearer token (none if empty). The endpoint must be
// https, or http on a loopback address (127.0.0.0/8, ::1, localhost):
// the token is never sent in the clear over a network. The name
// localhost is dialled on the loopback interface only (see
// [PinningService.Client]): a hosts entry or a resolver cannot send it
// elsewhere.
func NewPinningService(endpoint, token string) (*PinningService, error) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, badInput("pinning service endpoint %q: an https URL without credentials, query or fragment", endpoint)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !loopbackHost(u.Hostname()) {
			return nil, badInput("pinning service endpoint %q: plain http only on a loopback address", endpoint)
		}
	default:
		return nil, badInput("pinning service endpoint %q: not https", endpoint)
	}
	for i := 0; i < len(token); i++ {
		if c := token[i]; c < 0x21 || c > 0x7e {
			return nil, badInput("pinning service token: not printable ASCII without spaces")
		}
	}
	return &PinningService{endpoint: strings.TrimRight(u.String(), "/"), token: token}, nil
}

func loopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// Endpoint returns the service's base URL.
func (p *PinningService) Endpoint() string { return p.endpoint }

// String names the service by its endpoint, never its token.
func (p *PinningService) String() string { return "pinning service " + p.endpoint }

// GoString is String: %#v does not print the token either.
func (p *PinningService) GoString() string { return p.String() }

// api returns boxo's client for one call, bounded by p's limits, and the
// transport that keeps the call's answer.
func (p *PinningService) api() (*openapi.APIClient, *boundedTransport) {
	base := http.DefaultClient
	if p.Client != nil {
		base = p.Client
	}
	rt := base.Transport
	if rt == nil {
		rt = loopback.Transport()
	}
	bt := &boundedTransport{base: rt, max: maxPinningAnswer}
	hc := &http.Client{
		Transport: bt,
		Jar:       base.Jar,
		Timeout:   base.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	cfg := openapi.NewConfiguration()
	cfg.UserAgent = "selfattest"
	cfg.HTTPClient = hc
	cfg.Servers = openapi.ServerConfigurations{{URL: p.endpoint}}
	if p.token != "" {
		cfg.AddDefaultHeader("Authorization", "Bearer "+p.token)
	}
	return openapi.NewAPIClient(cfg), bt
}

func (p *PinningService) callContext(ctx context.Context) (context.Context, context.CancelFunc) {
	t := p.Timeout
	if t <= 0 {
		t = time.Minute
	}
	return context.WithTimeout(ctx, t)
}

// Add asks the service to pin c, named name (at most 255 bytes; none if
// empty), with origins as provider hints (the multiaddrs of a node that
// has c), and returns the request as the service accepted it, usually
// queued. It does not wait: see [PinningService.Pin].
func (p *PinningService) Add(ctx context.Context, c cid.Cid, name string, origins []multiaddr.Multiaddr) (PinInfo, error) {
	if !c.Defined() {
		return PinInfo{}, badInput("pin: an undefined CID")
	}
	if len(name) > maxPinName {
		return PinInfo{}, badInput("pin: a name of %d bytes, above %d", len(name), maxPinName)
	}
	if len(origins) > maxOrigins {
		return PinInfo{}, badInput("pin: %d origins, above %d", len(origins), maxOrigins)
	}
	pin := openapi.Pin{Cid: c.String()}
	if name != "" {
		pin.SetName(name)
	}
	if len(origins) > 0 {
		o := make([]string, len(origins))
		for i, m := range origins {
			o[i] = m.String()
		}
		pin.SetOrigins(o)
	}
	ctx, cancel := p.callContext(ctx)
	defer cancel()
	api, _ := p.api()
	ps, resp, err := api.PinsApi.PinsPost(ctx).Pin(pin).Execute()
	if err := p.failure("POST /pins", resp, err); err != nil {
		return PinInfo{}, err
	}
	return p.checkPinStatus(ps, c)
}

// Get reads the pin request id, which must be a request of c. A request
// the service does not know (HTTP 404) is [PinNone], not an error.
func (p *PinningService) Get(ctx context.Context, id string, c cid.Cid) (PinInfo, error) {
	if id == "" || len(id) > maxRequestID {
		return PinInfo{}, badInput("pin request id of %d bytes", len(id))
	}
	ctx, cancel := p.callContext(ctx)
	defer cancel()
	api, _ := p.api()
	ps, resp, err := api.PinsApi.PinsRequestidGet(ctx, id).Execute()
	if err != nil && resp != nil && resp.StatusCode == http.StatusNotFound {
		return PinInfo{RequestID: id, CID: c, Status: PinNone}, nil
	}
	if err := p.failure("GET /pins/{requestid}", resp, err); err != nil {
		return PinInfo{}, err
	}
	info, err := p.checkPinStatus(ps, c)
	if err == nil && info.RequestID != id {
		return PinInfo{}, fmt.Errorf("%w: asked for request %q, the service answered with %q", ErrPinningAnswer, id, p.strip(info.RequestID))
	}
	return info, err
}

// List returns every pin request of c the service has, whatever its
// status (at most 1000; the protocol lists only pinned requests unless
// asked for the others, so all four statuses are asked for).
func (p *PinningService) List(ctx context.Context, c cid.Cid) ([]PinInfo, error) {
	if !c.Defined() {
		return nil, badInput("pin list: an undefined CID")
	}
	ctx, cancel := p.callContext(ctx)
	defer cancel()
	api, bt := p.api()
	res, resp, err := api.PinsApi.PinsGet(ctx).
		Cid([]string{c.String()}).
		Status([]openapi.Status{openapi.QUEUED, openapi.PINNING, openapi.PINNED, openapi.FAILED}).
		Limit(listLimit).
		Execute()
	if err := p.failure("GET /pins", resp, err); err != nil {
		return nil, err
	}
	// boxo's client reads an empty answer, or {}, as no results: the
	// protocol requires both members. (A results of null is read as no
	// results: Go services write an empty list so.)
	if err := requireMembers(bt.body(), "count", "results"); err != nil {
		return nil, err
	}
	return p.checkPinResults(res, c)
}

// Status returns where c stands at the service: of all its requests for
// c, the one furthest along (pinned, then pinning, queued, failed), or
// [PinNone] if it has none.
func (p *PinningService) Status(ctx context.Context, c cid.Cid) (PinInfo, error) {
	infos, err := p.List(ctx, c)
	if err != nil {
		return PinInfo{}, err
	}
	return bestPin(infos, c), nil
}

func bestPin(infos []PinInfo, c cid.Cid) PinInfo {
	best := PinInfo{CID: c, Status: PinNone}
	for _, in := range infos {
		if in.Status.rank() > best.Status.rank() {
			best = in
		}
	}
	return best
}

// WaitPinned reads the request id of c every PollInterval until the
// service says it is pinned, and returns it. A request that failed, or
// that the service no longer has, is [ErrPinFailed]; a request still
// queued or pinning when ctx ends is [ErrPinPending]. Give ctx a
// deadline: pinning a DAG the service must fetch can take long.
func (p *PinningService) WaitPinned(ctx context.Context, id string, c cid.Cid) (PinInfo, error) {
	interval := p.PollInterval
	if interval <= 0 {
		interval = time.Second
	}
	for {
		info, err := p.Get(ctx, id, c)
		if err != nil {
			if ctx.Err() != nil {
				return PinInfo{}, fmt.Errorf("%w: %s: %w", ErrPinPending, c, err)
			}
			return PinInfo{}, err
		}
		switch info.Status {
		case PinPinned:
			return info, nil
		case PinFailed:
			return info, fmt.Errorf("%w: %s (request %q): %s", ErrPinFailed, c, id, p.statusDetails(info))
		case PinNone:
			return info, fmt.Errorf("%w: %s: the service no longer has request %q", ErrPinFailed, c, id)
		}
		t := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return info, fmt.Errorf("%w: %s is %s at the service: %w", ErrPinPending, c, info.Status, ctx.Err())
		case <-t.C:
		}
	}
}

// Pin pins c at the service and waits until it is pinned (see
// [PinningService.WaitPinned]). A request of c the service already has
// and has not failed is waited for rather than made again, so pinning a
// CID twice is one pin.
func (p *PinningService) Pin(ctx context.Context, c cid.Cid, name string, origins []multiaddr.Multiaddr) (PinInfo, error) {
	if err := ctx.Err(); err != nil {
		return PinInfo{}, fmt.Errorf("%w: %w", ErrCouldNotCheck, err)
	}
	info, err := p.Status(ctx, c)
	if err != nil {
		return PinInfo{}, err
	}
	switch {
	case info.Status == PinPinned:
		return info, nil
	case info.Status.Pending():
	default: // none, or only failed requests: ask again
		if info, err = p.Add(ctx, c, name, origins); err != nil {
			return PinInfo{}, err
		}
		if info.Status == PinPinned {
			return info, nil
		}
	}
	return p.WaitPinned(ctx, info.RequestID, c)
}

// Remove deletes every pin request of c the service has. A CID the
// service does not pin is removed already: not an error.
func (p *PinningService) Remove(ctx context.Context, c cid.Cid) error {
	infos, err := p.List(ctx, c)
	if err != nil {
		return err
	}
	for _, in := range infos {
		if err := p.Delete(ctx, in.RequestID); err != nil {
			return err
		}
	}
	return nil
}

// Delete deletes the pin request id. A request the service does not know
// (HTTP 404) is deleted already: not an error.
func (p *PinningService) Delete(ctx context.Context, id string) error {
	if id == "" || len(id) > maxRequestID {
		return badInput("pin request id of %d bytes", len(id))
	}
	ctx, cancel := p.callContext(ctx)
	defer cancel()
	api, _ := p.api()
	resp, err := api.PinsApi.PinsRequestidDelete(ctx, id).Execute()
	if err != nil && resp != nil && resp.StatusCode == http.StatusNotFound {
		return nil
	}
	return p.failure("DELETE /pins/{requestid}", resp, err)
}

// A PinningError is an HTTP error of a pinning service other than a
// refused token: the protocol's Failure (reason and details) when the
// service sent one. It wraps [ErrCouldNotCheck]: the service did not do
// what was asked, which says nothing of the content.
type PinningError struct {
	Op      string // "POST /pins"
	Status  int    // HTTP status
	Reason  string // Failure.error.reason, if any
	Details string // Failure.error.details, if any
}

func (e *PinningError) Error() string {
	s := fmt.Sprintf("ipfs: could not check: pinning service %s: HTTP %d", e.Op, e.Status)
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	if e.Details != "" {
		s += ": " + e.Details
	}
	return s
}

// Unwrap returns [ErrCouldNotCheck].
func (e *PinningError) Unwrap() error { return ErrCouldNotCheck }

// failure classifies the outcome of one call of boxo's client: nil when
// it succeeded, else an error beneath one of the package's sentinels.
// Whatever the service wrote is quoted, bounded, and stripped of the
// token should the service echo it.
func (p *PinningService) failure(op string, resp *http.Response, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrTooLarge) {
		return fmt.Errorf("pinning service %s: %w", op, err)
	}
	if resp == nil {
		// No answer: refused, reset, deadline, cancelled.
		var oe openapi.GenericOpenAPIError
		if errors.As(err, &oe) {
			return fmt.Errorf("%w: pinning service %s: %s", ErrCouldNotCheck, op, p.clean(oe.Error()))
		}
		return couldNotCheck("pinning service "+op, err)
	}
	var oe openapi.GenericOpenAPIError
	if !errors.As(err, &oe) {
		// The body could not be read (the connection broke, or the
		// deadline passed mid-answer).
		return couldNotCheck("pinning service "+op, err)
	}
	code := resp.StatusCode
	switch {
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return fmt.Errorf("%w: pinning service %s: HTTP %d", ErrPinningAuth, op, code)
	case code >= 300 && code < 400:
		return fmt.Errorf("%w: pinning service %s: a redirect (HTTP %d), refused", ErrPinningAnswer, op, code)
	case code >= 400:
		pe := &PinningError{Op: op, Status: code}
		if f, ok := oe.Model().(openapi.Failure); ok {
			pe.Reason, pe.Details = p.clean(f.Error.GetReason()), p.clean(f.Error.GetDetails())
		}
		return pe
	}
	// A success status whose body is not the schema's.
	return fmt.Errorf("%w: pinning service %s: HTTP %d: %s", ErrPinningAnswer, op, code, p.clean(oe.Error()))
}

// clean bounds a string the service wrote, quotes it, and removes the
// token from it.
func (p *PinningService) clean(s string) string {
	s = p.strip(s)
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return fmt.Sprintf("%q", s)
}

// strip removes the token from a string the service wrote, before it
// goes into an error: a service may echo it anywhere.
func (p *PinningService) strip(s string) string {
	if p.token != "" {
		s = strings.ReplaceAll(s, p.token, "[token]")
	}
	return s
}

// statusDetails quotes the service's status_details of a pin, cleaned.
func (p *PinningService) statusDetails(in PinInfo) string {
	if d := in.Info["status_details"]; d != "" {
		return p.clean(d)
	}
	return "no details"
}

// checkPinStatus turns the service's PinStatus into a PinInfo, refusing
// one that is not about want or not of the protocol.
func (p *PinningService) checkPinStatus(ps openapi.PinStatus, want cid.Cid) (PinInfo, error) {
	if ps.Requestid == "" || len(ps.Requestid) > maxRequestID {
		return PinInfo{}, fmt.Errorf("%w: a pin status with a request id of %d bytes", ErrPinningAnswer, len(ps.Requestid))
	}
	st := PinStatus(ps.Status)
	if st.rank() == 0 {
		return PinInfo{}, fmt.Errorf("%w: status %q", ErrPinningAnswer, truncate(p.strip(string(ps.Status))))
	}
	got, err := cid.Parse(ps.Pin.Cid)
	if err != nil {
		return PinInfo{}, fmt.Errorf("%w: pin.cid %q: %w", ErrPinningAnswer, truncate(p.strip(ps.Pin.Cid)), err)
	}
	if !got.Equals(want) {
		return PinInfo{}, fmt.Errorf("%w: the service answered about %s, not %s", ErrPinningAnswer, got, want)
	}
	in := PinInfo{
		RequestID: ps.Requestid,
		Status:    st,
		CID:       got,
		Name:      ps.Pin.GetName(),
		Created:   ps.Created,
		Delegates: ps.Delegates,
	}
	if ps.Info != nil {
		in.Info = *ps.Info
	}
	return in, nil
}

// checkPinResults checks a listing asked for want: every result must be
// a pin of want, and the count no fewer than the results.
func (p *PinningService) checkPinResults(res openapi.PinResults, want cid.Cid) ([]PinInfo, error) {
	if res.Count < 0 || int(res.Count) < len(res.Results) {
		return nil, fmt.Errorf("%w: count %d with %d results", ErrPinningAnswer, res.Count, len(res.Results))
	}
	out := make([]PinInfo, 0, len(res.Results))
	for _, ps := range res.Results {
		in, err := p.checkPinStatus(ps, want)
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, nil
}

// requireMembers refuses an answer that is not a JSON object with each
// of members.
func requireMembers(body []byte, members ...string) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return fmt.Errorf("%w: %w", ErrPinningAnswer, err)
	}
	for _, k := range members {
		if _, ok := m[k]; !ok {
			return fmt.Errorf("%w: no %q", ErrPinningAnswer, k)
		}
	}
	return nil
}

func truncate(s string) string {
	if len(s) > 100 {
		return s[:100] + "…"
	}
	return s
}

// boundedTransport refuses an answer above max bytes: reading past it
// fails with [ErrTooLarge], so boxo's client, which reads the whole body,
// stops there.
type boundedTransport struct {
	base http.RoundTripper
	max  int64

	mu   sync.Mutex
	last *boundedBody
}

// body returns what was read of the last answer.
func (b *boundedTransport) body() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.last == nil {
		return nil
	}
	return b.last.got.Bytes()
}

func (b *boundedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := b.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	if resp.ContentLength > b.max {
		resp.Body.Close()
		return nil, fmt.Errorf("%w: %d bytes announced, above %d", ErrTooLarge, resp.ContentLength, b.max)
	}
	bb := &boundedBody{rc: resp.Body, max: b.max, left: b.max}
	b.mu.Lock()
	b.last = bb
	b.mu.Unlock()
	resp.Body = bb
	return resp, nil
}

type boundedBody struct {
	rc        io.ReadCloser
	max, left int64
	got       bytes.Buffer // what was read, at most max bytes
}

func (b *boundedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, fmt.Errorf("%w: above %d bytes", ErrTooLarge, b.max)
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	b.got.Write(p[:n])
	if b.left < 0 {
		return n, fmt.Errorf("%w: above %d bytes", ErrTooLarge, b.max)
	}
	return n, err
}

func (b *boundedBody) Close() error { return b.rc.Close() }
