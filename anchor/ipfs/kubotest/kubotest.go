// Package kubotest runs a real Kubo node for tests: `ipfs daemon
// --offline` with a fresh repository per test, initialised with the
// profiles test (loopback only, no bootstrap peers, no mDNS) and
// unixfs-v1-2025, its RPC API, gateway and swarm on 127.0.0.1 ports the
// system picks, and routing off. It talks to no one but the test.
//
// Kubo is built on first use from the Go module proxy
// (github.com/ipfs/kubo/cmd/ipfs at [KuboVersion], with go-libp2p pinned
// to [Libp2pVersion]: Kubo's go.mod replaces go-libp2p with a fork the
// proxy does not serve, so `go install` refuses it and a plain build
// picks a go-libp2p Kubo does not compile with) into
// ${XDG_CACHE_HOME:-~/.cache}/selfattest/kubo/<KuboVersion>/ipfs, once
// per machine, under a lock; the test log says so. A test never skips
// for want of it.
//
//	node := kubotest.Start(t, kubotest.Options{})
//	c := node.Add(t, path)                 // ipfs add under the profile
//	resp, err := http.Get(node.GatewayURL + "/ipfs/" + c + "?format=car")
package kubotest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ats-run/selfattest/internal/toolcache"
)

// KuboVersion is the Kubo release the tests run.
const KuboVersion = "v0.43.1"

// Libp2pVersion is the go-libp2p version Kubo is built with.
const Libp2pVersion = "v0.50.0"

// Kubo is the ipfs binary as it is built on first use.
var Kubo = toolcache.Tool{
	Name:    "kubo",
	Package: "github.com/ipfs/kubo/cmd/ipfs",
	Version: KuboVersion,
	Binary:  "ipfs",
	Pins:    []string{"github.com/libp2p/go-libp2p@" + Libp2pVersion},
}

// Options tune [Start].
type Options struct {
	// Repo is the node's repository (IPFS_PATH); the test's temporary
	// folder if empty.
	Repo string
	// StartTimeout bounds the wait for the daemon to serve; 60 s if 0.
	StartTimeout time.Duration
}

// A Node is a running Kubo daemon.
type Node struct {
	// APIURL is the RPC API, http://127.0.0.1:<port> (POST /api/v0/...).
	APIURL string
	// GatewayURL is the node's HTTP gateway, http://127.0.0.1:<port>.
	GatewayURL string
	// Repo is IPFS_PATH.
	Repo string
	// Bin is the ipfs binary.
	Bin string

	proc *toolcache.Process
}

// Binary returns ipfs's path, building it first if the cache does not
// hold it; logf (t.Logf) is told when a build starts and ends.
func Binary(ctx context.Context, logf func(string, ...any)) (string, error) {
	return Kubo.Build(ctx, logf)
}

var (
	apiRE     = regexp.MustCompile(`RPC API server listening on /ip4/127\.0\.0\.1/tcp/(\d+)`)
	gatewayRE = regexp.MustCompile(`Gateway server listening on /ip4/127\.0\.0\.1/tcp/(\d+)`)
)

// Start initialises a repository and runs the daemon, returning once it
// serves its RPC API and gateway; t.Cleanup stops it (logging its output
// if the test failed). It stops the test on any failure.
func Start(t testing.TB, opts Options) *Node {
	t.Helper()
	if opts.Repo == "" {
		opts.Repo = t.TempDir()
	}
	n, err := start(context.Background(), opts, t.Logf)
	if err != nil {
		t.Fatalf("kubotest: %v", err)
	}
	t.Cleanup(func() {
		n.Stop()
		if t.Failed() {
			t.Logf("ipfs daemon output:\n%s", n.Log())
		}
	})
	return n
}

func start(ctx context.Context, opts Options, logf func(string, ...any)) (*Node, error) {
	bin, err := Binary(ctx, logf)
	if err != nil {
		return nil, err
	}
	if opts.StartTimeout == 0 {
		opts.StartTimeout = 60 * time.Second
	}
	n := &Node{Repo: opts.Repo, Bin: bin}
	if _, err := os.Stat(filepath.Join(opts.Repo, "config")); err != nil {
		steps := [][]string{
			{"init", "--profile", "test,unixfs-v1-2025", "--empty-repo"},
			{"config", "Addresses.API", "/ip4/127.0.0.1/tcp/0"},
			{"config", "Addresses.Gateway", "/ip4/127.0.0.1/tcp/0"},
			{"config", "--json", "Addresses.Swarm", `["/ip4/127.0.0.1/tcp/0"]`},
			{"config", "Routing.Type", "none"},
		}
		for _, args := range steps {
			if _, err := n.run(ctx, nil, args...); err != nil {
				return nil, err
			}
		}
	}
	cmd := exec.Command(bin, "daemon", "--offline")
	cmd.Env = n.env()
	var ports []string
	n.proc, ports, err = toolcache.StartProcess(ctx, cmd, opts.StartTimeout, apiRE, gatewayRE)
	if err != nil {
		return nil, fmt.Errorf("ipfs daemon: %w", err)
	}
	n.APIURL, n.GatewayURL = "http://127.0.0.1:"+ports[0], "http://127.0.0.1:"+ports[1]
	return n, nil
}

func (n *Node) env() []string {
	return append(os.Environ(), "IPFS_PATH="+n.Repo, "IPFS_TELEMETRY=off", "GOLOG_LOG_LEVEL=error")
}

// run runs the ipfs command with args against the node's repository (the
// daemon's API when it runs) and returns its standard output.
func (n *Node) run(ctx context.Context, stdin io.Reader, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, n.Bin, args...)
	cmd.Env = n.env()
	cmd.Stdin = stdin
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("ipfs %s: %w\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	return stdout.Bytes(), nil
}

// Run runs `ipfs args...` against the node and returns its standard
// output, stopping the test if it fails.
func (n *Node) Run(t testing.TB, args ...string) string {
	t.Helper()
	return strings.TrimSpace(string(n.Output(t, args...)))
}

// Output runs `ipfs args...` against the node and returns its standard
// output as is (a CAR from `ipfs dag export`), stopping the test if it
// fails.
func (n *Node) Output(t testing.TB, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	out, err := n.run(ctx, nil, args...)
	if err != nil {
		t.Fatalf("kubotest: %v", err)
	}
	return out
}

// Add returns the CID Kubo gives path under the unixfs-v1-2025 profile:
// `ipfs add -Q --cid-version=1 --raw-leaves --chunker=size-1048576`, with
// -r --hidden for a folder. The node keeps (and pins) the content.
func (n *Node) Add(t testing.TB, path string) string {
	t.Helper()
	args := []string{"add", "-Q", "--cid-version=1", "--raw-leaves", "--chunker=size-1048576"}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		args = append(args, "-r", "--hidden")
	}
	return n.Run(t, append(args, path)...)
}

// Stop stops the daemon (SIGTERM, then SIGKILL after 10 s) and waits for
// it. It is safe to call twice.
func (n *Node) Stop() { n.proc.Stop() }

// Log returns what the daemon printed so far.
func (n *Node) Log() string { return n.proc.Log() }
