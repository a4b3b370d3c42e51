package attest

import (
	"errors"
	"fmt"
	"path"
	"strings"
)

// ContentName returns the content-addressed name of a released file: the
// name with "-v<version>-<first 8 hex digits of its SHA-256>" put before
// its extension, so "kms.mjs" at version "1.0.1" becomes
// "kms-v1.0.1-7f8a9b0c.mjs".
//
// Only the last extension moves ("app.min.js" → "app.min-v1-….js"); a name
// with no extension, or a dot file such as ".env", gets the suffix at its
// end. A leading "v" on version is not doubled. name must be a bare file
// name (no "/" or "\"), and version may hold only ASCII letters, digits,
// ".", "-", "+" and "_": anything else is an error, so a version string
// taken from a tag can never make a name that escapes its folder.
func ContentName(name, version string, d Digests) (string, error) {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\\\x00") {
		return "", fmt.Errorf("attest: content name: %q is not a bare file name", name)
	}
	version = strings.TrimPrefix(version, "v")
	if err := checkVersion(version); err != nil {
		return "", fmt.Errorf("attest: content name: %w", err)
	}
	stem, ext := name, path.Ext(name)
	if ext == name || ext == "." {
		ext = "" // ".env", "file."
	}
	stem = strings.TrimSuffix(name, ext)
	return stem + "-v" + version + "-" + d.Hex(SHA256)[:8] + ext, nil
}

func checkVersion(v string) error {
	if v == "" {
		return errors.New("empty version")
	}
	if len(v) > 128 {
		return fmt.Errorf("version longer than 128 bytes")
	}
	for _, c := range v {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '-', c == '+', c == '_':
		default:
			return fmt.Errorf("version %q: character %q not allowed", v, c)
		}
	}
	return nil
}
