package tlog

import (
	"testing"

	"github.com/ats-run/selfattest/anchor/anchortest"
)

// testAnchorer opens a new local log and its anchorer.
func testAnchorer(t *testing.T, dir string) (*Log, *LogAnchorer) {
	t.Helper()
	l := openLog(t, dir, testKey("anchor"), Options{})
	a, err := NewLogAnchorer(l, AnchorerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return l, a
}

func TestLogAnchorerConformance(t *testing.T) {
	_, a := testAnchorer(t, t.TempDir())
	anchortest.Run(t, a)
}
