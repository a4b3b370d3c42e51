//go:build !unix

package ipfs

import (
	"os"
)

// openNoBlock opens path for reading; the caller refuses anything but a
// regular file or a folder from its Stat. On systems without O_NONBLOCK
// and O_NOFOLLOW a symbolic link is followed.
func openNoBlock(path string, _ bool) (*os.File, error) { return os.Open(path) }
