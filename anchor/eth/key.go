package eth

import (
	"crypto/ecdsa"
	"encoding/hex"
	"fmt"
	"os"
	"strings"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/internal/localfile"
)

// LoadKeyFile reads a secp256k1 private key from a file holding its 64
// hex digits (an optional "0x", surrounding white space allowed), as
// geth's --nodekey and crypto.LoadECDSA files do. On unix the file must
// not be readable by group or others (mode 0600 or 0400, as ssh wants of a
// key; the mode judged is the opened file's, so a symbolic link counts for
// the file it leads to); Windows has no such mode bits, and there the
// file's ACL is the caller's to keep. Every refusal wraps
// [anchor.ErrBadInput]; errors never quote the file's contents.
func LoadKeyFile(path string) (*ecdsa.PrivateKey, error) {
	// Opened without blocking and refused unless a regular file its owner
	// alone may read: a FIFO or a device named as the key file does not
	// stall the caller.
	data, err := localfile.ReadPrivateFile(path, 1024)
	if err != nil {
		return nil, fmt.Errorf("%w: eth: key file: %w", anchor.ErrBadInput, err)
	}
	defer clear(data)
	return parseKey(string(data), "eth key file "+path)
}

// KeyFromEnv reads a secp256k1 private key from the environment variable
// name, as 64 hex digits. Errors never quote the value.
func KeyFromEnv(name string) (*ecdsa.PrivateKey, error) {
	v, ok := os.LookupEnv(name)
	if !ok {
		return nil, &anchor.FormatError{Field: "eth key $" + name, Reason: "not set"}
	}
	return parseKey(v, "eth key $"+name)
}

func parseKey(s, field string) (*ecdsa.PrivateKey, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "0x")
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		return nil, &anchor.FormatError{Field: field, Reason: "not 64 hex digits"}
	}
	k, err := crypto.ToECDSA(b)
	clear(b)
	if err != nil {
		return nil, &anchor.FormatError{Field: field, Reason: "not a valid secp256k1 private key"}
	}
	return k, nil
}
