//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package tlog

import (
	"errors"
	"os"
)

func lockFolder(string) (*os.File, error) {
	return nil, errors.New("locking a log folder is not supported on this system")
}

func unlockFolder(f *os.File) error { return f.Close() }
