package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ats-run/selfattest/examples/internal/evidence/evidencetest"
	"github.com/ats-run/selfattest/internal/clitest"
	"github.com/ats-run/selfattest/verify/report"
)

// TestAnchorEthRPCEchoedKeys: verify --anchor tlog,eth through an
// endpoint whose URL holds keys and which answers every call with a
// JSON-RPC error repeating them, over ws (whose frames go-ethereum reads
// itself: only the program's output boundary can elide them) and over
// http, with the text and the JSON report: the verification passes, the
// evidence is not anchored (3, for either transport), and no key is in
// stdout, stderr, the report or the summary.
func TestAnchorEthRPCEchoedKeys(t *testing.T) {
	f := newAnchorFixture(t)
	rep := filepath.Join(f.work, "report.json")
	sum := filepath.Join(f.work, "summary.md")
	key := evidencetest.NewHTTPChain(t, t.TempDir()).KeyFile
	httpBase, wsBase := evidencetest.EchoingRPC(t)
	for _, base := range []string{wsBase, httpBase} {
		for _, asJSON := range []bool{false, true} {
			os.Remove(rep)
			os.Remove(sum)
			args := f.args("--anchor", "tlog,eth", "--eth-rpc", clitest.KeyedURL(t, base), "--chain-id", "1337", "--sink", anchorSink, "--eth-key-file", key)
			if asJSON {
				args = append(args, "--json")
			}
			r := verifier(t, nil, args...)
			t.Logf("%s, json %v:\nstdout:\n%s\nstderr:\n%s", base, asJSON, r.stdout, r.stderr)
			expectCode(t, r, 3)
			readReport(t, rep, report.StatusPass)
			out := r.stdout + r.stderr
			if !strings.Contains(out, "refused: path … query … at …") {
				t.Errorf("%s: the endpoint's error is not shown, elided", base)
			}
			for _, p := range []string{rep, sum} {
				b, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				out += string(b)
			}
			clitest.WantNoURLKey(t, "the output, report or summary", out)
		}
	}
}
