package localfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestRefused: a directory, a file over the limit and a file open to
// others (an *Error of those kinds, wrapped or not) are refusals; a
// missing file, a bad limit, another error and nil are not.
func TestRefused(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, make([]byte, 11), 0o600); err != nil {
		t.Fatal(err)
	}
	_, dirErr := ReadFile(dir, 10)
	_, bigErr := ReadFile(big, 10)
	_, missingErr := ReadFile(filepath.Join(dir, "missing"), 10)
	_, limitErr := ReadFile(big, 0)
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"a directory", dirErr, true},
		{"over the limit", bigErr, true},
		{"wrapped", fmt.Errorf("key file: %w", bigErr), true},
		{"open to others", &Error{Path: "k", Kind: KindNotPrivate, Mode: 0o644}, true},
		{"missing", missingErr, false},
		{"a bad limit", limitErr, false},
		{"a read error", &Error{Path: "k", Kind: KindRead, Err: errors.New("EIO")}, false},
		{"another error", errors.New("other"), false},
		{"nil", nil, false},
	} {
		if got := Refused(tc.err); got != tc.want {
			t.Errorf("%s: Refused(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
}
