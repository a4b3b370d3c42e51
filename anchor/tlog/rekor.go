package tlog

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	rekortilespb "github.com/sigstore/rekor-tiles/v2/pkg/generated/protobuf"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/ats-run/selfattest/anchor"
	vtlog "github.com/ats-run/selfattest/verify/tlog"
	"github.com/ats-run/selfattest/verify/tlog/logfetch"
)

// RekorEntriesPath is where a Rekor v2 server takes new entries.
const RekorEntriesPath = "/api/v2/log/entries"

// maxRekorAnswer bounds the body of a Rekor v2 answer read.
const maxRekorAnswer = 1 << 20

// RekorOptions name a Rekor v2 log and the archivist's key for a
// [RekorAnchorer].
type RekorOptions struct {
	// URL is the log's write API base (https, or http to a loopback
	// host): entries are POSTed to URL + [RekorEntriesPath].
	URL string
	// TilesURL is the base of the log's C2SP tlog-tiles read API
	// (checkpoint, tile/…). Empty means URL, as public Rekor v2 shards
	// serve both.
	TilesURL string
	// Origin is the log's checkpoint origin (its host name, for Rekor v2).
	Origin string
	// LogKeys are the keys the log signs checkpoints with, named Origin.
	LogKeys []*vtlog.LogKey
	// Key is the archivist's Ed25519 key: every entry is a hashedrekord
	// of a root's statement signed by it (Ed25519ph).
	Key ed25519.PrivateKey
	// Transport carries every request; nil means a private
	// http.Transport without proxy.
	Transport http.RoundTripper
	// Timeout bounds each Anchor and Check (and each request), on top of
	// its context. 0 means [DefaultAnchorTimeout].
	Timeout time.Duration
	// Wait is how long Check waits for a checkpoint that commits to a
	// pending anchor. 0 means [DefaultRekorWait].
	Wait time.Duration
	// Retries is how many times a read of the tiles that could not
	// complete is tried again (logfetch.HTTPOptions.Retries): 0 means 3,
	// negative none.
	Retries int
}

// A RekorAnchorer anchors roots to a Rekor v2 log: Anchor logs a
// hashedrekord entry of root's [Statement] signed by the archivist's key
// and returns the pending entry; Check reads the log's tiles (never the
// write API's answer) until a checkpoint commits to it and returns the
// complete entry, final. It implements [anchor.Anchorer].
//
// A second Anchor of a root returns the first anchor: the request is the
// same (Ed25519ph is deterministic), and Rekor v2 refuses a duplicate with
// the first entry's index. A Rekor v2 server remembers entries for that
// purpose in a cache of 256 unless it runs with persistent antispam; the
// anchorer also remembers the roots it anchored itself.
type RekorAnchorer struct {
	opts   RekorOptions
	client *http.Client
	v      *Verifier
	r      *logReader
	pub    []byte // PKIX DER of the archivist's key

	mu     sync.Mutex
	byRoot map[anchor.Hash]uint64
}

