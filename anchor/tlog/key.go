package tlog

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	vtlog "github.com/ats-run/selfattest/verify/tlog"
	"golang.org/x/mod/sumdb/note"
)

// Signer keys. A log signs its checkpoints with one Ed25519 key whose
// signed-note name is the log's origin (C2SP tlog-checkpoint; Rekor v2 does
// the same). [Open] takes the name and the private key apart; the two
// functions below convert to and from the one-string form of
// golang.org/x/mod/sumdb/note (note.GenerateKey, note.NewSigner):
//
//	PRIVATE+KEY+<name>+<key hash, 8 hex digits>+<base64 of 0x01 || 32-byte seed>

const algEd25519 = 0x01

// ParseSignerKey parses a signed-note Ed25519 signer key, as made by
// golang.org/x/mod/sumdb/note.GenerateKey, and returns its name (the log's
// origin) and private key. The key hash must be the one the name and key
// give. Any other input is a [*ConfigError]; the error never quotes the key.
func ParseSignerKey(skey string) (name string, key ed25519.PrivateKey, err error) {
	bad := func(reason string) (string, ed25519.PrivateKey, error) {
		return "", nil, &ConfigError{Reason: "signer key: " + reason}
	}
	rest, ok := strings.CutPrefix(skey, "PRIVATE+KEY+")
	if !ok {
		return bad(`does not start with "PRIVATE+KEY+"`)
	}
	name, rest, ok1 := strings.Cut(rest, "+")
	hash16, key64, ok2 := strings.Cut(rest, "+")
	if !ok1 || !ok2 {
		return bad("not of the form PRIVATE+KEY+<name>+<hash>+<key>")
	}
	if len(hash16) != 8 {
		return bad("key hash is not 8 hex digits")
	}
	hash, err := strconv.ParseUint(hash16, 16, 32)
	if err != nil {
		return bad("key hash is not 8 hex digits")
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(key64)
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != algEd25519 {
		return bad("key is not base64 of an Ed25519 seed")
	}
	if _, err := note.NewSigner(skey); err != nil {
		return bad("x/mod/sumdb/note refuses it")
	}
	key = ed25519.NewKeyFromSeed(raw[1:])
	k, err := vtlog.NewLogKey(name, key.Public())
	if err != nil {
		return bad("unusable name")
	}
	if uint64(k.KeyHash()) != hash {
		return bad(fmt.Sprintf("key hash %s is not the hash %08x of the name and key", hash16, k.KeyHash()))
	}
	return name, key, nil
}

// FormatSignerKey returns the signed-note signer key string of name and key,
// which [ParseSignerKey] and golang.org/x/mod/sumdb/note.NewSigner accept.
func FormatSignerKey(name string, key ed25519.PrivateKey) (string, error) {
	k, err := checkKey(name, key)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("PRIVATE+KEY+%s+%08x+%s", name, k.KeyHash(),
		base64.StdEncoding.EncodeToString(append([]byte{algEd25519}, key.Seed()...))), nil
}

// checkKey checks that key is a whole Ed25519 private key whose public half
// is the one its seed gives, and returns its verifier under name.
func checkKey(name string, key ed25519.PrivateKey) (*vtlog.LogKey, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, &ConfigError{Reason: fmt.Sprintf("Ed25519 private key of %d bytes, want %d", len(key), ed25519.PrivateKeySize)}
	}
	pub := key.Public().(ed25519.PublicKey)
	if !bytes.Equal(ed25519.NewKeyFromSeed(key.Seed()).Public().(ed25519.PublicKey), pub) {
		return nil, &ConfigError{Reason: "Ed25519 private key whose public half does not match its seed"}
	}
	k, err := vtlog.NewLogKey(name, pub)
	if err != nil {
		return nil, &ConfigError{Reason: fmt.Sprintf("origin %q cannot name a signed-note key", name), Err: err}
	}
	return k, nil
}

// newSigner returns the note.Signer of name and key, checked by checkKey.
func newSigner(name string, key ed25519.PrivateKey) (note.Signer, error) {
	skey, err := FormatSignerKey(name, key)
	if err != nil {
		return nil, err
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		return nil, &ConfigError{Reason: "x/mod/sumdb/note refuses the signer key", Err: err}
	}
	return s, nil
}
