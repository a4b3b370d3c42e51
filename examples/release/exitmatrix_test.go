package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ats-run/selfattest/internal/clitest"
)

// TestExitMatrix is the README's exit-code table for release, every code,
// run against the built binary: each row in a folder of its own (its
// state folder, and so its local log, inside it) must exit with its code
// within 10 s and say why.
func TestExitMatrix(t *testing.T) {
	abs, err := filepath.Abs(dist)
	if err != nil {
		t.Fatal(err)
	}
	shared := t.TempDir()
	priv, _ := keyFiles(t, shared)
	fifo := clitest.Mkfifo(t, shared, "fifo")
	empty := filepath.Join(shared, "empty.pem")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// The signing key, readable by group and others: refused, as ssh
	// refuses such a key, whichever private key it is named as.
	exposed := filepath.Join(shared, "exposed.pem")
	if b, err := os.ReadFile(priv); err != nil || os.WriteFile(exposed, b, 0o600) != nil || os.Chmod(exposed, 0o644) != nil {
		t.Fatalf("exposed key: %v", err)
	}
	devZero := "/dev/zero"
	if _, err := os.Stat(devZero); err != nil {
		devZero = fifo
	}
	// Another local log's trusted root: a bundle of this run's log does
	// not verify against it.
	otherDir := t.TempDir()
	if code, out, errOut := runBin(t, otherDir, nil, releaseBin, "--dist", abs, "--version", "1.0.1", "--out", "out", "--key", priv); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	otherRoot := filepath.Join(otherDir, stateRoot)
	dead := clitest.DeadURL(t)
	stall := clitest.StallServer(t)

	base := func(extra ...string) func(*testing.T, string) []string {
		return clitest.Args(append([]string{"--dist", abs, "--version", "1.0.1", "--out", "out"}, extra...)...)
	}
	args := clitest.Args
	rows := []clitest.Row{
		{Code: 0, Name: "released", Args: base("--key", priv), Want: "assets/app-v1.0.1-dcccab55.js  sha384-"},
		{Code: 0, Name: "released and verified", Args: base("--key", priv, "--trusted-root", stateRoot), Want: "verified: out/release.intoto.sigstore.json against "},
		{Code: 1, Name: "bundle does not verify against another log's root", Args: base("--key", priv, "--trusted-root", otherRoot), Want: "sigstore: verification failed"},
		{Code: 2, Name: "no --dist", Args: args("--version", "1.0.1", "--out", "out", "--key", priv), Want: "--dist, --version and --out are required"},
		{Code: 2, Name: "unknown flag", Args: base("--key", priv, "--nope"), Want: "flag provided but not defined: -nope"},
		{Code: 2, Name: "--timeout 0", Args: base("--key", priv, "--timeout", "0s"), Want: "--timeout 0s: must be positive"},
		{Code: 2, Name: "missing dist", Args: args("--dist", filepath.Join(shared, "nope"), "--version", "1.0.1", "--out", "out", "--key", priv), Want: "bad input: release: open "},
		{Code: 2, Name: "--key FIFO", Args: base("--key", fifo), Want: "not a regular file"},
		{Code: 2, Name: "--key device", Args: base("--key", devZero), Want: "not a regular file"},
		{Code: 2, Name: "--key directory", Args: base("--key", shared), Want: "not a regular file"},
		{Code: 2, Name: "--key empty", Args: base("--key", empty), Want: "signing key: no PEM block"},
		{Code: 2, Name: "--log-key FIFO", Args: base("--key", priv, "--log-key", fifo), Want: "not a regular file"},
		{Code: 2, Name: "--key readable by others", Args: base("--key", exposed), Want: "has mode 0644: a private key file must not be open to group or others; chmod 600"},
		{Code: 2, Name: "--log-key readable by others", Args: base("--key", priv, "--log-key", exposed), Want: "has mode 0644: a private key file must not be open to group or others; chmod 600"},
		{Code: 2, Name: "local timestamp authority readable by others", Args: func(t *testing.T, dir string) []string {
			tsa := filepath.Join(dir, "log.tsa.pem")
			if err := os.WriteFile(tsa, []byte("not read"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(tsa, 0o640); err != nil {
				t.Fatal(err)
			}
			return base("--key", priv, "--log", filepath.Join(dir, "log"))(t, dir)
		}, Want: "log.tsa.pem has mode 0640: a private key file must not be open to group or others; chmod 600"},
		{Code: 2, Name: "--trusted-root FIFO", Args: base("--key", priv, "--trusted-root", fifo), Want: "not a regular file"},
		{Code: 2, Name: "--tsa-chain FIFO", Args: base("--key", priv, "--tsa", stall+"/tsa", "--tsa-chain", fifo), Want: "not a regular file"},
		{Code: 2, Name: "--rekor plain http to a public host", Args: base("--key", priv, "--rekor", "http://rekor.example.com"), Want: "refused URL: plain http to non-loopback host"},
		{Code: 2, Name: "--tsa plain http to a public host", Args: base("--key", priv, "--tsa", "http://tsa.example.com/api/v1/timestamp"), Want: "refused URL: plain http to non-loopback host"},
		{Code: 2, Name: "--rekor ftp", Args: base("--key", priv, "--rekor", "ftp://rekor.example.com"), Want: `rekor URL "ftp://rekor.example.com": want http(s)://host[/path]`},
		{Code: 3, Name: "--rekor unreachable", Args: base("--key", priv, "--rekor", dead), Want: "connection refused"},
		{Code: 3, Name: "--tsa unreachable", Args: base("--key", priv, "--tsa", dead+"/tsa"), Want: "connection refused"},
		{Code: 3, Name: "--tsa that never answers, --timeout 2s", Args: base("--key", priv, "--tsa", stall+"/tsa", "--timeout", "2s"), Want: "--timeout 2s ran out"},
		{Code: 3, Name: "--rekor that never answers, --timeout 2s", Args: base("--key", priv, "--rekor", stall, "--timeout", "2s"), Want: "--timeout 2s ran out"},
	}
	clitest.Check(t, clitest.Commands(clitest.Usage(t, releaseBin)), rows)
	clitest.Matrix{
		Bin: releaseBin,
		Env: func(dir string) []string {
			return []string{"GITHUB_ACTIONS=", "GITHUB_STEP_SUMMARY=", "NO_COLOR=1", "XDG_STATE_HOME=" + filepath.Join(dir, "state")}
		},
		Rows: rows,
	}.Run(t)
}
