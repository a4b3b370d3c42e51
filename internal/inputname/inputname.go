// Package inputname tells a URL from a path among the inputs a caller
// names, and gives an input's base name: the one rule package verify (to
// fetch or open an input) and package verify/report (to describe it) must
// share.
package inputname

import (
	"path"
	"strings"
)

// IsURL reports whether input has a URL scheme ("https://…"): a scheme of
// ASCII letters, digits, '+', '-' or '.', then "://".
func IsURL(input string) bool {
	i := strings.Index(input, "://")
	if i <= 0 {
		return false
	}
	for _, c := range input[:i] {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// Base is the last path element of a path or of a URL's path (a URL with
// no path gives its host).
func Base(input string) string {
	if IsURL(input) {
		if i := strings.IndexAny(input, "?#"); i >= 0 {
			input = input[:i]
		}
		if i := strings.Index(input, "://"); i >= 0 && !strings.Contains(input[i+3:], "/") {
			return input[i+3:]
		}
	}
	return path.Base(strings.ReplaceAll(input, "\\", "/"))
}
