package sigstore

import "github.com/ats-run/selfattest"

// The three ways a verification can end without success. Every error this
// package returns wraps exactly one of them, each beneath the module's root
// sentinel of its class (selfattest.ErrRejected, ErrCouldNotCheck,
// ErrBadInput), so a caller can always tell a rejection from a check that
// did not happen.
var (
	// ErrVerification means the bundle does not prove what the policy
	// asks: a bad signature, an untrusted chain, a missing or wrong log
	// entry, an identity or claim that differs. Treat it as a security
	// event.
	ErrVerification = selfattest.Beneath(selfattest.ErrRejected, "sigstore: verification failed")

	// ErrCouldNotCheck means the check did not run to its end: the
	// context ended. Nothing is known; try again.
	ErrCouldNotCheck = selfattest.Beneath(selfattest.ErrCouldNotCheck, "sigstore: could not check")

	// ErrBadInput means the caller's input is unusable: a policy that
	// names no identity, an artifact file that cannot be read, a trusted
	// root that is missing.
	ErrBadInput = selfattest.Beneath(selfattest.ErrBadInput, "sigstore: bad input")
)
