//go:build !unix

package toolcache

import (
	"context"
	"errors"
)

// Lock is not available on this system: builds on first use need flock.
func Lock(context.Context, string) (func(), error) {
	return nil, errors.New("toolcache: building on first use needs flock (unix)")
}
