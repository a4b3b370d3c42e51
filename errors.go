package selfattest

import "errors"

// The three root sentinels. Every error of this module wraps exactly one
// of them (or, for an error joining several outcomes, the most serious:
// see [ExitCode]).
var (
	ErrRejected      = errors.New("selfattest: rejected")
	ErrCouldNotCheck = errors.New("selfattest: could not check")
	ErrBadInput      = errors.New("selfattest: bad input")
)

// Beneath returns a new sentinel error whose message is msg and which
// wraps parent, one of the root sentinels (or a sentinel beneath one):
// errors.Is finds both it and parent. Packages declare theirs with it:
//
//	var ErrVerification = selfattest.Beneath(selfattest.ErrRejected, "verify: verification failed")
func Beneath(parent error, msg string) error {
	return &sentinel{msg: msg, parent: parent}
}

type sentinel struct {
	msg    string
	parent error
}

func (s *sentinel) Error() string { return s.msg }
func (s *sentinel) Unwrap() error { return s.parent }

// The exit codes of every program of this module.
const (
	ExitVerified      = 0 // nil: every check passed
	ExitRejected      = 1 // ErrRejected
	ExitBadInput      = 2 // ErrBadInput (and bad usage)
	ExitCouldNotCheck = 3 // ErrCouldNotCheck, and any error wrapping none of the three
)

// ExitCode maps err to an exit code: 0 for nil, 1 for a rejection, 2 for
// bad input, 3 for could not check. An error wrapping several (a joined
// error) takes the most serious, in that order: a rejection is never
// hidden behind an input or network error. An error wrapping none of the
// three — a bug — is 3: nothing was verified, and it is never 0 or 1.
func ExitCode(err error) int {
	switch {
	case err == nil:
		return ExitVerified
	case errors.Is(err, ErrRejected):
		return ExitRejected
	case errors.Is(err, ErrBadInput):
		return ExitBadInput
	}
	return ExitCouldNotCheck
}
