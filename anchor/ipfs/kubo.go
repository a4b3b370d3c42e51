package ipfs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/ats-run/selfattest"
)

// maxRPCAnswer bounds an answer of the Kubo RPC API read into memory.
const maxRPCAnswer = 1 << 20

// A Kubo publishes archives through a Kubo node's RPC API
// (/api/v0/dag/import, /api/v0/pin/add, /api/v0/pin/ls). The API grants
// full control of the node: point it only at a node you run, on loopback
// or behind authentication.
type Kubo struct {
	// URL is the RPC API's base URL, e.g. http://127.0.0.1:5001.
	URL string
	// Client makes the requests; http.DefaultClient if nil.
	Client *http.Client
	// Timeout bounds each call, upload included; 10 minutes if 0.
	Timeout time.Duration
}

func (k *Kubo) post(ctx context.Context, path string, args url.Values, body io.Reader, contentType string) ([]byte, error) {
	timeout := k.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	base, err := url.Parse(strings.TrimRight(k.URL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, badInput("Kubo RPC URL %q", k.URL)
	}
	u := base.JoinPath("api", "v0", path)
	u.RawQuery = args.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), body)
	if err != nil {
		return nil, badInput("Kubo request: %w", err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	client := k.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, couldNotCheck("Kubo "+path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxRPCAnswer+1))
	if err != nil {
		return nil, couldNotCheck("Kubo "+path, err)
	}
	if len(data) > maxRPCAnswer {
		return nil, fmt.Errorf("%w: Kubo %s: answer above %d bytes", ErrTooLarge, path, maxRPCAnswer)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Message string }
		json.Unmarshal(data, &e)
		return nil, &RPCError{Path: path, Status: resp.StatusCode, Message: e.Message}
	}
	return data, nil
}

// An RPCError is an HTTP error of the Kubo RPC API. It wraps
// [ErrCouldNotCheck]: the node did not do what was asked, which says
// nothing of the content.
type RPCError struct {
	Path    string
	Status  int
	Message string
}

func (e *RPCError) Error() string {
	return fmt.Sprintf("ipfs: could not check: Kubo %s: HTTP %d: %s", e.Path, e.Status, e.Message)
}

// Unwrap returns [ErrCouldNotCheck].
func (e *RPCError) Unwrap() error { return ErrCouldNotCheck }

// DagImport sends a CAR (read from car) to the node, which stores its
// blocks and pins its root; it returns nil once the node reports want
// pinned.
//
// The errors tell whose failure it was. When reading car fails, the
// import breaks off and DagImport returns car's error as it is when it is
// of one of the three classes (selfattest.ErrRejected, ErrBadInput,
// ErrCouldNotCheck: an [ErrBlockHash] of the archive, an anchor.ErrAnchor,
// stays a rejection, never could-not-check as well), or beneath
// [ErrCouldNotCheck] when it is of none. When the node or the connection to it fails (an
// HTTP error, [RPCError], no answer, an answer that does not say want is
// pinned), the error is [ErrCouldNotCheck] alone: the node's failure
// says nothing of the content. A bad [Kubo.URL] is [ErrBadInput].
func (k *Kubo) DagImport(ctx context.Context, car io.Reader, want cid.Cid) error {
	src := &carSource{r: car}
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		part, err := mw.CreateFormFile("file", "archive.car")
		if err == nil {
			_, err = io.Copy(part, src)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	data, err := k.post(ctx, "dag/import", url.Values{"pin-roots": {"true"}}, pr, mw.FormDataContentType())
	pr.Close()
	// A failure of car, recorded before it reached the request, is what
	// broke the import off, whatever the transport or the node made of
	// the truncated upload.
	if rerr := src.failure(); rerr != nil {
		if errors.Is(rerr, selfattest.ErrRejected) || errors.Is(rerr, selfattest.ErrBadInput) || errors.Is(rerr, selfattest.ErrCouldNotCheck) {
			return rerr
		}
		return couldNotCheck("Kubo dag/import: reading the CAR", rerr)
	}
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		var line struct {
			Root *struct {
				Cid struct {
					Slash string `json:"/"`
				}
				PinErrorMsg string
			}
		}
		if err := dec.Decode(&line); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return fmt.Errorf("%w: Kubo dag/import: %w", ErrCouldNotCheck, err)
		}
		if line.Root == nil {
			continue
		}
		if line.Root.PinErrorMsg != "" {
			return fmt.Errorf("%w: Kubo dag/import: pin: %s", ErrCouldNotCheck, line.Root.PinErrorMsg)
		}
		if line.Root.Cid.Slash == want.String() {
			return nil
		}
	}
	return fmt.Errorf("%w: Kubo dag/import did not report root %s pinned", ErrCouldNotCheck, want)
}

// PinAdd pins c recursively.
func (k *Kubo) PinAdd(ctx context.Context, c cid.Cid) error {
	_, err := k.post(ctx, "pin/add", url.Values{"arg": {c.String()}, "recursive": {"true"}}, nil, "")
	return err
}

// PinRm unpins c.
func (k *Kubo) PinRm(ctx context.Context, c cid.Cid) error {
	_, err := k.post(ctx, "pin/rm", url.Values{"arg": {c.String()}}, nil, "")
	return err
}

// Pinned reports whether the node pins c (recursively or directly).
func (k *Kubo) Pinned(ctx context.Context, c cid.Cid) (bool, error) {
	data, err := k.post(ctx, "pin/ls", url.Values{"arg": {c.String()}, "type": {"all"}}, nil, "")
	var re *RPCError
	if errors.As(err, &re) && re.Status == http.StatusInternalServerError && strings.Contains(re.Message, "not pinned") {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	var ans struct {
		Keys map[string]struct{ Type string }
	}
	if err := json.Unmarshal(data, &ans); err != nil {
		return false, fmt.Errorf("%w: Kubo pin/ls: %w", ErrCouldNotCheck, err)
	}
	k2, ok := ans.Keys[c.String()]
	return ok && (k2.Type == "recursive" || k2.Type == "direct"), nil
}

// Publish sends the archive root in s to the node as a CAR
// ([ExportCAR], streamed) through /api/v0/dag/import, which stores every
// block and pins root. An archive that does not verify in s is not
// published: the export stops at the first bad block, the import breaks
// off unfinished and unpinned, and the error returned is the archive's.
func (k *Kubo) Publish(ctx context.Context, s *Store, root cid.Cid, lim Limits) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pr, pw := io.Pipe()
	exported := make(chan error, 1)
	go func() {
		err := ExportCAR(ctx, s, root, pw, lim)
		pw.CloseWithError(err)
		exported <- err
	}()
	err := k.DagImport(ctx, pr, root)
	pr.CloseWithError(errors.New("ipfs: publish ended"))
	cancel()
	eerr := <-exported
	if errors.Is(eerr, ErrRejected) {
		return eerr // the archive's fault, whatever the node made of it
	}
	if err != nil {
		return err
	}
	return eerr
}

// A carSource reads the CAR DagImport uploads and records the first
// error reading it returns (io.EOF aside), so that DagImport can tell a
// failure of the CAR from one of the node or the transport. The error is
// recorded before Read returns it, so before it can end the upload.
type carSource struct {
	r   io.Reader
	mu  sync.Mutex
	err error
}

func (c *carSource) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err != nil && err != io.EOF { // io.Copy ends cleanly on io.EOF itself only
		c.mu.Lock()
		if c.err == nil {
			c.err = err
		}
		c.mu.Unlock()
	}
	return n, err
}

func (c *carSource) failure() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}
