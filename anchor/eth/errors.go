package eth

import (
	"fmt"
	"strings"

	"github.com/ats-run/selfattest/anchor"
)

func badInput(field, reason string) error {
	return &anchor.FormatError{Field: "eth entry." + field, Reason: reason}
}

// A RejectError reports an entry of kind "eth" that does not anchor the
// root, or a deployment the chain failed ([DeployContract]): Check names
// what was compared, Expected and Got the two values.
type RejectError struct {
	Check    string
	Expected string
	Got      string
	Err      error // the cause, if any
}

func (e *RejectError) Error() string {
	s := "eth: rejected: " + e.Check
	if e.Expected != "" || e.Got != "" {
		s += fmt.Sprintf(" (expected %s, got %s)", e.Expected, e.Got)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns [anchor.ErrAnchor] and the cause.
func (e *RejectError) Unwrap() []error { return withCause(anchor.ErrAnchor, e.Err) }

func reject(check, expected, got string, err error) error {
	return &RejectError{Check: check, Expected: expected, Got: got, Err: err}
}

// A FeeError reports an anchor not sent because the fees the node asks
// for are above [Options] limits. It wraps [anchor.ErrCouldNotCheck]: try
// again later, or raise the limits.
type FeeError struct {
	What  string // "maxFeePerGas", "maxPriorityFeePerGas" or "gas"
	Limit string
	Asked string
}

func (e *FeeError) Error() string {
	return fmt.Sprintf("eth: could not check: %s %s is above the limit %s: not sent", e.What, e.Asked, e.Limit)
}

// Unwrap returns [anchor.ErrCouldNotCheck].
func (e *FeeError) Unwrap() error { return anchor.ErrCouldNotCheck }

// An EndpointsError reports that the RPC endpoints an [OnlineVerifier]
// asked did not give the answer it needs: fewer than k agreed, or some did
// not answer. Answers holds what each endpoint said, in order ("" for one
// that did not answer), and Errs why each that failed did. It wraps
// [anchor.ErrCouldNotCheck].
type EndpointsError struct {
	Number  uint64
	Want    string   // the block hash of the entry
	Answers []string // per endpoint: the canonical hash it named at Number, or ""
	Errs    []error  // per endpoint: nil or why it did not answer
	Names   []string // per endpoint: how to name it ([OnlineOptions.Names]); "endpoint i" if missing
	Reason  string
}

// name is how the message names endpoint i.
func (e *EndpointsError) name(i int) string {
	if i < len(e.Names) && e.Names[i] != "" {
		return e.Names[i]
	}
	return fmt.Sprintf("endpoint %d", i)
}

func (e *EndpointsError) Error() string {
	parts := make([]string, len(e.Answers))
	for i, a := range e.Answers {
		switch {
		case e.Errs[i] != nil:
			parts[i] = fmt.Sprintf("%s: %v", e.name(i), e.Errs[i])
		default:
			parts[i] = fmt.Sprintf("%s: block %d is %s", e.name(i), e.Number, a)
		}
	}
	return fmt.Sprintf("eth: could not check: %s (entry names block %d = %s): %s", e.Reason, e.Number, e.Want, strings.Join(parts, "; "))
}

// Unwrap returns [anchor.ErrCouldNotCheck].
func (e *EndpointsError) Unwrap() error { return anchor.ErrCouldNotCheck }

func withCause(sentinel, cause error) []error {
	if cause == nil {
		return []error{sentinel}
	}
	return []error{sentinel, cause}
}

func couldNotCheck(what string, err error) error {
	return fmt.Errorf("%w: eth: %s: %w", anchor.ErrCouldNotCheck, what, err)
}
