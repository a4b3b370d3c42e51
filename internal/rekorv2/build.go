package rekorv2

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// Package is the module path of the server [Build] builds.
const Package = "github.com/sigstore/rekor-tiles/v2/cmd/rekor-server/posix"

// cachePath is where [Binary] looks and [Build] writes.
func cachePath() (string, error) {
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		cache = filepath.Join(home, ".cache")
	}
	return filepath.Join(cache, "selfattest", "rekor-server", Version, "posix"), nil
}

// Build builds the server (go install [Package]@[Version] from a scratch
// folder, so no go.mod of this repository is read or changed) into the
// version-keyed cache [Binary] looks in, and returns its path. Test
// processes run in parallel, so it holds a lock beside the binary: the
// first builds, the others wait and find it built. It is what
// .ci/rekor-server.sh does, for a test run with no step before it.
func Build(ctx context.Context) (string, error) {
	bin, err := cachePath()
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrNoBinary, err)
	}
	dir := filepath.Dir(bin)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("%w: %w", ErrNoBinary, err)
	}
	unlock, err := lock(ctx, filepath.Join(dir, ".lock"))
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrNoBinary, err)
	}
	defer unlock()
	if fi, err := os.Stat(bin); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
		return bin, nil // another process built it while this one waited
	}
	scratch, err := os.MkdirTemp("", "rekor-server-build-")
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrNoBinary, err)
	}
	defer os.RemoveAll(scratch)
	ctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "install", Package+"@"+Version)
	cmd.Dir = scratch
	cmd.Env = append(os.Environ(), "GOBIN="+filepath.Join(scratch, "bin"), "GOWORK=off", "GOFLAGS=-buildvcs=false")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("%w: go install %s@%s: %w\n%s", ErrNoBinary, Package, Version, err, out)
	}
	// Move into place in two steps, so a half-written binary is never at bin.
	if err := os.Rename(filepath.Join(scratch, "bin", "posix"), bin+".tmp"); err != nil {
		return "", fmt.Errorf("%w: %w", ErrNoBinary, err)
	}
	if err := os.Rename(bin+".tmp", bin); err != nil {
		return "", fmt.Errorf("%w: %w", ErrNoBinary, err)
	}
	return bin, nil
}
