package rekorv2

import (
	"context"
	"fmt"

	"github.com/ats-run/selfattest/internal/toolcache"
)

// Package is the module path of the server [Build] builds.
const Package = "github.com/sigstore/rekor-tiles/v2/cmd/rekor-server/posix"

// tool is the server as internal/toolcache builds it: `go install
// Package@Version` from a scratch folder into
// ${XDG_CACHE_HOME:-~/.cache}/selfattest/rekor-server/<Version>/posix.
var tool = toolcache.Tool{Name: "rekor-server", Package: Package, Version: Version, Binary: "posix"}

// cachePath is where [Binary] looks and [Build] writes.
func cachePath() (string, error) { return tool.Path() }

// Build builds the server into the version-keyed cache [Binary] looks in,
// unless it is there, and returns its path; logf (t.Logf) is told when a
// build starts and ends. Test processes run in parallel: the first builds
// under a lock, the others wait and find it built. It is what
// .ci/rekor-server.sh does, for a test run with no step before it.
func Build(ctx context.Context, logf func(string, ...any)) (string, error) {
	bin, err := tool.Build(ctx, logf)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrNoBinary, err)
	}
	return bin, nil
}
