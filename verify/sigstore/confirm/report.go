package confirm

import (
	"errors"
	"fmt"

	"github.com/ats-run/selfattest/verify/report"
	"github.com/ats-run/selfattest/verify/sigstore"
)

// AddToReport adds the outcome of [Confirm] to r, a report made by
// [sigstore.NewReport]: pass it what Confirm returned. Each
// log entry becomes one check in [report.GroupLogConfirmation]: expected, the
// bundle's checkpoint; actual, the log's latest checkpoint; the detail
// says how inclusion and consistency were proven or why they were not.
// A confirmed entry passes, a rejected one fails, one that could not be
// checked is an error. An entry that was not confirmed (no source for its
// log, a log the trusted root does not know) is [report.VerdictInfo] when
// another entry was confirmed and Confirm succeeded, and an error when
// nothing was: it is never a pass. An error without a
// [Error] gives one check whose verdict follows the error.
// The report is finished again ([report.Report.Finish]).
func AddToReport(r *report.Report, c *Confirmation, err error) {
	var ce *Error
	if errors.As(err, &ce) {
		c = ce.Result
	}
	if c == nil {
		if err == nil {
			err = errors.New("no confirmation")
		}
		v := report.VerdictError
		if errors.Is(err, sigstore.ErrVerification) {
			v = report.VerdictFail
		}
		r.Add(report.Check{Group: report.GroupLogConfirmation, Name: "Online confirmation", Expected: "confirmed", Actual: "not confirmed", Verdict: v, Detail: err.Error()})
		r.Finish()
		return
	}
	for _, e := range c.Entries {
		name := fmt.Sprintf("%s entry %d", e.LogURL, e.Index)
		if e.LogURL == "" {
			name = fmt.Sprintf("log %s entry %d", e.LogID, e.Index)
		}
		ch := report.Check{Group: report.GroupLogConfirmation, Name: name, Expected: checkpointText(e.Bundle), Actual: checkpointText(e.Latest), Detail: e.Reason}
		if e.Bundle == nil {
			ch.Expected = "(no checkpoint)"
			if e.Entry != nil {
				ch.Expected = "(an inclusion promise only; the log's entry at " + checkpointText(e.Entry) + ")"
			}
		}
		if e.Latest == nil {
			ch.Actual = "(no latest checkpoint)"
		}
		switch e.Status {
		case StatusConfirmed:
			ch.Verdict = report.VerdictPass
			ch.Detail = confirmDetail(e)
		case StatusRejected:
			ch.Verdict = report.VerdictFail
		case StatusCouldNotCheck:
			ch.Verdict = report.VerdictError
		default:
			ch.Verdict = report.VerdictInfo
			if err != nil {
				ch.Verdict = report.VerdictError
			}
		}
		r.Add(ch)
	}
	if err != nil && ce == nil {
		r.Status, r.Reason = report.StatusError, err.Error()
	}
	r.Finish()
}

// checkpointText shows a checkpoint as "origin @ size (root 1a2b3c4d…)".
func checkpointText(cp *sigstore.Checkpoint) string {
	if cp == nil {
		return ""
	}
	root := cp.RootHash
	if len(root) > 16 {
		root = root[:16] + "…"
	}
	return fmt.Sprintf("%s @ %d (root %s)", cp.Origin, cp.Size, root)
}

func confirmDetail(e Entry) string {
	consistency := fmt.Sprintf("consistent with the bundle's checkpoint (proof of %d hashes)", len(e.ConsistencyProof))
	if e.Bundle != nil && e.Latest != nil && e.Bundle.Size == e.Latest.Size {
		consistency = "the bundle's checkpoint is the latest"
	}
	switch e.Method {
	case MethodTiles:
		return fmt.Sprintf("latest checkpoint signed by the log; %s; entry included at size %d (proof from the log's tiles)", consistency, e.InclusionSize)
	case MethodRekorV1:
		return fmt.Sprintf("latest checkpoint signed by the log; %s; entry included at size %d (the bundle's inclusion proof at size %d, extended by consistency)",
			consistency, e.Latest.Size, e.InclusionSize)
	case MethodRekorV1Entry:
		consistency = fmt.Sprintf("consistent with the entry's checkpoint (proof of %d hashes)", len(e.ConsistencyProof))
		if e.Entry != nil && e.Latest != nil && e.Entry.Size == e.Latest.Size {
			consistency = "the entry's checkpoint is the latest"
		}
		return fmt.Sprintf("latest checkpoint signed by the log; %s; entry included at size %d (the bundle carries a promise only: the entry read by its UUID, its signed entry timestamp verified, its inclusion proof at size %d, extended by consistency)",
			consistency, e.Latest.Size, e.InclusionSize)
	}
	return consistency
}
