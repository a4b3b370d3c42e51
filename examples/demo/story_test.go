package main

import (
	"errors"
	"fmt"
	"testing"

	"github.com/ats-run/selfattest"
	"github.com/ats-run/selfattest/internal/clitest"
)

// TestStoryIsCouldNotCheck: a step that did not end as the story says is
// could-not-check by its class (exit 3), not by ExitCode's fallback for
// an error that wraps no sentinel, and is neither rejected nor bad input.
// Its message is unchanged.
func TestStoryIsCouldNotCheck(t *testing.T) {
	err := fmt.Errorf("%w: verify exited %d, want %d", errStory, 1, 0)
	if !errors.Is(err, selfattest.ErrCouldNotCheck) {
		t.Errorf("errors.Is(%v, ErrCouldNotCheck) = false", err)
	}
	for _, s := range []error{selfattest.ErrRejected, selfattest.ErrBadInput} {
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
	if want := "the demo's story did not hold: verify exited 1, want 0"; err.Error() != want {
		t.Errorf("message %q, want %q", err.Error(), want)
	}
}
