package sigstore

import (
	"regexp"
	"strings"
	"testing"
)

// sigstoreTreeIDSuffix is sigstore-go v1.3.0's treeIDSuffixRegex
// (pkg/verify/tlog.go), which decides whether it verifies an inclusion
// proof as a Rekor v1 one.
var sigstoreTreeIDSuffix = regexp.MustCompile(".* - [0-9]+$")

var treeIDLines = []string{
	"rekor.sigstore.dev - 1193050959916656506",
	"rekor.sigstore.dev - 2605736670972794746",
	" - 0",
	"x - 12a",
	"x - ",
	"x -1",
	"x  - 1",
	"x -  1",
	"x - 1 ",
	"- 1",
	" -1",
	"log2025-1.rekor.sigstore.dev",
	"rekor.sigstore.dev - 1 - 2",
	"rekor.sigstore.dev - ١٢",
	"\xff\xfe - 7",
	"a\r - 7",
	"a - 7\r",
	"",
}

func TestTreeIDSuffixMatchesRegexp(t *testing.T) {
	for _, l := range treeIDLines {
		if got, want := treeIDSuffix(l), sigstoreTreeIDSuffix.MatchString(l); got != want {
			t.Errorf("treeIDSuffix(%q) = %v, sigstore-go's regexp says %v", l, got, want)
		}
	}
}

func FuzzTreeIDSuffix(f *testing.F) {
	for _, l := range treeIDLines {
		f.Add(l)
	}
	f.Fuzz(func(t *testing.T, l string) {
		// rekorV1Proof passes a checkpoint's first line: no newline.
		l, _, _ = strings.Cut(l, "\n")
		if got, want := treeIDSuffix(l), sigstoreTreeIDSuffix.MatchString(l); got != want {
			t.Errorf("treeIDSuffix(%q) = %v, sigstore-go's regexp says %v", l, got, want)
		}
	})
}
