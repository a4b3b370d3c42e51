package ipfs

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/multiformats/go-multiaddr"
)

// maxAddrs bounds the addresses kept from the node's /api/v0/id.
const maxAddrs = 32

// Addrs returns the multiaddrs the node announces (/api/v0/id), each
// ending in /p2p/<its peer id>: what a pinning service is given as
// origins, to fetch a pin from the node directly. Addresses that do not
// parse are left out; at most 32 are kept.
func (k *Kubo) Addrs(ctx context.Context) ([]multiaddr.Multiaddr, error) {
	data, err := k.post(ctx, "id", nil, nil, "")
	if err != nil {
		return nil, err
	}
	var ans struct {
		Addresses []string
	}
	if err := json.Unmarshal(data, &ans); err != nil {
		return nil, fmt.Errorf("%w: Kubo id: %w", ErrCouldNotCheck, err)
	}
	var out []multiaddr.Multiaddr
	for _, a := range ans.Addresses {
		m, err := multiaddr.NewMultiaddr(a)
		if err != nil {
			continue
		}
		if out = append(out, m); len(out) == maxAddrs {
			break
		}
	}
	return out, nil
}
