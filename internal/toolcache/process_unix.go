//go:build unix

package toolcache

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"sync"
	"syscall"
	"time"
)

// A Process is a service a test started from the cache: in its own
// process group (killed with the test process), its output kept.
type Process struct {
	cmd  *exec.Cmd
	out  syncBuffer
	done chan struct{}
}

// StartProcess starts cmd and waits until each of patterns has matched a
// line of its output (stdout or stderr), returning each pattern's first
// submatch in order: a service started on port 0 names its ports this
// way. It fails if the process exits first or timeout passes (stopping
// it), with what it printed.
func StartProcess(ctx context.Context, cmd *exec.Cmd, timeout time.Duration, patterns ...*regexp.Regexp) (*Process, []string, error) {
	p := &Process{cmd: cmd, done: make(chan struct{})}
	pr, pw := io.Pipe()
	w := io.MultiWriter(&p.out, pw)
	cmd.Stdout, cmd.Stderr = w, w
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	dieWithParent(cmd.SysProcAttr)
	if err := cmd.Start(); err != nil {
		return nil, nil, fmt.Errorf("start %s: %w", cmd.Path, err)
	}
	go func() { cmd.Wait(); pw.Close(); close(p.done) }()
	type match struct {
		i int
		s string
	}
	found := make(chan match, len(patterns))
	go func() {
		seen := make([]bool, len(patterns))
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			for i, re := range patterns {
				if m := re.FindStringSubmatch(sc.Text()); m != nil && !seen[i] {
					seen[i] = true
					found <- match{i, m[1]}
				}
			}
		}
		io.Copy(io.Discard, pr)
	}()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	got := make([]string, len(patterns))
	for range patterns {
		select {
		case m := <-found:
			got[m.i] = m.s
		case <-p.done:
			return nil, nil, fmt.Errorf("%s exited before serving: %v\n%s", cmd.Path, cmd.ProcessState, p.Log())
		case <-ctx.Done():
			p.Stop()
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return nil, nil, fmt.Errorf("%s did not serve within %v: %w\n%s", cmd.Path, timeout, ctx.Err(), p.Log())
			}
			return nil, nil, fmt.Errorf("%s: stopped before it served: %w\n%s", cmd.Path, ctx.Err(), p.Log())
		}
	}
	return p, got, nil
}

// Stop stops the process (SIGTERM, then SIGKILL to its group after 10 s)
// and waits for it. It is safe to call twice.
func (p *Process) Stop() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Log returns what the process printed so far (the first 4 MiB).
func (p *Process) Log() string { return p.out.String() }

// syncBuffer is a bytes.Buffer safe for the process's writes and the
// test's reads; it stops growing at 4 MiB.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len() > 4<<20 {
		return len(p), nil
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
