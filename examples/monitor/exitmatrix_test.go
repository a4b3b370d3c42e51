package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	anchortlog "github.com/ats-run/selfattest/anchor/tlog"
	"github.com/ats-run/selfattest/internal/clitest"
	"github.com/ats-run/selfattest/verify/tlog"
)

// TestExitMatrix is the README's exit-code table for the monitor, every
// code, run against the built binary with a small tessera log (a folder,
// and the same folder served on 127.0.0.1): each row must exit with its
// code within 10 s and say why.
func TestExitMatrix(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ca := newTestCA(t)
	entries := [][]byte{
		hashedRekord(t, ca, "https://github.com/other/app/.github/workflows/release.yml@refs/heads/main", []byte("a")),
		hashedRekord(t, ca, release, []byte("the release")),
		hashedRekord(t, ca, "https://github.com/other/app/.github/workflows/release.yml@refs/heads/main", []byte("b")),
	}
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	logDir := t.TempDir()
	const origin = "exitcodes.selfattest.test"
	l, err := anchortlog.Open(ctx, logDir, origin, key, anchortlog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.AppendBatch(ctx, entries); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Await(ctx, uint64(len(entries)-1)); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(logDir)))
	t.Cleanup(srv.Close)
	vk := vkey(t, origin, key.Public().(ed25519.PublicKey))
	other, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	wrongKey := vkey(t, origin, other)

	dir := t.TempDir()
	fifo := clitest.Mkfifo(t, dir, "fifo")
	devZero := "/dev/zero"
	if _, err := os.Stat(devZero); err != nil {
		devZero = fifo
	}
	dead := clitest.DeadURL(t)
	stall := clitest.StallServer(t)

	// args is a run of log with a fresh state file (unless extra names one).
	args := func(log string, extra ...string) []string {
		a := []string{"--log", log, "--origin", origin, "--log-key", vk, "--san", release, "--issuer", ghIssuer}
		hasState := false
		for _, e := range extra {
			if e == "--state" {
				hasState = true
			}
		}
		if !hasState {
			a = append(a, "--state", filepath.Join(t.TempDir(), "state.json"))
		}
		return append(a, extra...)
	}
	withKey := func(k string, a []string) []string {
		a = append([]string{}, a...)
		for i := range a {
			if a[i] == "--log-key" {
				a[i+1] = k
			}
		}
		return a
	}
	withoutKey := func(a []string) []string {
		var out []string
		for i := 0; i < len(a); i++ {
			if a[i] == "--log-key" {
				i++
				continue
			}
			out = append(out, a[i])
		}
		return out
	}
	run := func(a []string) func(*testing.T, string) []string { return clitest.Args(a...) }
	rows := []clitest.Row{
		{Code: 0, Name: "folder: consistent, a match listed", Args: run(args(logDir)), Want: "scanned entries 0 to 3: 1 matches"},
		{Code: 0, Name: "over HTTP: consistent", Args: run(args(srv.URL)), Want: "scanned entries 0 to 3: 1 matches"},
		{Code: 1, Name: "a match with --fail-on-match", Args: run(args(logDir, "--fail-on-match")), Want: "MATCH entry 1"},
		{Code: 1, Name: "checkpoint signed by another key", Args: run(withKey(wrongKey, args(srv.URL))), Want: "checkpoint not signed by any trusted log key"},
		{Code: 2, Name: "no --log", Args: run([]string{"--origin", origin, "--log-key", vk, "--state", filepath.Join(dir, "s"), "--san", release, "--issuer", ghIssuer}), Want: "--log, --origin and --state are required"},
		{Code: 2, Name: "malformed --log-key", Args: run(withKey("x+y+z", args(logDir))), Want: `--log-key: tlog: cannot check: log key "x+y+z"`},
		// encoding/base64 skips newlines; the strict parsers do not.
		{Code: 2, Name: "non-canonical base64 --log-key", Args: run(withKey(vk[:len(vk)-8]+"\n"+vk[len(vk)-8:], args(logDir))), Want: "--log-key: tlog: cannot check: log key"},
		{Code: 2, Name: "non-canonical base64 --witness", Args: run(args(logDir, "--witness", witnessVKey(t, vk, "\n"))), Want: "--witness: tlog: cannot check: witness key"},
		{Code: 2, Name: "--timeout 0", Args: run(args(logDir, "--timeout", "0s")), Want: "--timeout 0s: must be positive"},
		{Code: 2, Name: "plain http to a public host", Args: run(args("http://example.com/log")), Want: "refused URL: plain http to non-loopback host"},
		// Another scheme is a URL the fetch policy refuses, not a folder.
		{Code: 2, Name: "ftp", Args: run(args("ftp://example.com/log")), Want: "refused URL"},
		{Code: 2, Name: "state is a FIFO", Args: run(args(logDir, "--state", fifo)), Want: "is not a regular file (a FIFO)"},
		{Code: 2, Name: "state is a directory", Args: run(args(logDir, "--state", dir)), Want: "is not a regular file (a directory)"},
		{Code: 2, Name: "state is a device", Args: run(args(logDir, "--state", devZero)), Want: "is not a regular file (a character device)"},
		{Code: 2, Name: "trusted root is a FIFO", Args: run(withoutKey(args(logDir, "--trusted-root", fifo))), Want: "trusted root file cannot be read"},
		{Code: 2, Name: "trusted root is a device", Args: run(withoutKey(args(logDir, "--trusted-root", devZero))), Want: "trusted root file cannot be read"},
		{Code: 3, Name: "unreachable log", Args: run(args(dead)), Want: "connection refused"},
		{Code: 3, Name: "log that never answers, --timeout 2s", Args: run(args(stall, "--timeout", "2s")), Want: "--timeout 2s ran out"},
		{Code: 3, Name: "log that never answers, --start latest, --timeout 2s", Args: run(args(stall, "--timeout", "2s", "--start", "latest")), Want: "--timeout 2s ran out"},
	}
	clitest.Check(t, clitest.Commands(clitest.Usage(t, monitorBin)), rows)
	clitest.Matrix{Bin: monitorBin, Rows: rows}.Run(t)
}

// witnessVKey is a witness key made from the log key vk (same name and
// Ed25519 key, type 0x01, which witnesses also publish) with sep inserted
// into its base64.
func witnessVKey(t *testing.T, vk, sep string) string {
	t.Helper()
	if _, err := tlog.ParseWitnessKey(vk); err != nil {
		t.Fatalf("%s as a witness key: %v", vk, err)
	}
	return vk[:len(vk)-8] + sep + vk[len(vk)-8:]
}
