//go:build unix

package evidence

import (
	"os"
	"syscall"
)

// openFlags open without blocking on a FIFO or a device and without
// making a terminal the controlling one; os.OpenFile adds O_CLOEXEC.
const openFlags = os.O_RDONLY | syscall.O_NONBLOCK | syscall.O_NOCTTY

// appendFlags open a file of ours for appending, creating it, without
// waiting on a FIFO planted in its place.
const appendFlags = os.O_WRONLY | os.O_APPEND | os.O_CREATE | syscall.O_NONBLOCK | syscall.O_NOCTTY

// clearNonblock puts a regular file back in blocking mode (reads of a
// regular file never wait anyway; this keeps the descriptor ordinary).
func clearNonblock(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = syscall.SetNonblock(int(fd), false) }); err != nil {
		return err
	}
	return serr
}

// othersMay says whether m's permission bits give group or others any
// access: a private key file's must not, as ssh wants of a key.
func othersMay(m os.FileMode) bool { return m.Perm()&0o077 != 0 }
