package report

import (
	"fmt"

	"github.com/ats-run/selfattest"
)

// ErrInvalid is wrapped by every error [Parse] returns and by every error a
// writer returns for a report it refuses to write: a malformed report, an
// unknown schema, status or verdict, or a status its checks contradict.
var ErrInvalid = selfattest.Beneath(selfattest.ErrBadInput, "report: invalid report")

// SchemaError is returned when a report names a schema other than
// [SchemaV1] — perhaps a later version this package cannot read. It wraps
// [ErrInvalid].
type SchemaError struct {
	// Schema is the schema the report names.
	Schema string
}

func (e *SchemaError) Error() string {
	return fmt.Sprintf("report: unsupported schema %s, want %q", quote(e.Schema), SchemaV1)
}

func (e *SchemaError) Unwrap() error { return ErrInvalid }

// StatusMismatchError is returned when a report says pass but its verdicts
// do not add up to a pass: a check failed or could not be made, or nothing
// was compared. A report edited to turn a failure into a pass ends here. It
// wraps [ErrInvalid].
type StatusMismatchError struct {
	// Status is the status the report states.
	Status Status
	// Derived is the status its verdicts give (see [Report.Finish]).
	Derived Status
	// Reason says which verdicts, as Finish would.
	Reason string
}

func (e *StatusMismatchError) Error() string {
	return fmt.Sprintf("report: status %s contradicts the verdicts, which give %s (%s)", quote(string(e.Status)), quote(string(e.Derived)), clean(e.Reason))
}

func (e *StatusMismatchError) Unwrap() error { return ErrInvalid }
