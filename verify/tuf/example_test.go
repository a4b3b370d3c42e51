package tuf_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	sigtuf "github.com/sigstore/sigstore-go/pkg/tuf"

	"github.com/ats-run/selfattest/verify/tuf"
)

// Refreshing the Sigstore public-good trusted root, falling back to the
// cache only when the repository cannot be reached. (This example has no
// output: go test compiles it but does not run it, so it never touches
// the network.)
func ExampleRefresh() {
	cacheHome, err := os.UserCacheDir()
	if err != nil {
		fmt.Println(err)
		return
	}
	dir := filepath.Join(cacheHome, "selfattest", "tuf")
	repo := tuf.Repository{
		URL:  sigtuf.DefaultMirror, // named, not defaulted
		Root: sigtuf.DefaultRoot(), // the public-good TUF root sigstore-go embeds
	}

	res, err := tuf.Refresh(context.Background(), repo, dir, tuf.Options{})
	if errors.Is(err, tuf.ErrCouldNotCheck) {
		// An explicit decision: a root TUF still vouches for, unrefreshed.
		res, err = tuf.Cached(repo, dir, tuf.Options{})
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("trusted root %s (TUF root v%d, stale %v, valid until %s)\n",
		res.SHA256, res.RootVersion, res.Stale, res.Expires)
	_ = res.TrustedRoot // for package verify/sigstore
}
