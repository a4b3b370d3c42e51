package anchortest_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/anchor/anchortest"
)

const brokenEnv = "SELFATTEST_ANCHORTEST_BROKEN"

// Broken targets, each breaking one rule of the contract.
type (
	// eager reports a pending anchor as confirmed at depth 1.
	eager struct{ *anchortest.Memory }
	// forgetful anchors a root again on every call.
	forgetful struct{ *anchortest.Memory }
	// deaf ignores a cancelled context.
	deaf struct{ *anchortest.Memory }
	// lenient accepts an entry checked against another root.
	lenient struct{ *anchortest.Memory }
)

func (e eager) Check(ctx context.Context, root anchor.Hash, en anchor.Entry) (anchor.Status, error) {
	st, err := e.Memory.Check(ctx, root, en)
	if err == nil && st.State == anchor.StatePending {
		st.State, st.Depth = anchor.StateConfirmed, 1
	}
	return st, err
}

func (f forgetful) Anchor(ctx context.Context, root anchor.Hash) (anchor.Entry, error) {
	f.Memory.DropRecent(ctx)
	return f.Memory.Anchor(ctx, root)
}

func (d deaf) Anchor(_ context.Context, root anchor.Hash) (anchor.Entry, error) {
	return d.Memory.Anchor(context.Background(), root)
}

func (d deaf) Check(_ context.Context, root anchor.Hash, en anchor.Entry) (anchor.Status, error) {
	return d.Memory.Check(context.Background(), root, en)
}

func (l lenient) Check(ctx context.Context, root anchor.Hash, en anchor.Entry) (anchor.Status, error) {
	st, err := l.Memory.Check(ctx, root, en)
	if errors.Is(err, anchor.ErrAnchor) {
		return anchor.Status{State: anchor.StatePending, Entry: en}, nil
	}
	return st, err
}

// TestBrokenChild runs the suite on the broken target its parent names.
func TestBrokenChild(t *testing.T) {
	which := os.Getenv(brokenEnv)
	if which == "" {
		t.Skip("run by TestRunCatchesBrokenTargets")
	}
	_, key, _ := ed25519.GenerateKey(nil)
	m, err := anchortest.NewMemory(key, anchortest.MemoryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	targets := map[string]anchor.Anchorer{"eager": eager{m}, "forgetful": forgetful{m}, "deaf": deaf{m}, "lenient": lenient{m}}
	anchortest.Run(t, targets[which])
}

// The suite fails each broken target, in the subtest that names its fault.
func TestRunCatchesBrokenTargets(t *testing.T) {
	if os.Getenv(brokenEnv) != "" {
		t.Skip("in the child")
	}
	for which, subtest := range map[string]string{
		"eager":     "PendingIsNotConfirmed",
		"forgetful": "AnchorTwiceIsOneAnchor",
		"deaf":      "CancelledContext",
		"lenient":   "OtherRootRejected",
	} {
		t.Run(which, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestBrokenChild$", "-test.count=1", "-test.v")
			cmd.Env = append(os.Environ(), brokenEnv+"="+which)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the suite passed a %s target:\n%s", which, out)
			}
			if !strings.Contains(string(out), "--- FAIL: TestBrokenChild/"+subtest) {
				t.Fatalf("the suite did not fail %s:\n%s", subtest, out)
			}
		})
	}
}
