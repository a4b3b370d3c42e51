package selfattest_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/ats-run/selfattest"
)

func TestExitCode(t *testing.T) {
	mine := selfattest.Beneath(selfattest.ErrRejected, "mine: rejected")
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, 0},
		{"rejected", selfattest.ErrRejected, 1},
		{"beneath rejected, wrapped", fmt.Errorf("context: %w", mine), 1},
		{"bad input", fmt.Errorf("x: %w", selfattest.ErrBadInput), 2},
		{"could not check", fmt.Errorf("x: %w", selfattest.ErrCouldNotCheck), 3},
		{"unclassified", errors.New("a bug"), 3},
		{"rejected outranks the others", errors.Join(selfattest.ErrCouldNotCheck, selfattest.ErrBadInput, mine), 1},
		{"bad input outranks could not check", errors.Join(selfattest.ErrCouldNotCheck, selfattest.ErrBadInput), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := selfattest.ExitCode(tt.err); got != tt.want {
				t.Fatalf("ExitCode(%v) = %d, want %d", tt.err, got, tt.want)
			}
		})
	}
	if mine.Error() != "mine: rejected" || !errors.Is(mine, selfattest.ErrRejected) || errors.Is(selfattest.ErrRejected, mine) {
		t.Fatal("Beneath: the message or the direction of wrapping is wrong")
	}
}

func ExampleExitCode() {
	errVerification := selfattest.Beneath(selfattest.ErrRejected, "verify: verification failed")
	err := fmt.Errorf("%w: app.js differs", errVerification)
	fmt.Println(err, selfattest.ExitCode(err))
	// Output: verify: verification failed: app.js differs 1
}
