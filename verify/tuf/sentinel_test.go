package tuf

import (
	"errors"
	"testing"

	"github.com/ats-run/selfattest/verify"
)

// A caller that sorts errors with package verify's sentinels sorts a
// refresh's errors the same way, and the three never overlap.
func TestSentinelsWrapVerify(t *testing.T) {
	ours := []error{ErrVerification, ErrCouldNotCheck, ErrBadInput}
	theirs := []error{verify.ErrVerification, verify.ErrCouldNotCheck, verify.ErrBadInput}
	for i, e := range ours {
		for j, v := range theirs {
			if got := errors.Is(e, v); got != (i == j) {
				t.Errorf("errors.Is(%v, %v) = %v", e, v, got)
			}
		}
	}
}
