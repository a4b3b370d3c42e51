//go:build !unix

package rekorv2

import (
	"context"
	"errors"
)

func lock(context.Context, string) (func(), error) {
	return nil, errors.New("building the server on first use needs flock: run .ci/rekor-server.sh")
}