// NewRekorAnchorer returns the anchorer of the Rekor v2 log opts names.
// Missing or malformed options are an error wrapping [anchor.ErrBadInput].
func NewRekorAnchorer(opts RekorOptions) (*RekorAnchorer, error) {
	if len(opts.Key) != ed25519.PrivateKeySize {
		return nil, badEntry("Key", "not an Ed25519 private key")
	}
	if opts.Timeout < 0 || opts.Wait < 0 {
		return nil, badEntry("options", "negative time")
	}
	if opts.Timeout == 0 {
		opts.Timeout = DefaultAnchorTimeout
	}
	if opts.Wait == 0 {
		opts.Wait = DefaultRekorWait
	}
	if opts.TilesURL == "" {
		opts.TilesURL = opts.URL
	}
	u, err := url.Parse(opts.URL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname()))) {
		return nil, badEntry("URL", "not https, nor http to a loopback host")
	}
	opts.URL = strings.TrimSuffix(opts.URL, "/")
	v, err := NewVerifier(opts.Origin, opts.LogKeys, VerifierOptions{})
	if err != nil {
		return nil, err
	}
	if opts.Transport == nil {
		opts.Transport = &http.Transport{Proxy: nil, ResponseHeaderTimeout: opts.Timeout}
	}
	f, err := logfetch.NewHTTPFetcher(opts.TilesURL, logfetch.HTTPOptions{Timeout: opts.Timeout, Retries: opts.Retries, Transport: opts.Transport})
	if err != nil {
		return nil, &anchor.FormatError{Field: "TilesURL", Reason: "not a log's tiles URL", Err: err}
	}
	pub, _, err := signRoot(opts.Key, anchor.Hash{})
	if err != nil {
		return nil, &anchor.FormatError{Field: "Key", Reason: "cannot sign", Err: err}
	}
	return &RekorAnchorer{
		opts:   opts,
		client: &http.Client{Transport: opts.Transport, Timeout: opts.Timeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		v:      v,
		r: &logReader{
			origin: opts.Origin, keys: v.keys,
			checkpoint: f.Checkpoint, tiles: f.Tile, bundles: f.EntryBundle,
			poll: 100 * time.Millisecond,
		},
		pub:    pub,
		byRoot: map[anchor.Hash]uint64{},
	}, nil
}

func isLoopback(host string) bool {
	return host == "127.0.0.1" || host == "::1" || host == "localhost"
}

// Name returns the log's origin: the "target" of its entries.
func (a *RekorAnchorer) Name() string { return a.opts.Origin }

// Verifier returns the offline verifier of the log's entries.
func (a *RekorAnchorer) Verifier() anchor.AnchorVerifier { return a.v }

// OnlineVerifier returns the verifier that also checks the log's latest
// checkpoint, read from its tiles, against the entry's.
func (a *RekorAnchorer) OnlineVerifier() *OnlineVerifier {
	return &OnlineVerifier{Verifier: a.v, checkpoint: a.r.checkpoint, tiles: a.r.tiles, timeout: a.opts.Timeout}
}

// Anchor logs root's statement, signed, and returns the pending entry;
// a root the log already holds (a duplicate, 409) gets that entry.
func (a *RekorAnchorer) Anchor(ctx context.Context, root anchor.Hash) (anchor.Entry, error) {
	if err := ctx.Err(); err != nil {
		return anchor.Entry{}, fmt.Errorf("%w: anchor/tlog: %w", anchor.ErrCouldNotCheck, err)
	}
	ctx, cancel := context.WithTimeout(ctx, a.opts.Timeout)
	defer cancel()
	pub, sig, err := signRoot(a.opts.Key, root)
	if err != nil {
		return anchor.Entry{}, &anchor.FormatError{Field: "Key", Reason: "cannot sign", Err: err}
	}
	x := &AnchorEntry{Kind: Kind, Target: a.opts.Origin, PublicKey: pub, Signature: sig}
	a.mu.Lock()
	idx, ok := a.byRoot[root]
	a.mu.Unlock()
	if !ok {
		if idx, err = a.post(ctx, root, pub, sig); err != nil {
			return anchor.Entry{}, err
		}
		a.mu.Lock()
		a.byRoot[root] = idx
		a.mu.Unlock()
	}
	x.Index = idx
	return x.Entry()
}

