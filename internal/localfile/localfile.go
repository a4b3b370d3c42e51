// Package localfile opens the local files selfattest reads — artifacts,
// bundles, keys, trusted roots, state files — so that no path can make a
// reader hang or exhaust memory.
//
// A path may name something other than a file: a FIFO with no writer (an
// ordinary open blocks until one appears, that is forever), a device such
// as /dev/zero (its reads never end) or a terminal (opening it may make it
// the process's controlling terminal). [Open] opens with O_NONBLOCK and
// O_NOCTTY (and O_CLOEXEC, as Go always does), so the open itself returns
// at once whatever the path names, checks with fstat that the descriptor is
// a regular file, refuses anything else, and only then clears O_NONBLOCK.
// Every read goes through a size limit: a file larger than the limit is
// refused before it is read, and one that grows past it while being read
// fails the read that crosses it.
//
// A private key's file is opened with [OpenPrivate] or [ReadPrivateFile],
// which also refuse it, as ssh does, when its permission bits let group or
// others at it (see [OpenPrivate]).
//
// The errors are [*Error] values carrying the path and what was wrong; the
// public packages wrap them with their own sentinels (a local file the
// caller named is bad input).
package localfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
)

// Kind says why a local file was refused.
type Kind int

const (
	// KindOpen: the file could not be opened or examined (it does not
	// exist, permission denied…); Err says why.
	KindOpen Kind = iota + 1
	// KindNotRegular: the path names a directory, a FIFO, a device, a
	// socket: anything but a regular file.
	KindNotRegular
	// KindTooLarge: the file holds more than the limit.
	KindTooLarge
	// KindRead: a read failed; Err says why.
	KindRead
	// KindBadLimit: the caller gave a limit below 1.
	KindBadLimit
	// KindNotPrivate: a private key's file whose permission bits let
	// group or others read, write or run it ([OpenPrivate]).
	KindNotPrivate
)

// Error is the error every function of this package returns.
type Error struct {
	// Path is the path as the caller gave it.
	Path string
	Kind Kind
	// Mode is the file's type, for KindNotRegular; its type and
	// permission bits, for KindNotPrivate.
	Mode fs.FileMode
	// Limit is the size limit, for KindTooLarge.
	Limit int64
	// Err is the underlying error, for KindOpen and KindRead.
	Err error
}

func (e *Error) Error() string {
	switch e.Kind {
	case KindNotRegular:
		return fmt.Sprintf("%s is not a regular file (%s)", e.Path, describe(e.Mode))
	case KindTooLarge:
		return fmt.Sprintf("%s is larger than the limit of %d bytes", e.Path, e.Limit)
	case KindBadLimit:
		return fmt.Sprintf("%s: size limit %d is not positive", e.Path, e.Limit)
	case KindRead:
		return fmt.Sprintf("reading %s: %v", e.Path, e.Err)
	case KindNotPrivate:
		return fmt.Sprintf("%s has mode %04o: a private key file must not be open to group or others; chmod 600 %s", e.Path, e.Mode.Perm(), e.Path)
	}
	return fmt.Sprintf("opening %s: %v", e.Path, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Refused reports whether err is an [*Error] refusing the file for what it
// is: not a regular file, over the size limit, or ([OpenPrivate]) open to
// group or others. Those are the file's fault, which a caller reports as
// bad input or configuration; a file that cannot be opened or read
// (missing, permissions, disk) or a bad limit is not one of them.
func Refused(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Kind {
	case KindNotRegular, KindTooLarge, KindNotPrivate:
		return true
	}
	return false
}

func describe(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m&fs.ModeIrregular != 0:
		return "an irregular file"
	}
	return m.Type().String()
}

// File is a regular file open for reading whose reads stop at a limit.
type File struct {
	f     *os.File
	path  string
	mode  fs.FileMode
	size  int64
	limit int64
	read  int64
}

// Open opens the regular file at path for reading at most limit bytes
// (limit must be at least 1). Anything but a regular file is refused
// without blocking, and so is a file whose size is over limit.
func Open(path string, limit int64) (*File, error) {
	return open(path, limit, os.OpenFile, false)
}

// OpenPrivate is [Open] for a file holding a private key: on unix it also
// refuses the file, with an [*Error] of KindNotPrivate, if its permission
// bits give group or others any access (mode&0o077 != 0), as ssh refuses
// such a key. Mode 0600 and 0400 pass. The mode checked is that of the
// file opened, read from its descriptor (fstat) at the same time as its
// type and size: there is no separate look at the path that a rename or a
// symbolic link could swap between check and read, and a symbolic link is
// judged by the file it leads to.
//
// Outside unix (Windows) files have no such permission bits — access is
// governed by ACLs, and Go reports 0666, or 0444 for a read-only file —
// so there OpenPrivate checks no more than Open does.
func OpenPrivate(path string, limit int64) (*File, error) {
	return open(path, limit, os.OpenFile, true)
}

// OpenIn is [Open] for the file name inside root: no ".." or symbolic link
// leads outside it.
func OpenIn(root *os.Root, name string, limit int64) (*File, error) {
	return open(name, limit, root.OpenFile, false)
}

// open is Open, OpenPrivate and OpenIn: openFile is os.OpenFile or an
// os.Root's; private refuses a file others may read.
func open(path string, limit int64, openFile func(string, int, os.FileMode) (*os.File, error), private bool) (*File, error) {
	if limit < 1 {
		return nil, &Error{Path: path, Kind: KindBadLimit, Limit: limit}
	}
	f, err := openFile(path, openFlags, 0)
	if err != nil {
		return nil, &Error{Path: path, Kind: KindOpen, Err: err}
	}
	return check(f, path, limit, private)
}

// check keeps f if it is a regular file within limit (and, if private,
// one only its owner may use), else closes it. Everything it judges comes
// from one fstat of f.
func check(f *os.File, path string, limit int64, private bool) (*File, error) {
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, &Error{Path: path, Kind: KindOpen, Err: err}
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, &Error{Path: path, Kind: KindNotRegular, Mode: st.Mode().Type()}
	}
	if private && othersMay(st.Mode()) {
		f.Close()
		return nil, &Error{Path: path, Kind: KindNotPrivate, Mode: st.Mode()}
	}
	if st.Size() > limit {
		f.Close()
		return nil, &Error{Path: path, Kind: KindTooLarge, Limit: limit}
	}
	if err := clearNonblock(f); err != nil {
		f.Close()
		return nil, &Error{Path: path, Kind: KindOpen, Err: err}
	}
	return &File{f: f, path: path, mode: st.Mode(), size: st.Size(), limit: limit}, nil
}

