package attest

import (
	"errors"
	"fmt"
	"strconv"
)

var (
	// ErrBadInput is wrapped by every error that comes from the caller's
	// input rather than from a check: a missing or malformed environment
	// variable, a dist folder that holds a symbolic link or a file over a
	// limit, a statement or manifest that does not parse.
	ErrBadInput = errors.New("attest: bad input")
)

// EnvError is returned by [GitHubProvenance] when an environment variable
// it needs is missing or malformed. It wraps [ErrBadInput].
type EnvError struct {
	// Name is the variable, e.g. "GITHUB_SHA".
	Name string
	// Value is what it held ("" when missing).
	Value string
	// Problem says what is wrong with it.
	Problem string
}

func (e *EnvError) Error() string {
	return fmt.Sprintf("attest: environment variable %s=%s: %s", e.Name, strconv.Quote(e.Value), e.Problem)
}

func (e *EnvError) Unwrap() error { return ErrBadInput }
