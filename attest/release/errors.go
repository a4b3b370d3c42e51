package release

import (
	"fmt"
	"strconv"

	"github.com/ats-run/selfattest"
)

// ErrMismatch is wrapped by every rejection [Check]
// returns: the release folder does not match its manifest, its pages or
// its statement. Treat it as a security event.
var ErrMismatch = selfattest.Beneath(selfattest.ErrRejected, "attest: release does not match its manifest")

// MismatchError is returned by [Check] when a release folder is
// rejected. It carries the evidence and wraps [ErrMismatch] only:
// a manifest or statement that does not parse is a rejection here, not
// bad input, and its parse error is kept in Err.
type MismatchError struct {
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

func (e *MismatchError) Error() string {
	s := "attest: release: " + e.Path + ": " + e.Problem
	if e.Expected != "" || e.Actual != "" {
		s += fmt.Sprintf(" (expected %s, found %s)", strconv.Quote(e.Expected), strconv.Quote(e.Actual))
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns [ErrMismatch].
func (e *MismatchError) Unwrap() error { return ErrMismatch }
