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
	body, err := g.get(ctx, root)
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

func (g *Gateway) get(ctx context.Context, root cid.Cid) (io.ReadCloser, error) {
	base, err := url.Parse(strings.TrimRight(g.URL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, badInput("gateway URL %q", g.URL)
	}
	u := base.JoinPath("ipfs", root.String())
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
