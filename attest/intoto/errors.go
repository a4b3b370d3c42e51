package intoto

import (
	"fmt"
	"strconv"

	"github.com/ats-run/selfattest/attest"
)

// EnvError is returned by [GitHubProvenance] when an environment variable
// it needs is missing or malformed. It wraps [attest.ErrBadInput].
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

func (e *EnvError) Unwrap() error { return attest.ErrBadInput }
