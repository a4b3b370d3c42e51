//go:build unix

package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ats-run/selfattest/examples/internal/evidence/evidencetest"
	"github.com/ats-run/selfattest/internal/clitest"
)

// TestEthRPCEchoedKeys runs anchor, upgrade and verify (text and --json)
// through the binary against an endpoint whose URL holds keys and which
// answers every call with a JSON-RPC error repeating them, over ws (whose
// frames go-ethereum reads itself: only the program's output boundary
// can elide them) and over http: no output names a key, and both
// transports end with the same exit code, could not check.
func TestEthRPCEchoedKeys(t *testing.T) {
	dir := t.TempDir()
	hc := evidencetest.NewHTTPChain(t, dir)
	httpBase, wsBase := evidencetest.EchoingRPC(t)
	ev := write(t, dir, "report.pdf", []byte("%PDF-1.7 a report"))
	ethArgs := []string{"--chain-id", "1337", "--sink", testSink}
	// Batch 1 final, with its receipt; batch 2 pending, for upgrade to
	// ask about; a third file for anchor to seal.
	expectCode(t, archivist(t, dir, "add", "report.pdf"), 0)
	expectCode(t, archivist(t, dir, append([]string{"anchor", "--to", "eth", "--eth-key-file", hc.KeyFile, "--eth-rpc", hc.URL}, ethArgs...)...), 0)
	for range 3 {
		hc.Chain.Commit()
	}
	expectCode(t, archivist(t, dir, append([]string{"upgrade", "--to", "eth", "--final-depth", "3", "--eth-rpc", hc.URL}, ethArgs...)...), 0)
	write(t, dir, "b.txt", []byte("b"))
	expectCode(t, archivist(t, dir, "add", "b.txt"), 0)
	expectCode(t, archivist(t, dir, append([]string{"anchor", "--to", "eth", "--eth-key-file", hc.KeyFile, "--eth-rpc", hc.URL}, ethArgs...)...), 0)
	write(t, dir, "c.txt", []byte("c"))
	expectCode(t, archivist(t, dir, "add", "c.txt"), 0)
	receipt := filepath.Join(dir, "receipts", "00000001-report.pdf.receipt.json")

	for _, c := range []struct {
		name string
		args []string
	}{
		{"anchor", []string{"anchor", "--to", "eth", "--eth-key-file", hc.KeyFile}},
		{"upgrade", []string{"upgrade", "--to", "eth", "--final-depth", "3"}},
		{"verify", []string{"verify", "--min-depth", "3"}},
		{"verify --json", []string{"verify", "--min-depth", "3", "--json"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, base := range []string{wsBase, httpBase} {
				args := append(append(append([]string{}, c.args...), "--eth-rpc", clitest.KeyedURL(t, base)), ethArgs...)
				if c.args[0] == "verify" {
					args = append(args, receipt, ev)
				}
				r := noSecret(t, archivist(t, dir, args...))
				expectCode(t, r, 3)
				if !strings.Contains(r.stdout+r.stderr, "refused: path … query … at …") {
					t.Errorf("%s: the endpoint's error is not shown, elided:\nstdout:\n%s\nstderr:\n%s", base, r.stdout, r.stderr)
				}
				t.Logf("%s:\nstdout:\n%s\nstderr:\n%s", base, r.stdout, r.stderr)
			}
		})
	}
}
