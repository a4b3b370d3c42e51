//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package tlog

import (
	"errors"
	"os"
	"syscall"
)

// lockFolder takes an exclusive flock(2) lock on path, without waiting. An
// flock lock belongs to the open file, so a second open of the same log in
// this process is refused as well as one in another process (tessera's own
// fcntl locks serialise processes only).
func lockFolder(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, ErrLocked
		}
		return nil, err
	}
	return f, nil
}

// unlockFolder releases the lock taken by lockFolder.
func unlockFolder(f *os.File) error {
	return f.Close() // closing the last descriptor releases an flock lock
}
