package tuf

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/ats-run/selfattest"
	"github.com/ats-run/selfattest/internal/fetch"
	"github.com/ats-run/selfattest/verify"
)

// The three ways [Refresh] and [Cached] end without a result. Every error
// they return wraps exactly one of them. Each wraps package verify's
// sentinel of the same name, so a caller that tests for
// verify.ErrVerification, verify.ErrCouldNotCheck or verify.ErrBadInput
// classifies a refresh's errors too.
var (
	// ErrVerification means TUF verification ran and refused what the
	// repository (or, for [Cached], the cache) holds: a signature that does
	// not verify or misses its threshold, a version rolled back, expired
	// metadata, a target whose length or hashes differ from the signed
	// ones, a signed target that is not a trusted root. Treat it as a
	// security event; do not fall back to a cached root because of it.
	ErrVerification = selfattest.Beneath(verify.ErrVerification, "tuf: "+verify.ErrVerification.Error())

	// ErrCouldNotCheck means the refresh did not run to its end for
	// reasons outside the evidence: a network failure, a time-out or a
	// cancelled context, an HTTP error status (404 included), a file over
	// its size limit, a cache that cannot be read or written, or — for
	// [Cached] — a cache that does not hold what is needed. Nothing is
	// known; try again, or, if the caller decided so, use [Cached].
	ErrCouldNotCheck = selfattest.Beneath(verify.ErrCouldNotCheck, "tuf: "+verify.ErrCouldNotCheck.Error())

	// ErrBadInput means the caller's input is unusable: an empty or
	// refused repository URL, a TUF root.json that does not parse or is
	// not signed by its own keys, an empty cache directory, an option out
	// of range, or a target the repository's signed metadata does not
	// list.
	ErrBadInput = selfattest.Beneath(verify.ErrBadInput, "tuf: "+verify.ErrBadInput.Error())
)

// FetchError is the error the HTTP fetch of one repository file ends
// with: the URL, what went wrong and, for an HTTP error, the status code.
// A [RefreshError] carries it in its chain; get it with [errors.As].
type FetchError = fetch.Error

// RefreshError is the error [Refresh] and [Cached] return once their
// inputs were accepted. It wraps one of [ErrVerification],
// [ErrCouldNotCheck] and [ErrBadInput], and its cause Err, which is most
// often one of go-tuf's typed errors (such as
// *metadata.ErrUnsignedMetadata, *metadata.ErrExpiredMetadata,
// *metadata.ErrBadVersionNumber, *metadata.ErrLengthOrHashMismatch) or a
// [*FetchError]: both are reachable with [errors.As].
type RefreshError struct {
	// Repository is the repository URL, as given.
	Repository string
	// Target is the target being refreshed.
	Target string
	// Cached is true for an error from [Cached]: nothing was fetched.
	Cached bool
	// URL is the last repository file the TUF client asked for before
	// the failure (for [Cached], the file it looked up in the cache), or
	// "" if it asked for none.
	URL string
	// Err is the cause.
	Err error

	reason error // ErrVerification, ErrCouldNotCheck or ErrBadInput
}

func (e *RefreshError) Error() string {
	verb := "refreshing"
	if e.Cached {
		verb = "loading cached"
	}
	msg := fmt.Sprintf("%s: %s %s from %s", e.reason, verb, e.Target, e.Repository)
	cause := e.Err.Error()
	if e.URL != "" && !strings.Contains(cause, e.URL) {
		msg += " (at " + e.URL + ")"
	}
	return msg + ": " + cause
}

// Unwrap returns the sentinel and the cause.
func (e *RefreshError) Unwrap() []error { return []error{e.reason, e.Err} }

// classify returns the sentinel for an error of the TUF client workflow,
// or otherwise if none of the rules applies.
//
// The order matters. A fetch failure is "could not check" whatever go-tuf
// made of it, except a URL the fetch policy refused. go-tuf's repository
// errors (bad signatures, versions, expiry, hashes) are rejections. An
// error of the file system (the cache), or a file missing from the cache,
// is "could not check". What is left is mostly metadata that does not
// parse, and the caller decides.
func classify(err, otherwise error) error {
	var fe *fetch.Error
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &fe):
		if fe.BadInput() {
			return ErrBadInput
		}
		return ErrCouldNotCheck
	case errors.Is(err, &metadata.ErrRepository{}):
		return ErrVerification
	case errors.As(err, &pe), errors.As(err, &le), errors.Is(err, fs.ErrNotExist):
		return ErrCouldNotCheck
	}
	return otherwise
}
