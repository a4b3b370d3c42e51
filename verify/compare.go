package verify

import (
	"context"
	"fmt"
	"strconv"

	"github.com/ats-run/selfattest/attest"
)

// CompareOptions tune [Compare]. The zero value is safe.
type CompareOptions struct {
	// Fetch bounds the fetch of any input that is a URL.
	Fetch FetchOptions
}

// Row is one line of the hash-comparison table.
type Row struct {
	// Name is "SHA-256", "SRI", "SHA-512" or "Size".
	Name  string `json:"name"`
	Local string `json:"local"`
	Live  string `json:"live"`
	Match bool   `json:"match"`
}

// Comparison is the outcome of comparing a local artifact (usually a
// reproducible build) with a live one. Rows are, in order: SHA-256 (hex),
// SRI (sha384), SHA-512 (hex), and Size (bytes). A Comparison is returned
// by [Compare] only when every row matches; a mismatch returns it inside a
// [MismatchError].
type Comparison struct {
	Local Artifact `json:"local"`
	Live  Artifact `json:"live"`
	Rows  []Row    `json:"rows"`
}

// Compare measures local and live — each a file path or a URL — and
// compares their size and their SHA-256, SHA-384 and SHA-512 digests.
//
// The error wraps [ErrVerification] (as a [*MismatchError] holding the
// comparison) when they differ, [ErrBadInput] when an input cannot be
// read, is empty, or is a URL the fetch policy refuses outright, and
// [ErrCouldNotCheck] when a URL cannot be fetched to its end.
func Compare(ctx context.Context, local, live string, opts CompareOptions) (*Comparison, error) {
	l, err := MeasureInput(ctx, local, opts.Fetch)
	if err != nil {
		return nil, err
	}
	r, err := MeasureInput(ctx, live, opts.Fetch)
	if err != nil {
		return nil, err
	}
	return CompareDigests(l, r)
}

// CompareDigests compares two artifacts measured already (see
// [MeasureInput], [attest.Measure]). It returns a [*MismatchError] unless
// sizes and all three digests are equal.
//
// An empty artifact is refused with [ErrBadInput]: zero bytes prove nothing,
// and two empty inputs must never compare equal.
func CompareDigests(local, live Artifact) (*Comparison, error) {
	for _, a := range []Artifact{local, live} {
		if a.Digests.Size == 0 {
			return nil, fmt.Errorf("%w: %s is empty", ErrBadInput, a.Input)
		}
	}
	c := &Comparison{Local: local, Live: live}
	ld, rd := local.Digests, live.Digests
	c.Rows = []Row{
		{Name: "SHA-256", Local: ld.Hex(attest.SHA256), Live: rd.Hex(attest.SHA256), Match: ld.SHA256 == rd.SHA256},
		{Name: "SRI", Local: ld.SRI(attest.SHA384), Live: rd.SRI(attest.SHA384), Match: ld.SHA384 == rd.SHA384},
		{Name: "SHA-512", Local: ld.Hex(attest.SHA512), Live: rd.Hex(attest.SHA512), Match: ld.SHA512 == rd.SHA512},
		{Name: "Size", Local: strconv.FormatInt(ld.Size, 10) + " bytes", Live: strconv.FormatInt(rd.Size, 10) + " bytes", Match: ld.Size == rd.Size},
	}
	if !ld.Equal(rd) {
		return nil, &MismatchError{Comparison: c}
	}
	return c, nil
}
