//go:build unix

package anchortest

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// RunCrashChild re-executes the test binary to run only the test named
// test, with env added to the environment, for crash tests: the child
// does some work and kills itself with SIGKILL at a chosen point, or the
// parent kills it with SIGKILL after delay (none when delay is 0). It
// reports whether the child died of SIGKILL. A child that ends any other
// way must have exited cleanly and printed done, the marker the child
// prints once its work is finished; otherwise RunCrashChild stops the
// test with the child's output.
func RunCrashChild(t testing.TB, test string, env []string, done string, delay time.Duration) (killed bool) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), env...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if delay > 0 {
		timer := time.AfterFunc(delay, func() { cmd.Process.Signal(syscall.SIGKILL) })
		defer timer.Stop()
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return true
		}
	}
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), done) {
		t.Fatalf("child ended without finishing:\n%s", out.String())
	}
	return false
}
