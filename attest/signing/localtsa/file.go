package localtsa

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/ats-run/selfattest"
	"github.com/ats-run/selfattest/internal/localfile"
)

// ErrInvalid is wrapped by every error that says a file or PEM is not an
// authority: not a regular file, over [MaxFileSize], readable by group or
// others (on unix), not what [Authority.MarshalPEM] writes, or a key and
// chain that do not match.
var ErrInvalid = selfattest.Beneath(selfattest.ErrBadInput, "localtsa: not a timestamp authority")

// MaxFileSize bounds an authority file: a key and two certificates are a
// few kilobytes.
const MaxFileSize = 64 << 10

// Validity is how long an authority [LoadOrCreate] makes is valid.
const Validity = 10 * 365 * 24 * time.Hour

// LoadOrCreate returns the authority kept in the file path, or, if there is
// no such file, makes one named name (valid from a minute before now for
// [Validity]) and writes it there with mode 0600 (created exclusively: it
// never replaces a file; a umask only takes bits away, so none widens it).
// created says which happened. The folder must exist.
//
// The file is read as [ParsePEM] reads, through a bounded reader that
// refuses anything but a regular file without waiting on it (a FIFO, a
// device). The file holds the authority's private key, so on unix it is
// refused, as ssh refuses a key, if group or others may read it (any of
// the bits 0o077 set, as in 0644 or 0640): the mode judged is the opened
// file's, so a symbolic link counts for the file it leads to. Windows has
// no such mode bits; there the file's ACL is the caller's to keep. Those
// refusals, and a file over [MaxFileSize], wrap [ErrInvalid]; the error
// names the file and its mode, never the key.
func LoadOrCreate(path, name string, now time.Time) (a *Authority, created bool, err error) {
	b, err := localfile.ReadPrivateFile(path, MaxFileSize)
	switch {
	case err == nil:
		defer clear(b)
		a, err := ParsePEM(b)
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", path, err)
		}
		return a, false, nil
	case errors.Is(err, os.ErrNotExist):
	default:
		if localfile.Refused(err) {
			return nil, false, fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		return nil, false, err
	}
	if a, err = Generate(name, now.Add(-time.Minute), Validity); err != nil {
		return nil, false, err
	}
	p, err := a.MarshalPEM()
	if err != nil {
		return nil, false, err
	}
	if err := writeNew(path, p); err != nil {
		return nil, false, err
	}
	return a, true, nil
}

// writeNew writes data to a new file path, mode 0600, and removes what it
// wrote if it cannot finish.
func writeNew(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}
