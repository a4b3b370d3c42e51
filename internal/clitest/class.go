package clitest

import (
	"errors"

	"github.com/ats-run/selfattest"
)

// ClassOf is selfattest.ExitCode without its fallback: the code of the
// one root sentinel err wraps, and false when it wraps none of them. A
// test that an example program's own error is, say, could-not-check by
// its class, not by ExitCode's fallback, checks ClassOf.
func ClassOf(err error) (int, bool) {
	switch {
	case errors.Is(err, selfattest.ErrRejected):
		return selfattest.ExitRejected, true
	case errors.Is(err, selfattest.ErrBadInput):
		return selfattest.ExitBadInput, true
	case errors.Is(err, selfattest.ErrCouldNotCheck):
		return selfattest.ExitCouldNotCheck, true
	}
	return 0, false
}
