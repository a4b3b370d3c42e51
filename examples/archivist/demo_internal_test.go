package main

import (
	"errors"
	"fmt"
	"testing"

	"github.com/ats-run/selfattest"
	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/examples/internal/evidence"
	"github.com/ats-run/selfattest/internal/clitest"
)

// TestDemoErrorIsCouldNotCheck: a demo step whose Outcome was not the one
// expected is could-not-check by its class (exit 3, "could not check"),
// not by ExitCode's fallback for an error that wraps no sentinel. The
// step's own error is quoted, not wrapped: a rejection the demo expected
// and did not get, or got and did not expect, does not make the demo's
// error a rejection. Its message is unchanged.
func TestDemoErrorIsCouldNotCheck(t *testing.T) {
	step := fmt.Errorf("%w: a changed byte", anchor.ErrAnchor)
	err := fmt.Errorf("%w: %s: exit %d, want %d: %v", errDemo, "verify offline", 1, 0, step)
	for _, s := range []error{anchor.ErrCouldNotCheck, selfattest.ErrCouldNotCheck} {
		if !errors.Is(err, s) {
			t.Errorf("errors.Is(%v, %v) = false", err, s)
		}
	}
	for _, s := range []error{selfattest.ErrRejected, selfattest.ErrBadInput, anchor.ErrPending} {
		if errors.Is(err, s) {
			t.Errorf("errors.Is(%v, %v) = true", err, s)
		}
	}
	if code, ok := clitest.ClassOf(err); !ok || code != 3 {
		t.Errorf("class of %v = %d, %t; want 3, true", err, code, ok)
	}
	if code := selfattest.ExitCode(err); code != 3 {
		t.Errorf("ExitCode(%v) = %d, want 3", err, code)
	}
	if got := evidence.Outcome(err); got != "could not check" {
		t.Errorf("Outcome(%v) = %q, want could not check", err, got)
	}
	if want := "the demo's expectation failed: verify offline: exit 1, want 0: anchor: rejected: a changed byte"; err.Error() != want {
		t.Errorf("message %q, want %q", err.Error(), want)
	}
}