// Create opens the file at path for writing, creating it with perm if it
// does not exist; flag adds os.O_TRUNC, os.O_APPEND or os.O_EXCL to
// os.O_WRONLY|os.O_CREATE. Like [Open] it never blocks: an existing FIFO,
// device or directory at path is refused (a FIFO with no reader before
// anything is written, one with a reader after the open returns), so an
// output named by a caller cannot stall a command.
func Create(path string, flag int, perm os.FileMode) (*os.File, error) {
	f, err := os.OpenFile(path, flag|os.O_WRONLY|os.O_CREATE|createFlags, perm)
	if err != nil {
		return nil, &Error{Path: path, Kind: KindOpen, Err: err}
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, &Error{Path: path, Kind: KindOpen, Err: err}
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, &Error{Path: path, Kind: KindNotRegular, Mode: st.Mode().Type()}
	}
	if err := clearNonblock(f); err != nil {
		f.Close()
		return nil, &Error{Path: path, Kind: KindOpen, Err: err}
	}
	return f, nil
}

// Size is the file's size when it was opened.
func (f *File) Size() int64 { return f.size }

// Mode returns the file's mode when it was opened (its permission bits
// say who else may read it: a key file must not be readable by others).
func (f *File) Mode() fs.FileMode { return f.mode }

// Read reads from the file. The read that would take the total past the
// limit returns an [*Error] of KindTooLarge instead; a failed read an
// [*Error] of KindRead.
func (f *File) Read(p []byte) (int, error) {
	if f.read > f.limit {
		return 0, &Error{Path: f.path, Kind: KindTooLarge, Limit: f.limit}
	}
	// One byte past the limit tells a file of exactly limit bytes from a
	// longer one (no limit + 1 past math.MaxInt64).
	if rest := f.limit - f.read; rest < math.MaxInt64 && int64(len(p)) > rest+1 {
		p = p[:rest+1]
	}
	n, err := f.f.Read(p)
	f.read += int64(n)
	if f.read > f.limit {
		return 0, &Error{Path: f.path, Kind: KindTooLarge, Limit: f.limit}
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return n, &Error{Path: f.path, Kind: KindRead, Err: err}
	}
	return n, err
}

// Close closes the file.
func (f *File) Close() error { return f.f.Close() }

// LimitReader returns a reader of at most limit+1 bytes of r: one byte
// past the limit tells a stream of exactly limit bytes from a longer one.
// Unlike io.LimitReader(r, limit+1), it reads all of r when limit is
// math.MaxInt64 instead of wrapping round to nothing.
func LimitReader(r io.Reader, limit int64) io.Reader {
	if limit >= math.MaxInt64 {
		return r
	}
	return io.LimitReader(r, limit+1)
}

// ReadFile reads the whole regular file at path if it holds at most limit
// bytes.
func ReadFile(path string, limit int64) ([]byte, error) {
	f, err := Open(path, limit)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readAll(f)
}

// ReadPrivateFile is [ReadFile] for a file holding a private key: it
// opens the file as [OpenPrivate] does, so on unix a file group or others
// may read is refused before anything is read from it.
func ReadPrivateFile(path string, limit int64) ([]byte, error) {
	f, err := OpenPrivate(path, limit)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readAll(f)
}

// ReadFileIn is [ReadFile] for the file name inside root.
func ReadFileIn(root *os.Root, name string, limit int64) ([]byte, error) {
	f, err := OpenIn(root, name, limit)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readAll(f)
}

func readAll(f *File) ([]byte, error) {
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, err
	}
	return b, nil
}
