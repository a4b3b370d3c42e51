package tlog

import (
	"fmt"

	"github.com/ats-run/selfattest"
)

// The sentinels. Every error this package returns for a reason of its own
// wraps exactly one of them; errors read back from the log's files keep
// verify/tlog's own sentinels (see "Errors" in the package documentation).
var (
	// ErrInvalidEntry is wrapped by an [*EntryError]: an entry refused
	// before anything was logged.
	ErrInvalidEntry = selfattest.Beneath(selfattest.ErrBadInput, "anchor/tlog: invalid entry")
	// ErrConfig is wrapped by a [*ConfigError]: an origin, key, folder or
	// option that cannot be used. Nothing was opened.
	ErrConfig = selfattest.Beneath(selfattest.ErrBadInput, "anchor/tlog: unusable configuration")
	// ErrLogMismatch is wrapped by a [*FolderError]: the folder holds
	// something other than this log (another key, another origin, a log
	// whose state is incomplete, or files that are not a log). Nothing in
	// it was changed.
	ErrLogMismatch = selfattest.Beneath(selfattest.ErrBadInput, "anchor/tlog: folder does not hold this log")
	// ErrLocked is returned by [Open] when another open [Log] (in this
	// process or another) holds the folder.
	ErrLocked = selfattest.Beneath(selfattest.ErrCouldNotCheck, "anchor/tlog: log folder is in use")
	// ErrClosed is returned by the methods of a [Log] after [Log.Close].
	ErrClosed = selfattest.Beneath(selfattest.ErrBadInput, "anchor/tlog: log is closed")
)

// An EntryError reports an entry refused before anything was logged: empty,
// or longer than [MaxEntrySize]. Position is its place in the slice given to
// [Log.AppendBatch] (0 for [Log.Append]); Size its length in bytes.
type EntryError struct {
	Position int
	Size     int
}

func (e *EntryError) Error() string {
	if e.Size == 0 {
		return fmt.Sprintf("anchor/tlog: entry %d is empty", e.Position)
	}
	return fmt.Sprintf("anchor/tlog: entry %d has %d bytes, more than the %d a tlog-tiles entry can hold", e.Position, e.Size, MaxEntrySize)
}

// Unwrap returns [ErrInvalidEntry].
func (e *EntryError) Unwrap() error { return ErrInvalidEntry }

// A ConfigError reports an argument of [Open], [ParseSignerKey] or
// [FormatSignerKey] that cannot be used, or an index no entry has.
type ConfigError struct {
	Reason string
	Err    error // the cause, if any
}

func (e *ConfigError) Error() string {
	if e.Err != nil {
		return "anchor/tlog: " + e.Reason + ": " + e.Err.Error()
	}
	return "anchor/tlog: " + e.Reason
}

// Unwrap returns [ErrConfig] and the cause.
func (e *ConfigError) Unwrap() []error { return withCause(ErrConfig, e.Err) }

// A FolderError reports a folder [Open] refused to use as this log. Err is
// the evidence when there is some: the verify/tlog rejection of the folder's
// checkpoint (a [*github.com/ats-run/selfattest/verify/tlog.SignatureError]
// for another key, wrapping that package's ErrVerification), or the I/O
// error met.
type FolderError struct {
	Dir    string
	Reason string
	Err    error
}

func (e *FolderError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("anchor/tlog: %s: %s: %v", e.Dir, e.Reason, e.Err)
	}
	return fmt.Sprintf("anchor/tlog: %s: %s", e.Dir, e.Reason)
}

// Unwrap returns [ErrLogMismatch] and the cause.
func (e *FolderError) Unwrap() []error { return withCause(ErrLogMismatch, e.Err) }

func withCause(sentinel, cause error) []error {
	if cause == nil {
		return []error{sentinel}
	}
	return []error{sentinel, cause}
}
