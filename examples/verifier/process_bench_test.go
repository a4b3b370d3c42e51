package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The process benchmarks time one whole process per verification: the
// npm provenance bundle of sigstore-js 1.3.0 against its tarball, with the
// public-good trusted root from a file, as the conformance protocol runs a
// client. Run them side by side, in one run:
//
//	go test -run '^$' -bench Process -count 5 ./verifier/
//
//   - BenchmarkProcessVerifyBundle: our `verifier verify-bundle`.
//   - BenchmarkProcessSigstoreGoConformance: sigstore-go v1.3.0's own
//     conformance program (test/conformance in its module), built from the
//     module cache, same arguments.
//   - BenchmarkProcessLinkFloor: internal/linkfloor, a program that links
//     sigstore-go's pkg/verify and exits. No verifier built on sigstore-go
//     can start, let alone verify, faster than this.

var (
	processBinsOnce sync.Once
	processBins     struct{ sigstoreGo, floor string }
	processBinsErr  error
)

func buildProcessBins(b *testing.B) {
	b.Helper()
	processBinsOnce.Do(func() {
		dir, err := os.MkdirTemp("", "process-bench-")
		if err != nil {
			processBinsErr = err
			return
		}
		processBins.sigstoreGo = filepath.Join(dir, "sigstore-go-conformance")
		processBins.floor = filepath.Join(dir, "linkfloor")
		for _, c := range [][]string{
			{"go", "build", "-o", processBins.sigstoreGo, "github.com/sigstore/sigstore-go/test/conformance"},
			{"go", "build", "-o", processBins.floor, "./internal/linkfloor"},
		} {
			if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
				processBinsErr = fmt.Errorf("%s: %w\n%s", strings.Join(c, " "), err, out)
				return
			}
		}
	})
	if processBinsErr != nil {
		b.Fatal(processBinsErr)
	}
}

// processArgs verify npm/sigstore-1.3.0.provenance as the conformance
// protocol states it; the command runs in testdata/sigstore/realworld.
var processArgs = []string{
	"verify-bundle",
	"--bundle", "npm/sigstore-1.3.0.provenance/bundle.sigstore.json",
	"--certificate-identity", "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main",
	"--certificate-oidc-issuer", "https://token.actions.githubusercontent.com",
	"--trusted-root", "trusted_root.json",
	"npm/sigstore-1.3.0.tgz",
}

func benchProcess(b *testing.B, bin string, args ...string) {
	dir := filepath.Join("..", "..", "testdata", "sigstore", "realworld")
	for b.Loop() {
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		cmd.Env = []string{"NO_COLOR=1", "GITHUB_STEP_SUMMARY="}
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%s: %v\n%s", bin, err, out)
		}
	}
}

func BenchmarkProcessVerifyBundle(b *testing.B) {
	benchProcess(b, verifierBin, processArgs...)
}

func BenchmarkProcessSigstoreGoConformance(b *testing.B) {
	buildProcessBins(b)
	benchProcess(b, processBins.sigstoreGo, processArgs...)
}

func BenchmarkProcessLinkFloor(b *testing.B) {
	buildProcessBins(b)
	benchProcess(b, processBins.floor)
}
