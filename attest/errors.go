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

	// ErrReleaseMismatch is wrapped by every rejection [CheckRelease]
	// returns: the release folder does not match its manifest, its pages or
	// its statement. Treat it as a security event.
	ErrReleaseMismatch = errors.New("attest: release does not match its manifest")
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

// ReleaseError is returned by [CheckRelease] when a release folder is
// rejected. It carries the evidence and wraps [ErrReleaseMismatch] only:
// a manifest or statement that does not parse is a rejection here, not
// bad input, and its parse error is kept in Err.
type ReleaseError struct {
	// Path is the file at fault, relative to the release folder, "/"-separated.
	Path string
	// Problem says what does not match, e.g. "sha256 differs".
	Problem string
	// Expected is what the manifest (or statement) says, Actual what the
	// folder holds; either may be "" when not applicable.
	Expected, Actual string
	// Err is an underlying error, e.g. from [ParseManifest], or nil.
	Err error
}

func (e *ReleaseError) Error() string {
	s := "attest: release: " + e.Path + ": " + e.Problem
	if e.Expected != "" || e.Actual != "" {
		s += fmt.Sprintf(" (expected %s, found %s)", strconv.Quote(e.Expected), strconv.Quote(e.Actual))
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns [ErrReleaseMismatch].
func (e *ReleaseError) Unwrap() error { return ErrReleaseMismatch }
