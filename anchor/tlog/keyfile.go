package tlog

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ats-run/selfattest/internal/localfile"
	"github.com/sigstore/sigstore-go/pkg/root"
)

// Limits of the local files this package reads.
const (
	// MaxKeyFileSize bounds a signer key file (one line of ~100 bytes).
	MaxKeyFileSize = 4 << 10
	// MaxChainFileSize bounds a PEM certificate chain file.
	MaxChainFileSize = 1 << 20
)

// LoadOrCreateKey returns the log's Ed25519 key kept in the file path (one
// signer key line, as [FormatSignerKey] writes it), or, if there is no such
// file, generates one for origin and writes it there with mode 0600
// (created exclusively: it never replaces a file; a umask only takes bits
// away, so none widens it). created says which happened. The folder must
// exist; keep the file: it is the log's identity.
//
// The file is read bounded by [MaxKeyFileSize], and anything but a regular
// file (a FIFO, a device, a directory) is refused without waiting on it.
// On unix a file group or others may read (any of the bits 0o077 set, as
// in 0644 or 0640) is refused too, as ssh refuses such a key: the mode
// judged is the opened file's, so a symbolic link counts for the file it
// leads to. Windows has no such mode bits; there the file's ACL is the
// caller's to keep. A file that is not a signer key, or is one for another
// origin, is a [*ConfigError], as are those refusals; an error writing the
// new file (permissions, disk) is returned as it is. No error quotes the
// key.
func LoadOrCreateKey(path, origin string) (key ed25519.PrivateKey, created bool, err error) {
	b, err := localfile.ReadPrivateFile(path, MaxKeyFileSize)
	switch {
	case err == nil:
		defer clear(b)
		name, k, err := ParseSignerKey(strings.TrimSpace(string(b)))
		if err != nil {
			return nil, false, &ConfigError{Reason: "key file " + path, Err: err}
		}
		if name != origin {
			return nil, false, &ConfigError{Reason: fmt.Sprintf("key file %s is for %q, not origin %q", path, name, origin)}
		}
		return k, false, nil
	case errors.Is(err, os.ErrNotExist):
	default:
		if localfile.Refused(err) {
			return nil, false, &ConfigError{Reason: "key file", Err: err}
		}
		return nil, false, err
	}
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, false, err
	}
	s, err := FormatSignerKey(origin, k)
	if err != nil {
		return nil, false, err
	}
	if err := writeFile(path, []byte(s+"\n"), 0o600, true); err != nil {
		return nil, false, err
	}
	return k, true, nil
}

// WriteTrustedRoot writes the trusted root naming logs and tsas (see
// [TrustedRoot]) to path as JSON, mode 0644, replacing what was there
// atomically (a temporary file in the same folder, then a rename).
func WriteTrustedRoot(path string, logs []*root.TransparencyLog, tsas ...root.TimestampingAuthority) error {
	tr, err := TrustedRoot(logs, tsas...)
	if err != nil {
		return err
	}
	j, err := tr.MarshalJSON()
	if err != nil {
		return &ConfigError{Reason: "trusted root", Err: err}
	}
	return writeFile(path, j, 0o644, false)
}

// ReadTimestampingAuthority reads a PEM certificate chain file (the signing
// certificate first, the root last), bounded by [MaxChainFileSize], as
// [ParseTimestampingAuthority] does.
func ReadTimestampingAuthority(path string) (*root.SigstoreTimestampingAuthority, error) {
	b, err := localfile.ReadFile(path, MaxChainFileSize)
	if err != nil {
		if localfile.Refused(err) { // ReadFile: not a regular file or too large
			return nil, &ConfigError{Reason: "timestamp authority chain", Err: err}
		}
		return nil, err
	}
	return ParseTimestampingAuthority(b)
}

// ParseTimestampingAuthority turns an RFC 3161 authority's PEM certificate
// chain (its signing certificate first, then any intermediates, the root
// last) into the trust anchor [TrustedRoot] names, valid from the signing
// certificate's start with no end. Blocks other than CERTIFICATE are
// skipped. The chain must verify as crypto/x509 verifies it, at the signing
// certificate's start: each certificate signed by the next, the root
// self-signed, and the signing certificate allowed to time-stamp (RFC 3161
// §2.3). Anything else is a [*ConfigError].
func ParseTimestampingAuthority(chainPEM []byte) (*root.SigstoreTimestampingAuthority, error) {
	bad := func(reason string, err error) error {
		return &ConfigError{Reason: "timestamp authority chain: " + reason, Err: err}
	}
	var certs []*x509.Certificate
	for data := chainPEM; len(data) > 0; {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, bad("certificate", err)
		}
		certs = append(certs, c)
	}
	if len(certs) < 2 {
		return nil, bad(fmt.Sprintf("want the signing certificate and its root, found %d certificates", len(certs)), nil)
	}
	leaf, inter, rootCert := certs[0], certs[1:len(certs)-1], certs[len(certs)-1]
	if err := rootCert.CheckSignatureFrom(rootCert); err != nil {
		return nil, bad("the last certificate is not a self-signed root", err)
	}
	// crypto/x509 lets a certificate with no extended key usage do
	// anything; RFC 3161 §2.3 wants the time-stamping one named.
	if !slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageTimeStamping) {
		return nil, bad("the signing certificate does not name the time-stamping extended key usage", nil)
	}
	roots, inters := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(rootCert)
	for _, c := range inter {
		inters.AddCert(c)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{
		Roots: roots, Intermediates: inters, CurrentTime: leaf.NotBefore,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping},
	}); err != nil {
		return nil, bad("does not verify", err)
	}
	return &root.SigstoreTimestampingAuthority{
		Leaf: leaf, Intermediates: inter, Root: rootCert,
		ValidityPeriodStart: leaf.NotBefore,
	}, nil
}

// writeFile writes data to path with mode perm: exclusively (failing if
// path exists), or through a temporary file renamed over path.
func writeFile(path string, data []byte, perm os.FileMode, exclusive bool) (err error) {
	name := path
	var f *os.File
	if exclusive {
		f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	} else {
		f, err = os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
		if err == nil {
			name = f.Name()
			err = f.Chmod(perm)
		}
	}
	if f == nil {
		return err
	}
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && !exclusive {
		err = os.Rename(name, path)
	}
	if err != nil {
		os.Remove(name)
	}
	return err
}
