package attest

import (
	"github.com/ats-run/selfattest"
)

var (
	// ErrBadInput is wrapped by every error that comes from the caller's
	// input rather than from a check, here and in packages attest/intoto
	// and attest/release: a file that is not regular or is over a limit, a
	// missing or malformed environment variable, a dist folder that holds
	// a symbolic link, a statement or manifest that does not parse.
	ErrBadInput = selfattest.Beneath(selfattest.ErrBadInput, "attest: bad input")
)
