package anchor_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The anchor package and its conformance suite stay light: a user who
// verifies receipts or keeps a journal compiles transparency-dev/merkle
// and bbolt, and no chain, IPFS or Sigstore library.
func TestAnchorStaysLight(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH")
	}
	cmd := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}",
		"github.com/ats-run/selfattest/anchor", "github.com/ats-run/selfattest/anchor/anchortest")
	cmd.Env = append(cmd.Environ(), "GOWORK=off")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const max = 12 // 9 when this was written: merkle (4), bbolt (4), x/sys/unix
	var deps []string
	for _, p := range strings.Fields(string(out)) {
		if strings.HasPrefix(p, "github.com/ats-run/selfattest") {
			continue
		}
		deps = append(deps, p)
		for _, heavy := range []string{"github.com/ethereum/", "github.com/ipfs/", "github.com/sigstore/", "github.com/transparency-dev/tessera"} {
			if strings.HasPrefix(p, heavy) {
				t.Errorf("anchor depends on %s", p)
			}
		}
	}
	t.Logf("%d non-standard packages: %v", len(deps), deps)
	if len(deps) > max {
		t.Errorf("anchor compiles %d non-standard packages, more than %d", len(deps), max)
	}
}
