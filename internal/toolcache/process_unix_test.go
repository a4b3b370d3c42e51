//go:build unix

package toolcache

import (
	"context"
	"errors"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestStartProcess(t *testing.T) {
	ctx := context.Background()
	a, b := regexp.MustCompile(`api on (\d+)`), regexp.MustCompile(`gateway on (\d+)`)
	cmd := exec.Command("sh", "-c", "echo gateway on 2; echo api on 1 >&2; echo api on 9; exec sleep 60")
	p, got, err := StartProcess(ctx, cmd, 10*time.Second, a, b)
	if err != nil {
		t.Fatal(err)
	}
	if got[0] != "1" || got[1] != "2" {
		t.Fatalf("matches %q, want [1 2] (each pattern's first line, stdout or stderr)", got)
	}
	p.Stop()
	select {
	case <-p.Done():
	default:
		t.Fatal("Stop returned before the process exited")
	}
	p.Stop() // twice is fine
	if _, _, err := StartProcess(ctx, exec.Command("sh", "-c", "echo bye"), 10*time.Second, a); err == nil || !strings.Contains(err.Error(), "bye") {
		t.Fatalf("a process that exits before serving = %v, want an error with its output", err)
	}
	start := time.Now()
	_, _, err = StartProcess(ctx, exec.Command("sleep", "60"), 300*time.Millisecond, a)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "did not serve within") || time.Since(start) > 5*time.Second {
		t.Fatalf("a process that never serves = %v after %v, want an error at the timeout", err, time.Since(start))
	}
	// A caller that gives up is not a timeout.
	cctx, cancel := context.WithCancel(ctx)
	time.AfterFunc(200*time.Millisecond, cancel)
	_, _, err = StartProcess(cctx, exec.Command("sleep", "60"), time.Minute, a)
	if !errors.Is(err, context.Canceled) || strings.Contains(err.Error(), "did not serve within") {
		t.Fatalf("a process whose caller gave up = %v, want context.Canceled, not a timeout", err)
	}
}
