package attest

import (
	"errors"
)

var (
	// ErrBadInput is wrapped by every error that comes from the caller's
	// input rather than from a check: a missing or malformed environment
	// variable, a dist folder that holds a symbolic link or a file over a
	// limit, a statement or manifest that does not parse.
	ErrBadInput = errors.New("attest: bad input")
)
