// Package toolcache builds the real services the tests start (the Rekor
// v2 server, geth, Kubo) on first use, from the Go module proxy, into a
// version-keyed folder outside the repository:
//
//	${XDG_CACHE_HOME:-~/.cache}/selfattest/<tool>/<version>/<binary>
//
// A test run needs no step before `go test`: the first test process that
// needs a tool builds it, under a lock beside the binary, and the others
// wait and find it built. Nothing of this repository's go.mod is read or
// changed: each build runs in a scratch module of its own.
package toolcache

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/ats-run/selfattest"
)

// ErrBuild is wrapped by every error of [Build]: the tool a test needs
// could not be built, so the test could not check what it checks.
var ErrBuild = selfattest.Beneath(selfattest.ErrCouldNotCheck, "toolcache: could not build the tool")

// A Tool is a Go program to build at an exact version.
type Tool struct {
	// Name is the folder under selfattest/ in the cache ("geth").
	Name string
	// Package is the main package's import path
	// ("github.com/ethereum/go-ethereum/cmd/geth").
	Package string
	// Version is the module version of Package ("v1.17.10"); the cache
	// folder is keyed by it.
	Version string
	// Binary is the file name of the binary in the cache folder ("geth").
	Binary string
	// Pins are extra module@version requirements of the scratch module,
	// for a tool whose own go.mod cannot be used as is (Kubo replaces
	// go-libp2p with a fork the module proxy refuses). Without pins the
	// build is `go install Package@Version`, the tool's own go.mod exactly.
	Pins []string
	// Timeout bounds the build; 20 minutes if 0.
	Timeout time.Duration
}

// Dir returns the tool's cache folder.
func (t Tool) Dir() (string, error) {
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		cache = filepath.Join(home, ".cache")
	}
	return filepath.Join(cache, "selfattest", t.Name, t.Version), nil
}

// Path returns where the tool's binary is, built or not.
func (t Tool) Path() (string, error) {
	dir, err := t.Dir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, t.Binary), nil
}

// Built reports whether the binary is in the cache.
func (t Tool) Built() bool {
	p, err := t.Path()
	if err != nil {
		return false
	}
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// Build returns the binary's path, building it first if the cache does
// not hold it. logf, if not nil, is told when a build starts and how long
// it took (a test passes t.Logf), so a slow first run says why.
func (t Tool) Build(ctx context.Context, logf func(format string, args ...any)) (string, error) {
	bin, err := t.Path()
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrBuild, err)
	}
	if t.Built() {
		return bin, nil
	}
	dir := filepath.Dir(bin)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("%w: %w", ErrBuild, err)
	}
	unlock, err := Lock(ctx, filepath.Join(dir, ".lock"))
	if err != nil {
		return "", fmt.Errorf("%w: lock %s: %w", ErrBuild, dir, err)
	}
	defer unlock()
	if t.Built() {
		return bin, nil // another process built it while this one waited
	}
	if logf != nil {
		logf("toolcache: building %s@%s into %s (first use on this machine; a few minutes)", t.Package, t.Version, dir)
	}
	start := time.Now()
	// The scratch folder is inside the cache folder so the final rename
	// never crosses file systems.
	scratch, err := os.MkdirTemp(dir, ".build-")
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrBuild, err)
	}
	defer os.RemoveAll(scratch)
	timeout := t.Timeout
	if timeout == 0 {
		timeout = 20 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	out := filepath.Join(scratch, "bin", t.Binary)
	var steps [][]string
	if len(t.Pins) == 0 {
		steps = [][]string{{"install", t.Package + "@" + t.Version}}
	} else {
		get := append([]string{"get", t.Package + "@" + t.Version}, t.Pins...)
		steps = [][]string{{"mod", "init", "selfattest.invalid/toolcache"}, get, {"build", "-o", out, t.Package}}
	}
	for _, args := range steps {
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Dir = scratch
		cmd.Env = append(os.Environ(), "GOBIN="+filepath.Dir(out), "GOWORK=off", "GOFLAGS=-buildvcs=false")
		if b, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("%w: go %v: %w\n%s", ErrBuild, args, err, b)
		}
	}
	if len(t.Pins) == 0 {
		// go install names the binary after the package's last element.
		if err := os.Rename(filepath.Join(scratch, "bin", filepath.Base(t.Package)), out); err != nil {
			return "", fmt.Errorf("%w: %w", ErrBuild, err)
		}
	}
	// Into place in one rename, so a half-written binary is never at bin.
	if err := os.Rename(out, bin); err != nil {
		return "", fmt.Errorf("%w: %w", ErrBuild, err)
	}
	if logf != nil {
		logf("toolcache: built %s in %v", bin, time.Since(start).Round(time.Second))
	}
	return bin, nil
}
