//go:build !unix

package eth

import (
	"context"
	"testing"
)

// flock fails: installing solc-js on first use needs flock(2). Install it
// by hand as contract/SOURCE.md says.
func flock(_ context.Context, t *testing.T, path string) func() {
	t.Helper()
	t.Fatalf("installing solc-js on first use needs flock, to lock %s", path)
	return nil
}
