package signing

import (
	"github.com/ats-run/selfattest/internal/fetch"
	"github.com/ats-run/selfattest/internal/localfile"
)

// MaxKeyFileSize bounds the key file [ReadKey] reads.
const MaxKeyFileSize = 64 << 10

// ReadKey reads the signing key file path as [ParseKey] parses it. The file
// must be a regular file (a FIFO or a device is refused without waiting on
// it) of at most [MaxKeyFileSize] bytes. Those refusals, and a file that is
// not a key ParseKey takes, wrap [attest.ErrBadInput]; so does a file that
// cannot be opened (the caller named it).
func ReadKey(path string) (*Key, error) {
	b, err := localfile.ReadFile(path, MaxKeyFileSize)
	if err != nil {
		return nil, badSignInput("signing key: %w", err)
	}
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
