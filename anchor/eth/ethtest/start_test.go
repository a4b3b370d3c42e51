//go:build unix

package ethtest

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ats-run/selfattest/internal/clitest"
)

// TestStartOneDeadline: StartTimeout bounds the whole start. A fake geth
// (a shell script) takes two thirds of it to print its HTTP endpoint, and
// the endpoint accepts connections but never answers: the start fails
// with the RPC's error within StartTimeout and a margin, not after the
// first wait plus a whole StartTimeout more.
func TestStartOneDeadline(t *testing.T) {
	addr := strings.TrimPrefix(clitest.StallServer(t), "http://") // accepts, never answers

	const timeout, firstWait, margin = 3 * time.Second, 2 * time.Second, time.Second
	bin := filepath.Join(t.TempDir(), "geth")
	script := "#!/bin/sh\nsleep " + strconv.Itoa(int(firstWait/time.Second)) + "\n" +
		"echo 'INFO [01-01|00:00:00.000] HTTP server started                      endpoint=" + addr + " auth=false prefix= cors= vhosts=localhost'\n" +
		"exec sleep 60\n"
	if err := os.WriteFile(bin, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}

	began := time.Now()
	n, err := startBinary(context.Background(), bin, Options{DataDir: t.TempDir(), StartTimeout: timeout})
	took := time.Since(began)
	if err == nil {
		n.Stop()
		t.Fatal("started a node whose RPC never answers")
	}
	if !strings.Contains(err.Error(), "geth's RPC did not answer") {
		t.Fatalf("start failed before waiting for the RPC: %v", err)
	}
	if took > timeout+margin {
		t.Errorf("start gave up after %v, want at most StartTimeout %v (+%v)", took, timeout, margin)
	}
	t.Logf("start gave up after %v (StartTimeout %v): %.80s", took, timeout, err)
}
