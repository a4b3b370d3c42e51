package tlog

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// ParseLogKey parses a log's signed-note verifier key,
// "name+hash+base64(type || key)", strictly: the hash is eight lowercase or
// uppercase hex digits, the base64 is canonical standard padded base64
// (trailing bits zero, no newlines), and the key is an Ed25519 note key
// (type 0x01, 32 bytes) or an ECDSA P-256 key as transparency-dev/formats
// writes it (type 0x02, PKIX DER). The hash must be the one the key gives.
// The result has no validity window (see [NewLogKey]).
//
// Every error is a [*PolicyError]: a key that does not parse is a caller's
// configuration error, not a rejected checkpoint. [FormatLogKey] writes what
// ParseLogKey reads.
func ParseLogKey(vkey string) (*LogKey, error) {
	bad := func(format string, args ...any) error {
		return &PolicyError{Reason: fmt.Sprintf("log key %q: ", vkey) + fmt.Sprintf(format, args...)}
	}
	name, rest, ok1 := strings.Cut(vkey, "+")
	hash16, key64, ok2 := strings.Cut(rest, "+")
	hash, err1 := strconv.ParseUint(hash16, 16, 32)
	key, err2 := base64.StdEncoding.Strict().DecodeString(key64)
	// encoding/base64 skips '\r' and '\n' even when strict.
	if !ok1 || !ok2 || strings.ContainsAny(key64, "\r\n") || len(hash16) != 8 || err1 != nil || err2 != nil || !isValidName(name) || len(key) < 2 {
		return nil, bad("not name+hash+base64 of a type byte and a key")
	}
	var k *LogKey
	var err error
	switch alg, raw := key[0], key[1:]; alg {
	case algEd25519:
		if len(raw) != ed25519.PublicKeySize {
			return nil, bad("Ed25519 key of %d bytes", len(raw))
		}
		k, err = NewLogKey(name, ed25519.PublicKey(raw))
	case algECDSAWithSHA256:
		pub, perr := x509.ParsePKIXPublicKey(raw)
		if perr != nil {
			return nil, bad("ECDSA key: %v", perr)
		}
		ek, ok := pub.(*ecdsa.PublicKey)
		if !ok {
			return nil, bad("a %T key, not ECDSA", pub)
		}
		k, err = NewLogKey(name, ek)
		if err == nil && string(mustPKIX(ek)) != string(raw) {
			return nil, bad("ECDSA key DER is not canonical")
		}
	default:
		return nil, bad("key type 0x%02x, want 0x01 (Ed25519) or 0x02 (ECDSA)", alg)
	}
	if err != nil {
		return nil, err
	}
	if uint32(hash) != k.hash {
		return nil, bad("key hash %s does not match the key (%08x)", hash16, k.hash)
	}
	return k, nil
}

// FormatLogKey returns k as the signed-note verifier key [ParseLogKey]
// reads: "name+hash+base64(type || key)".
func FormatLogKey(k *LogKey) string {
	var key []byte
	switch pk := k.pub.(type) {
	case ed25519.PublicKey:
		key = append([]byte{algEd25519}, pk...)
	case *ecdsa.PublicKey:
		key = append([]byte{algECDSAWithSHA256}, mustPKIX(pk)...)
	default:
		panic("tlog: LogKey of an unsupported type") // NewLogKey refuses them
	}
	return fmt.Sprintf("%s+%08x+%s", k.name, k.hash, base64.StdEncoding.EncodeToString(key))
}

func mustPKIX(pk *ecdsa.PublicKey) []byte {
	der, err := x509.MarshalPKIXPublicKey(pk)
	if err != nil {
		panic("tlog: " + err.Error()) // NewLogKey marshalled it already
	}
	return der
}
