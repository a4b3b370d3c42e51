package depguard

import (
	"os/exec"
	"slices"
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
	"github.com/ats-run/selfattest/verify/tlog/logfetch",
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

// TestTlogFetchesNothing: the verifying core reads logs only through the
// fetcher funcs its caller gives it; the HTTP and folder fetchers are
// package verify/tlog/logfetch. verify/tlog compiles no HTTP client.
func TestTlogFetchesNothing(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH: this test runs wherever the module is built with go test")
	}
	cmd := exec.Command("go", "list", "-deps", "github.com/ats-run/selfattest/verify/tlog", "github.com/ats-run/selfattest/verify/tlog/logfetch")
	cmd.Env = append(cmd.Environ(), "GOWORK=off")
	both, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	if !slices.Contains(strings.Fields(string(both)), "net/http") {
		t.Fatal("go list -deps of verify/tlog/logfetch does not list net/http: the query is broken")
	}
	cmd = exec.Command("go", "list", "-deps", "github.com/ats-run/selfattest/verify/tlog")
	cmd.Env = append(cmd.Environ(), "GOWORK=off")
	core, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, p := range strings.Fields(string(core)) {
		if p == "net/http" || strings.HasSuffix(p, "/verify/tlog/logfetch") || strings.HasSuffix(p, "/internal/logio") {
			t.Errorf("verify/tlog compiles %s", p)
		}
	}
}
