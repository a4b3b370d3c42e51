package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ats-run/selfattest/internal/clitest"
)

// TestExitCodes is the README's exit-code table for release, row by row:
// each row runs in a folder of its own and must exit with its code within
// 10 s.
func TestExitCodes(t *testing.T) {
	abs, err := filepath.Abs(dist)
	if err != nil {
		t.Fatal(err)
	}
	shared := t.TempDir()
	priv, _ := keyFiles(t, shared)
	fifo := filepath.Join(shared, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(shared, "empty.pem")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	devZero := "/dev/zero"
	if _, err := os.Stat(devZero); err != nil {
		devZero = fifo
	}
	// Another local log's trusted root: a bundle of this run's log does
	// not verify against it.
	otherDir := t.TempDir()
	if code, out, errOut := runBin(t, otherDir, nil, releaseBin, "--dist", abs, "--version", "1.0.1", "--out", "out", "--key", priv); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	otherRoot := filepath.Join(otherDir, stateRoot)
	dl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + dl.Addr().String()
	dl.Close()
	stall := clitest.StallServer(t)

	base := func(extra ...string) []string {
		return append([]string{"--dist", abs, "--version", "1.0.1", "--out", "out"}, extra...)
	}
	rows := []struct {
		name string
		args []string
		want int
	}{
		{"released", base("--key", priv), 0},
		{"released and verified", base("--key", priv, "--trusted-root", stateRoot), 0},
		{"bundle does not verify against another log's root", base("--key", priv, "--trusted-root", otherRoot), 1},
		{"no --dist", []string{"--version", "1.0.1", "--out", "out", "--key", priv}, 2},
		{"--timeout 0", base("--key", priv, "--timeout", "0s"), 2},
		{"missing dist", []string{"--dist", filepath.Join(shared, "nope"), "--version", "1.0.1", "--out", "out", "--key", priv}, 2},
		{"--key FIFO", base("--key", fifo), 2},
		{"--key device", base("--key", devZero), 2},
		{"--key directory", base("--key", shared), 2},
		{"--key empty", base("--key", empty), 2},
		{"--log-key FIFO", base("--key", priv, "--log-key", fifo), 2},
		{"--trusted-root FIFO", base("--key", priv, "--trusted-root", fifo), 2},
		{"--tsa-chain FIFO", base("--key", priv, "--tsa", stall+"/tsa", "--tsa-chain", fifo), 2},
		{"--rekor plain http to a public host", base("--key", priv, "--rekor", "http://rekor.example.com"), 2},
		{"--tsa plain http to a public host", base("--key", priv, "--tsa", "http://tsa.example.com/api/v1/timestamp"), 2},
		{"--rekor ftp", base("--key", priv, "--rekor", "ftp://rekor.example.com"), 2},
		{"--rekor unreachable", base("--key", priv, "--rekor", dead), 3},
		{"--tsa unreachable", base("--key", priv, "--tsa", dead+"/tsa"), 3},
		{"--tsa that never answers, --timeout 2s", base("--key", priv, "--tsa", stall+"/tsa", "--timeout", "2s"), 3},
		{"--rekor that never answers, --timeout 2s", base("--key", priv, "--rekor", stall, "--timeout", "2s"), 3},
	}
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, releaseBin, tt.args...)
			cmd.Dir = t.TempDir()
			cmd.Env = append(os.Environ(), "GITHUB_ACTIONS=", "GITHUB_STEP_SUMMARY=", "NO_COLOR=1", "XDG_STATE_HOME="+filepath.Join(cmd.Dir, "state"))
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			start := time.Now()
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
