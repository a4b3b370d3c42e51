//go:build linux

package ipfs

import (
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"unsafe"
)

// directAlign is the alignment O_DIRECT asks of a write's buffer, offset
// and length: 4 KiB covers every logical block size Linux file systems use
// (512 B or 4 KiB).
const directAlign = 4096

// directLength reports whether a block of n bytes may be written with
// O_DIRECT, from a buffer directAligned accepts.
func directLength(n int) bool { return n >= directAlign && n%directAlign == 0 }

// directAligned reports whether data starts at a multiple of directAlign.
func directAligned(data []byte) bool {
	return uintptr(unsafe.Pointer(unsafe.SliceData(data)))%directAlign == 0
}

// openDirect opens a new file for a direct write; a variable so that a
// test can stand in for a file system without O_DIRECT.
var openDirect = func(name string) (*os.File, error) {
	return os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_DIRECT|syscall.O_CLOEXEC, 0o600)
}

// writeDirect writes data, which directLength and directAligned accept, to a new temporary
// file in dir with O_DIRECT and returns its name (see Store.writeTemp). It
// returns errNoDirect, having left no file, when the file system refuses
// O_DIRECT.
func writeDirect(dir string, data []byte) (string, error) {
	for try := 0; ; try++ {
		name := filepath.Join(dir, tempPrefix+strconv.FormatUint(rand.Uint64(), 36))
		f, err := openDirect(name)
		if errors.Is(err, fs.ErrExist) && try < 100 {
			continue
		}
		if errors.Is(err, syscall.EINVAL) {
			// Linux refuses O_DIRECT only once it has created the
			// file (the check is made on the opened file), so the
			// refusal leaves an empty file under this name; O_EXCL
			// made it this call's.
			os.Remove(name)
			return "", errNoDirect
		}
		if err != nil {
			return "", err
		}
		_, err = f.Write(data)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if errors.Is(err, syscall.EINVAL) {
			os.Remove(name)
			return "", errNoDirect
		}
		return name, err
	}
}
