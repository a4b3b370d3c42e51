package ipfs

import (
	"errors"
	"fmt"

	"github.com/ats-run/selfattest"
	"github.com/ats-run/selfattest/anchor"
)

// The sentinels. Each sits beneath one of package anchor's, so a caller
// that knows only anchor (or only the root package selfattest) still tells
// rejected, could not check and bad input apart with errors.Is.
var (
	// ErrRejected: the content is not what its CID says, or the archive
	// is malformed in a way only a false or tampered archive is: a block
	// whose bytes do not hash to its CID, a block missing from or extra
	// to the DAG, a DAG that does not reach the root, a size that lies.
	ErrRejected = selfattest.Beneath(anchor.ErrAnchor, "ipfs: rejected")
	// ErrCouldNotCheck: the gateway or the Kubo RPC did not answer, or
	// answered with an HTTP error, or the deadline passed. Never a pass.
	ErrCouldNotCheck = selfattest.Beneath(anchor.ErrCouldNotCheck, "ipfs: could not check")
	// ErrBadInput: an argument cannot be used (a path that is not a
	// regular file or folder, an input above a limit, an unknown CID
	// kind); nothing was checked.
	ErrBadInput = selfattest.Beneath(anchor.ErrBadInput, "ipfs: bad input")
)

// The ways an archive is rejected. Each wraps [ErrRejected].
var (
	// ErrBlockHash: a block's bytes do not hash to its CID.
	ErrBlockHash = selfattest.Beneath(ErrRejected, "ipfs: a block does not match its CID")
	// ErrMissingBlock: a block the DAG links to is not in the CAR.
	ErrMissingBlock = selfattest.Beneath(ErrRejected, "ipfs: a block of the DAG is missing")
	// ErrExtraBlock: the CAR holds a block the DAG does not reach.
	ErrExtraBlock = selfattest.Beneath(ErrRejected, "ipfs: a block not in the DAG")
	// ErrWrongRoot: the CAR's root is not the CID asked for.
	ErrWrongRoot = selfattest.Beneath(ErrRejected, "ipfs: the DAG does not reach the requested root")
	// ErrSize: a UnixFS size does not match the data below it.
	ErrSize = selfattest.Beneath(ErrRejected, "ipfs: a size does not match the data")
	// ErrMalformed: a block is not valid dag-pb or UnixFS, a CAR is not
	// a CAR, or the DAG is not a UnixFS file or directory.
	ErrMalformed = selfattest.Beneath(ErrRejected, "ipfs: malformed archive")
	// ErrPath: a directory entry does not name the file asked for.
	ErrPath = selfattest.Beneath(ErrRejected, "ipfs: a directory entry names another file")
	// ErrNoEntry: the archive verifiably holds no file at the path asked
	// for (its folder, checked against the root, has no such entry).
	ErrNoEntry = selfattest.Beneath(ErrRejected, "ipfs: the archive has no such entry")
)

// ErrLimit: a local input is above a limit ([Limits]); nothing was
// archived. It wraps [ErrBadInput].
var ErrLimit = selfattest.Beneath(ErrBadInput, "ipfs: above a limit")

// ErrTooLarge: a remote answer went above a limit ([Limits]) and was
// refused unread, not judged. It wraps [ErrCouldNotCheck].
var ErrTooLarge = selfattest.Beneath(ErrCouldNotCheck, "ipfs: the answer is above a limit")

func rejected(s error, format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{s}, args...)...)
}

func couldNotCheck(what string, err error) error {
	if errors.Is(err, ErrCouldNotCheck) {
		return err
	}
	return fmt.Errorf("%w: %s: %w", ErrCouldNotCheck, what, err)
}

func badInput(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrBadInput}, args...)...)
}

// classified reports whether err already wraps one of the package's
// three sentinels, so that it is passed on as is rather than wrapped
// beneath another.
func classified(err error) bool {
	return errors.Is(err, ErrRejected) || errors.Is(err, ErrCouldNotCheck) || errors.Is(err, ErrBadInput)
}
