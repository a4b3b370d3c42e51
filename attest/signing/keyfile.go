package signing

import (
	"github.com/ats-run/selfattest/internal/fetch"
	"github.com/ats-run/selfattest/internal/localfile"
)

// MaxKeyFileSize bounds the key file [ReadKey] reads.
const MaxKeyFileSize = 64 << 10

// ReadKey reads the signing key file path as [ParseKey] parses it. The file
// must be a regular file (a FIFO or a device is refused without waiting on
// it) of at most [MaxKeyFileSize] bytes, and on unix one that group and
// others may not read (none of the bits 0o077 set: 0600 or 0400, not 0644
// or 0640), as ssh wants of a private key; the mode judged is the opened
// file's, so a symbolic link counts for the file it leads to. Windows has
// no such mode bits; there the file's ACL is the caller's to keep. Those
// refusals, and a file that is not a key ParseKey takes, wrap
// [attest.ErrBadInput]; so does a file that cannot be opened (the caller
// named it). No error quotes the key.
func ReadKey(path string) (*Key, error) {
	b, err := localfile.ReadPrivateFile(path, MaxKeyFileSize)
	if err != nil {
		return nil, badSignInput("signing key: %w", err)
	}
	defer clear(b)
	return ParseKey(b)
}

// CheckServiceURL applies the rules every service this package calls is
// held to (https, or http only to a loopback address; no user info) to
// rawURL, for a caller that takes a URL now, as [NewTimestampAuthority]
// does, and calls it later. A URL refused wraps [attest.ErrBadInput].
func CheckServiceURL(rawURL string) error {
	if rawURL == "" {
		return badSignInput("service URL is empty")
	}
	if err := fetch.CheckURL(rawURL, false); err != nil {
		return badSignInput("service URL: %w", err)
	}
	return nil
}