// post sends the hashedrekord request and returns the entry's index.
func (a *RekorAnchorer) post(ctx context.Context, root anchor.Hash, pub, sig []byte) (uint64, error) {
	hr := hashedRekordRequest(root, pub, sig)
	want, err := rekorBody(hr)
	if err != nil {
		return 0, &anchor.FormatError{Field: "Key", Reason: "rekor-tiles refuses our own request", Err: err}
	}
	payload, err := protojson.Marshal(&rekortilespb.CreateEntryRequest{Spec: &rekortilespb.CreateEntryRequest_HashedRekordRequestV002{HashedRekordRequestV002: hr}})
	if err != nil {
		return 0, &anchor.FormatError{Field: "request", Reason: "protojson", Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.opts.URL+RekorEntriesPath, bytes.NewReader(payload))
	if err != nil {
		return 0, &anchor.FormatError{Field: "URL", Reason: "cannot make a request", Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := a.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("%w: anchor/tlog: Rekor v2 at %s: %w", anchor.ErrCouldNotCheck, a.opts.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxRekorAnswer+1))
	if err != nil {
		return 0, fmt.Errorf("%w: anchor/tlog: Rekor v2 at %s: reading the answer: %w", anchor.ErrCouldNotCheck, a.opts.URL, err)
	}
	if len(body) > maxRekorAnswer {
		return 0, fmt.Errorf("%w: anchor/tlog: Rekor v2 at %s: an answer of more than %d bytes", anchor.ErrCouldNotCheck, a.opts.URL, maxRekorAnswer)
	}
	switch {
	case resp.StatusCode == http.StatusCreated:
		tle := new(protorekor.TransparencyLogEntry)
		if err := protojson.Unmarshal(body, tle); err != nil {
			return 0, fmt.Errorf("%w: anchor/tlog: Rekor v2 at %s: the answer is not a transparency log entry: %w", anchor.ErrCouldNotCheck, a.opts.URL, err)
		}
		if tle.LogIndex < 0 {
			return 0, fmt.Errorf("%w: anchor/tlog: Rekor v2 at %s: the answer has log index %d", anchor.ErrCouldNotCheck, a.opts.URL, tle.LogIndex)
		}
		// Only the index is used; Check proves the rest from the tiles.
		// A body other than the one we sent for is a log that logs
		// something else than asked.
		if !bytes.Equal(tle.CanonicalizedBody, want) {
			return 0, reject(fmt.Sprintf("Rekor v2 at %s logged a body other than root's hashedrekord at index %d", a.opts.URL, tle.LogIndex), nil)
		}
		return uint64(tle.LogIndex), nil
	case resp.StatusCode == http.StatusConflict:
		n, err := strconv.ParseUint(resp.Header.Get("X-Log-Index"), 10, 63)
		if err != nil {
			return 0, fmt.Errorf("%w: anchor/tlog: Rekor v2 at %s: a duplicate without a valid X-Log-Index: %w", anchor.ErrCouldNotCheck, a.opts.URL, err)
		}
		return n, nil
	case resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusRequestTimeout:
		return 0, fmt.Errorf("%w: anchor/tlog: Rekor v2 at %s refused the entry: %s: %s", anchor.ErrBadInput, a.opts.URL, resp.Status, printable(body))
	default:
		return 0, fmt.Errorf("%w: anchor/tlog: Rekor v2 at %s: %s: %s", anchor.ErrCouldNotCheck, a.opts.URL, resp.Status, printable(body))
	}
}

// printable returns the start of b with anything but printable ASCII
// replaced, for error messages.
func printable(b []byte) string {
	b = b[:min(len(b), 200)]
	out := make([]byte, len(b))
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			c = '.'
		}
		out[i] = c
	}
	return string(out)
}

// Check reports the state of entry's anchor of root: pending until a
// checkpoint of the log commits to it (Check waits up to
// [RekorOptions].Wait), then final with the complete entry, built from
// the log's tiles and verified. A complete entry is verified and its
// checkpoint proven consistent with the log's latest.
func (a *RekorAnchorer) Check(ctx context.Context, root anchor.Hash, entry anchor.Entry) (anchor.Status, error) {
	if err := ctx.Err(); err != nil {
		return anchor.Status{}, fmt.Errorf("%w: anchor/tlog: %w", anchor.ErrCouldNotCheck, err)
	}
	ctx, cancel := context.WithTimeout(ctx, a.opts.Timeout)
	defer cancel()
	if x, err := ParseEntry(entry); err == nil && !x.Signed() {
		return anchor.Status{}, reject("a Rekor v2 log's entries are signed entries, not statements", nil)
	}
	return a.r.check(ctx, a.v, root, entry, a.opts.Wait)
}

var _ anchor.Anchorer = (*RekorAnchorer)(nil)
