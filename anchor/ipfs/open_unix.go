//go:build unix

package ipfs

import (
	"os"
	"syscall"
)

// openNoBlock opens path for reading without blocking on a FIFO or a
// device (O_NONBLOCK) and, if noFollow, without following a symbolic link
// (O_NOFOLLOW). The caller then asks the opened file what it is (fstat),
// so that nothing can swap the path between the check and the read.
func openNoBlock(path string, noFollow bool) (*os.File, error) {
	flags := os.O_RDONLY | syscall.O_NONBLOCK | syscall.O_CLOEXEC
	if noFollow {
		flags |= syscall.O_NOFOLLOW
	}
	return os.OpenFile(path, flags, 0)
}
