// Package selfattest is the SDK's error vocabulary: the three ways any
// check of this module ends without success, which every error of every
// package wraps, so a caller can always tell them apart.
//
//   - [ErrRejected]: the check ran and the evidence is wrong (a digest
//     differs, a signature or proof does not verify, a log forked). Treat
//     it as a security event.
//   - [ErrCouldNotCheck]: the check did not run to its end for reasons
//     outside the evidence (a service down or too slow, an answer that is
//     not the protocol's, an anchor not yet deep enough). Nothing is known;
//     try again.
//   - [ErrBadInput]: the caller's input is unusable (a file that cannot be
//     read, is not a regular file or is over its limit; a URL the fetch
//     policy refuses; a malformed receipt or policy).
//
// Each package names its own sentinels beneath these (verify.ErrVerification,
// tlog.ErrUnavailable, anchor.ErrPending, …) with [Beneath], so
// errors.Is(err, selfattest.ErrRejected) holds for every rejection
// anywhere, and errors.Is(err, verify.ErrVerification) still narrows it.
// [ExitCode] maps an error to the exit codes every program of this module
// uses:
//
//	err := run()
//	os.Exit(selfattest.ExitCode(err)) // 0, 1, 2 or 3
//
// The package has no dependency beyond the standard library.
package selfattest
