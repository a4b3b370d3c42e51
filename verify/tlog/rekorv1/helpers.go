package rekorv1

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/ats-run/selfattest/verify/tlog"
)

// originSeparator joins a Rekor v1 shard's host and tree ID in its
// checkpoints' origin line (see [tlog.RekorV1Origin]).
const originSeparator = " - "

// checkVerified returns package tlog's verdict on cp as a tree: a
// [*tlog.PolicyError] if [tlog.VerifyCheckpoint] did not return it, a
// [*tlog.TreeSizeError] if it is larger than [tlog.MaxTreeSize]. A
// checkpoint is consistent with itself under an empty proof exactly when
// it is such a tree (and, at size 0, has the empty tree's root).
func checkVerified(cp *tlog.VerifiedCheckpoint) error {
	return tlog.VerifyConsistency(cp, cp, nil)
}

// fetchError wraps a fetcher's error in a [*tlog.FetchError] unless it is
// one.
func fetchError(path string, err error) error {
	if fe := (*tlog.FetchError)(nil); errors.As(err, &fe) {
		return fe
	}
	return &tlog.FetchError{Path: path, Err: err}
}

// answerError turns the [*tlog.MalformedError] of a parser of what a
// server answered into a [*tlog.AnswerError]; any other error is returned
// as it is. A signed note that does not parse is one; a checkpoint body
// that does not parse under a verified signature is not: the log signed it.
func answerError(err error, path string) error {
	var me *tlog.MalformedError
	if errors.As(err, &me) && me.What != "checkpoint" {
		return &tlog.AnswerError{What: me.What, Path: path, Err: me.Err}
	}
	return err
}

// parseDecimal accepts a canonical decimal only: digits, no sign, no
// leading zero.
func parseDecimal(s string) (uint64, error) {
	if s == "" || (len(s) > 1 && s[0] == '0') {
		return 0, fmt.Errorf("%q is not a canonical decimal", s)
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("%q is not a canonical decimal", s)
		}
	}
	return strconv.ParseUint(s, 10, 64)
}
