package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ats-run/selfattest/examples/internal/evidence/evidencetest"
	"github.com/ats-run/selfattest/internal/clitest"
	"github.com/ats-run/selfattest/verify/report"
)

// TestAnchorEthRPCSecrets: verify --anchor eth through an endpoint whose
// URL holds keys (path, query, user and password) that is down, or is not
// a URL: the exit code is as for any such endpoint, and no key is in
// stdout, stderr or the report.
func TestAnchorEthRPCSecrets(t *testing.T) {
	f := newAnchorFixture(t)
	rep := filepath.Join(f.work, "report.json")
	key := evidencetest.NewHTTPChain(t, t.TempDir()).KeyFile
	for _, c := range []struct {
		name, rpc string
		code      int
	}{
		{"endpoint down", clitest.KeyedURL(t, clitest.DeadURL(t)), 3},
		{"no host (a slash missing)", "https:/node.example/v3/" + clitest.URLPathKey + "?apikey=" + clitest.URLQueryKey, 2},
		{"not a URL", "ftp://node.example/v3/" + clitest.URLPathKey + "?apikey=" + clitest.URLQueryKey, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			os.Remove(rep)
			r := verifier(t, nil, f.args("--anchor", "tlog,eth", "--eth-rpc", c.rpc, "--chain-id", "1337", "--sink", anchorSink, "--eth-key-file", key)...)
			t.Logf("stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
			expectCode(t, r, c.code)
			out := r.stdout + r.stderr
			if c.code == 3 {
				readReport(t, rep, report.StatusPass)
				b, err := os.ReadFile(rep)
				if err != nil {
					t.Fatal(err)
				}
				out += string(b)
			}
			clitest.WantNoURLKey(t, "the output or report", out)
		})
	}
}
