package examples_test

import (
	"bufio"
	"bytes"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

// nodePackages are go-ethereum's node and its database: a program that
// links one of them carries an Ethereum node (package eth with its filter
// maps, fetchers and p2p, pebble) in its binary, some 600 packages and
// 50 MB, and pays their init at every start. Only the demos run a chain in
// the process (package examples/internal/simchain); a program that talks
// to a chain does so over RPC (ethclient), which links none of them.
// A path ending in "/" forbids every package under it as well.
var nodePackages = []string{
	"github.com/ethereum/go-ethereum/ethclient/simulated",
	"github.com/ethereum/go-ethereum/eth",
	"github.com/cockroachdb/pebble/",
}

// lightPrograms are the programs a user runs to verify, release or
// monitor: none of them runs a chain.
var lightPrograms = []string{"./verifier", "./release", "./monitor"}

// TestProgramsLinkNoNode fails when a light program links a package of
// nodePackages, naming the chain of imports that brings it in, as
// `go list -deps` sees the build (GOFLAGS and the rest of the environment
// as the test got them).
func TestProgramsLinkNoNode(t *testing.T) {
	for _, prog := range lightPrograms {
		t.Run(strings.TrimPrefix(prog, "./"), func(t *testing.T) {
			imports := listDeps(t, prog)
			if len(imports) < 10 {
				t.Fatalf("go list -deps %s listed %d packages: not the program?", prog, len(imports))
			}
			from := mainOf(imports)
			for _, p := range nodePackages {
				var hits []string
				for path := range imports {
					if forbidden(p, path) {
						hits = append(hits, path)
					}
				}
				if len(hits) == 0 {
					continue
				}
				sort.Strings(hits) // the package itself first, when linked
				t.Errorf("%s links %s (%d package(s)), a part of go-ethereum's node: %s",
					prog, p, len(hits), strings.Join(importChain(imports, from, hits[0]), " -> "))
			}
		})
	}
}

// forbidden tells whether path is p or, when p ends in "/", under it.
func forbidden(p, path string) bool {
	if dir, ok := strings.CutSuffix(p, "/"); ok {
		return path == dir || strings.HasPrefix(path, p)
	}
	return path == p
}

// listDeps runs go list -deps on prog: every package it links, with the
// packages each imports.
func listDeps(t *testing.T, prog string) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}{{if eq .Name "main"}} main{{end}}`, prog)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v\n%s", prog, err, stderr.Bytes())
	}
	imports := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) > 0 {
			imports[f[0]] = f[1:]
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return imports
}

// mainOf returns the main package of a go list -deps listing (marked by
// listDeps with a trailing "main" among its imports).
func mainOf(imports map[string][]string) string {
	for p, imps := range imports {
		if len(imps) > 0 && imps[len(imps)-1] == "main" {
			return p
		}
	}
	return ""
}

// importChain returns a shortest chain of imports from one package to
// another, both included, or just to when there is none.
func importChain(imports map[string][]string, from, to string) []string {
	prev := map[string]string{from: ""}
	queue := []string{from}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if p == to {
			var chain []string
			for ; p != ""; p = prev[p] {
				chain = append([]string{p}, chain...)
			}
			return chain
		}
		for _, q := range imports[p] {
			if _, seen := prev[q]; !seen {
				prev[q] = p
				queue = append(queue, q)
			}
		}
	}
	return []string{to}
}
