package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	anchortlog "github.com/ats-run/selfattest/anchor/tlog"
	"github.com/ats-run/selfattest/internal/clitest"
	"github.com/ats-run/selfattest/verify/tlog"
)

// TestExitCodes is the README's exit-code table for the monitor, row by
// row, against a small tessera log (a folder, and the same folder served
// on 127.0.0.1): each row must exit with its code within 10 s.
func TestExitCodes(t *testing.T) {
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
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	devZero := "/dev/zero"
	if _, err := os.Stat(devZero); err != nil {
		devZero = fifo
	}
	dl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + dl.Addr().String()
	dl.Close()
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
	rows := []struct {
		name string
		args []string
		want int
	}{
		{"folder: consistent, a match listed", args(logDir), 0},
		{"over HTTP: consistent", args(srv.URL), 0},
		{"a match with --fail-on-match", args(logDir, "--fail-on-match"), 1},
		{"checkpoint signed by another key", withKey(wrongKey, args(srv.URL)), 1},
		{"no --log", []string{"--origin", origin, "--log-key", vk, "--state", filepath.Join(dir, "s"), "--san", release, "--issuer", ghIssuer}, 2},
		{"malformed --log-key", withKey("x+y+z", args(logDir)), 2},
		// encoding/base64 skips newlines; the strict parsers do not.
		{"non-canonical base64 --log-key", withKey(vk[:len(vk)-8]+"\n"+vk[len(vk)-8:], args(logDir)), 2},
		{"non-canonical base64 --witness", args(logDir, "--witness", witnessVKey(t, vk, "\n")), 2},
		{"--timeout 0", args(logDir, "--timeout", "0s"), 2},
		{"plain http to a public host", args("http://example.com/log"), 2},
		{"ftp", args("ftp://example.com/log"), 2},
		{"state is a FIFO", args(logDir, "--state", fifo), 2},
		{"state is a directory", args(logDir, "--state", dir), 2},
		{"state is a device", args(logDir, "--state", devZero), 2},
		{"trusted root is a FIFO", withoutKey(args(logDir, "--trusted-root", fifo)), 2},
		{"trusted root is a device", withoutKey(args(logDir, "--trusted-root", devZero)), 2},
		{"unreachable log", args(dead), 3},
		{"log that never answers, --timeout 2s", args(stall, "--timeout", "2s"), 3},
		{"log that never answers, --start latest, --timeout 2s", args(stall, "--timeout", "2s", "--start", "latest"), 3},
	}
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			start := time.Now()
			cmd := exec.CommandContext(ctx, monitorBin, tt.args...)
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			err := cmd.Run()
			if d := time.Since(start); d > 10*time.Second {
				t.Fatalf("took %s (killed after 15 s)\nstderr:\n%s", d, errb.String())
			}
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tt.want {
				t.Fatalf("%q: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", tt.args, code, tt.want, out.String(), errb.String())
			}
		})
	}
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
