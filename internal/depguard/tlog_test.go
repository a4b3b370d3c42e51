package depguard

import (
	"os/exec"
	"strings"
	"testing"
)

// maxTlogNonStd bounds what a program importing only verify/tlog (the C2SP
// client: checkpoints, witnesses, proofs, tiles) compiles outside the
// standard library and this module: x/mod's note and tlog, x/crypto's
// cryptobyte, transparency-dev's merkle and formats, and filippo.io/mldsa,
// which formats' note package imports (16 when this was set). Without the
// split of the package, the sigstore-go trusted-root glue alone brought 82.
// Raise it deliberately, and update the README, when a change needs more.
const maxTlogNonStd = 20

// tlogFamily are the packages split out of verify/tlog, whose counts are
// logged, not bounded: each is imported only by a caller that needs it.
var tlogFamily = []string{
	"github.com/ats-run/selfattest/verify/tlog/monitor",
	"github.com/ats-run/selfattest/verify/tlog/rekorv1",
	"github.com/ats-run/selfattest/verify/tlog/sigstoreroot",
}

func TestTlogStaysLight(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH: this test runs wherever the module is built with go test")
	}
	core := nonStd(t, "github.com/ats-run/selfattest/verify/tlog")
	t.Logf("non-standard packages compiled by verify/tlog: %d", len(core))
	if len(core) > maxTlogNonStd {
		t.Errorf("verify/tlog compiles %d non-standard packages, more than %d: %v", len(core), maxTlogNonStd, core)
	}
	for _, p := range core {
		if strings.HasPrefix(p, "github.com/sigstore/") {
			t.Errorf("verify/tlog links %s: Sigstore glue belongs in verify/tlog/sigstoreroot", p)
		}
	}
	for _, pkg := range tlogFamily {
		t.Logf("non-standard packages compiled by %s: %d", strings.TrimPrefix(pkg, "github.com/ats-run/selfattest/"), len(nonStd(t, pkg)))
	}
}
