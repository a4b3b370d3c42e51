package ipfs

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ipfs/go-cid"
)

// CARMediaType is the media type a trustless gateway answers a CAR
// request with (IPIP-402).
const CARMediaType = "application/vnd.ipld.car"

// A Gateway retrieves archives from a trustless HTTP gateway (Kubo's,
// Rainbow, boxo's gateway handler) as CARs and verifies them: the gateway
// is trusted for nothing but availability.
type Gateway struct {
	// URL is the gateway's base URL, e.g. http://127.0.0.1:8080.
	URL string
	// Client makes the requests; http.DefaultClient if nil.
	Client *http.Client
	// Limits bound the answer.
	Limits Limits
	// Timeout is the one deadline of a retrieval, request and whole
	// answer; 10 minutes if 0.
	Timeout time.Duration
}

// Fetch retrieves the DAG of root into s and verifies it as [ImportCAR]
// does: every block against its CID, the DAG walked from root, no block
// missing or extra, every size. It asks for
// /ipfs/<root>?format=car&dag-scope=all&dups=n with Accept
// application/vnd.ipld.car;version=1;order=dfs;dups=n.
//
// A gateway that does not answer, answers with an HTTP error or another
// media type, breaks off, or passes the deadline is [ErrCouldNotCheck];
// an answer above the limits is [ErrTooLarge]; content that does not
// verify is rejected ([ErrRejected] and a finer sentinel).
func (g *Gateway) Fetch(ctx context.Context, root cid.Cid, s *Store) (*Stat, error) {
	if !root.Defined() {
		return nil, badInput("undefined root CID")
	}
	timeout := g.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	body, err := g.get(ctx, root, nil)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	st, err := ImportCAR(ctx, body, root, s, g.Limits)
	if err != nil && ctx.Err() != nil {
		return nil, fmt.Errorf("%w: %w", ErrCouldNotCheck, ctx.Err())
	}
	return st, err
}

// FetchPath retrieves the file or folder at path (names separated by
// "/") under the folder root, and verifies it as [ImportCARPath] does:
// the CAR's root must be root or the entry at path (boxo's handler names
// the entry), every folder on the way must be in the CAR and hash to the CID
// its parent names, the entry of each name must be there, and the DAG of
// the last entry is then verified as [Gateway.Fetch] verifies a whole
// DAG. It returns the entry's CID. A gateway that answers for a path with
// the blocks of another file than the one the folder names is rejected
// with [ErrPath]. A gateway may prove that a name is not there by sending
// the folder's block (boxo's handler does): that is [ErrNoEntry], a
// rejection, since the folder is checked against root.
func (g *Gateway) FetchPath(ctx context.Context, root cid.Cid, path string, s *Store) (cid.Cid, *Stat, error) {
	if !root.Defined() {
		return cid.Undef, nil, badInput("undefined root CID")
	}
	lim := g.Limits.withDefaults()
	segs, err := splitPath(path, lim)
	if err != nil {
		return cid.Undef, nil, err
	}
	timeout := g.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	body, err := g.get(ctx, root, segs)
	if err != nil {
		return cid.Undef, nil, err
	}
	defer body.Close()
	c, st, err := importPath(ctx, body, root, segs, s, lim)
	if err != nil && ctx.Err() != nil {
		return cid.Undef, nil, fmt.Errorf("%w: %w", ErrCouldNotCheck, ctx.Err())
	}
	return c, st, err
}

func (g *Gateway) get(ctx context.Context, root cid.Cid, segs []string) (io.ReadCloser, error) {
	base, err := url.Parse(strings.TrimRight(g.URL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, badInput("gateway URL %q", g.URL)
	}
	u := base.JoinPath(append([]string{"ipfs", root.String()}, segs...)...)
	u.RawQuery = "format=car&dag-scope=all&dups=n"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, badInput("gateway request: %w", err)
	}
	req.Header.Set("Accept", CARMediaType+";version=1;order=dfs;dups=n")
	client := g.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, couldNotCheck("gateway", err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("%w: gateway answered %s", ErrCouldNotCheck, resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, CARMediaType) {
		resp.Body.Close()
		return nil, fmt.Errorf("%w: gateway answered %q, not a CAR (not a trustless gateway?)", ErrCouldNotCheck, ct)
	}
	return resp.Body, nil
}
