package verify

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ats-run/selfattest"
	"github.com/ats-run/selfattest/internal/fetch"
)

// The three ways a check can end without success. Every error this package
// returns wraps exactly one of them, so a caller can always tell a
// rejection from a check that did not happen.
var (
	// ErrVerification means the check ran and the evidence is wrong: a
	// digest differs, an integrity attribute does not match, a subresource
	// is unprotected under a strict policy. Treat it as a security event.
	ErrVerification = selfattest.Beneath(selfattest.ErrRejected, "verify: verification failed")

	// ErrCouldNotCheck means the check did not run to its end for reasons
	// outside the evidence: a network failure, a time-out, an HTTP error
	// status, a body over the size limit or shorter than announced, a
	// redirect the fetch policy refuses. Nothing is known; try again.
	ErrCouldNotCheck = selfattest.Beneath(selfattest.ErrCouldNotCheck, "verify: could not check")

	// ErrBadInput means the caller's input is unusable: a local file that
	// cannot be read, is empty, is not a regular file (a directory, a
	// FIFO, a device: refused without waiting on it) or is over its size
	// limit; a URL that is malformed or that the fetch policy refuses
	// (another scheme, plain http to a host other than loopback).
	ErrBadInput = selfattest.Beneath(selfattest.ErrBadInput, "verify: bad input")
)

// FetchError is the error a URL fetch returns, with the URL, what went
// wrong ([FetchError.Kind]) and, for HTTP errors, the status code. It is
// always wrapped together with [ErrCouldNotCheck] or [ErrBadInput].
type FetchError = fetch.Error

// MismatchError is returned by [Compare] and [CompareDigests] when the two
// artifacts differ. It carries the whole comparison as evidence. It wraps
// [ErrVerification].
type MismatchError struct {
	Comparison *Comparison
}

func (e *MismatchError) Error() string {
	var diff []string
	for _, r := range e.Comparison.Rows {
		if !r.Match {
			diff = append(diff, r.Name)
		}
	}
	return fmt.Sprintf("verify: %s and %s differ (%s)", e.Comparison.Local.Input, e.Comparison.Live.Input, strings.Join(diff, ", "))
}

func (e *MismatchError) Unwrap() error { return ErrVerification }

// PageError is returned by [CheckPage] when at least one subresource was
// rejected or could not be checked. It carries the whole result as
// evidence, and wraps [ErrVerification] if any subresource was rejected,
// otherwise [ErrCouldNotCheck].
type PageError struct {
	Result *PageResult
}

func (e *PageError) Error() string {
	var rejected, unchecked int
	for _, s := range e.Result.Subresources {
		switch s.Outcome {
		case OutcomeFail:
			rejected++
		case OutcomeError:
			unchecked++
		}
	}
	return fmt.Sprintf("verify: page %s: %d of %d subresources rejected, %d could not be checked",
		e.Result.URL, rejected, len(e.Result.Subresources), unchecked)
}

func (e *PageError) Unwrap() error {
	for _, s := range e.Result.Subresources {
		if s.Outcome == OutcomeFail {
			return ErrVerification
		}
	}
	return ErrCouldNotCheck
}

// classify wraps a fetch or read error with the sentinel it belongs to.
func classifyFetch(err error) error {
	var fe *fetch.Error
	if errors.As(err, &fe) && fe.BadInput() {
		return fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	return fmt.Errorf("%w: %w", ErrCouldNotCheck, err)
}
