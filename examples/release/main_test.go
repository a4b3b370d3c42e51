package main

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ats-run/selfattest/attest/release"
	"github.com/ats-run/selfattest/internal/clitest"
	"github.com/ats-run/selfattest/internal/rekorv2"
)

var releaseBin, verifierBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "release-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	releaseBin, verifierBin = filepath.Join(dir, "release"), filepath.Join(dir, "verifier")
	for bin, pkg := range map[string]string{releaseBin: ".", verifierBin: "../verifier"} {
		if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "building %s: %v\n%s", pkg, err, out)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func runBin(t *testing.T, dir string, env []string, bin string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GITHUB_ACTIONS=", "GITHUB_STEP_SUMMARY=", "NO_COLOR=1", "XDG_STATE_HOME="+filepath.Join(dir, "state"))
	cmd.Env = append(cmd.Env, env...)
	return clitest.Run(t, cmd)
}

// keyFiles writes a new ECDSA P-256 key as PKCS#8 PEM and its public key.
func keyFiles(t *testing.T, dir string) (priv, pub string) {
	t.Helper()
	return clitest.KeyFiles(t, dir, "key.pem", "key.pub")
}

var dist = filepath.Join("..", "..", "testdata", "release", "dist")

// stateRoot is the local log's trusted root under the folder runBin runs
// in (runBin sets XDG_STATE_HOME to its "state").
var stateRoot = filepath.Join("state", "selfattest", "transparency-log.trusted_root.json")

// snapshot reads a folder: each file's bytes, mode and time, by path.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := make(map[string]string)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		v := fmt.Sprintf("%v %d", info.Mode(), info.ModTime().Unix())
		if !d.IsDir() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			v += " " + string(b)
		}
		out[rel] = v
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Two releases of the same dist folder are the same bytes, but for the
// bundle (a new signature and log entry each time).
func TestReleaseDeterministic(t *testing.T) {
	dir := t.TempDir()
	priv, _ := keyFiles(t, dir)
	env := []string{"SOURCE_DATE_EPOCH=1700000000"}
	abs, err := filepath.Abs(dist)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"1", "2"} {
		code, out, errOut := runBin(t, dir, env, releaseBin, "--dist", abs, "--version", "1.0.1", "--out", "out"+n, "--key", priv, "--log", "log"+n)
		if code != 0 {
			t.Fatalf("exit %d\n%s%s", code, out, errOut)
		}
	}
	a, b := snapshot(t, filepath.Join(dir, "out1")), snapshot(t, filepath.Join(dir, "out2"))
	if a[release.BundleName] == "" || b[release.BundleName] == "" {
		t.Fatal("no bundle written")
	}
	delete(a, release.BundleName)
	delete(b, release.BundleName)
	if len(a) < 8 {
		t.Fatalf("only %d entries in the release", len(a))
	}
	for p, v := range a {
		if b[p] != v {
			t.Fatalf("%s differs between the two releases", p)
		}
	}
	if len(a) != len(b) {
		t.Fatalf("%d entries, then %d", len(a), len(b))
	}
	if !strings.Contains(a["index.html"], " 1700000000 ") {
		t.Fatalf("SOURCE_DATE_EPOCH not honoured: %.40s", a["index.html"])
	}
}

// The round trip: release to a real Rekor v2 server with a timestamp,
// verified by release itself and by the verifier CLI; a byte changed in
// the release is rejected.
func TestReleaseRekorV2(t *testing.T) {
	srv := rekorv2.Start(t, rekorv2.Options{CheckpointInterval: 200 * time.Millisecond})
	tsa := rekorv2.StartTSA(t)
	dir := t.TempDir()
	priv, pub := keyFiles(t, dir)
	rootFile := filepath.Join(dir, "trusted_root.json")
	if err := os.WriteFile(rootFile, srv.TrustedRootJSON(tsa.Root()), 0o644); err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs(dist)
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runBin(t, dir, nil, releaseBin, "--dist", abs, "--version", "v1.0.1", "--out", "out", "--key", priv,
		"--rekor", srv.URL, "--tsa", tsa.URL, "--trusted-root", rootFile)
	if code != 0 || !strings.Contains(out, "verified: ") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	verifyArgs := func(artifact string) []string {
		return []string{"verify-bundle", "--bundle", filepath.Join("out", release.BundleName), "--key", pub, "--trusted-root", rootFile, artifact}
	}
	for _, f := range []string{release.ManifestName, "index.html", "assets/app-v1.0.1-dcccab55.js"} {
		if code, out, errOut := runBin(t, dir, nil, verifierBin, verifyArgs(filepath.Join("out", f))...); code != 0 {
			t.Fatalf("verify-bundle %s: exit %d\n%s%s", f, code, out, errOut)
		}
	}
	if _, err := release.Check(context.Background(), filepath.Join(dir, "out"), release.CheckOptions{}); err != nil {
		t.Fatal(err)
	}

	// One byte of the manifest changed: not what was signed.
	m := filepath.Join(dir, "out", release.ManifestName)
	b, err := os.ReadFile(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(m, bytes.Replace(b, []byte("sha384-"), []byte("sha384+"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runBin(t, dir, nil, verifierBin, verifyArgs(filepath.Join("out", release.ManifestName))...); code != 1 {
		t.Fatalf("edited manifest: exit %d\n%s%s", code, out, errOut)
	}
	var re *release.MismatchError
	if _, err := release.Check(context.Background(), filepath.Join(dir, "out"), release.CheckOptions{}); !errors.As(err, &re) {
		t.Fatalf("CheckRelease of an edited release: %v", err)
	}
	// Another key's bundle for the same release is refused.
	_, otherPub := keyFiles(t, t.TempDir())
	a := verifyArgs(filepath.Join("out", "index.html"))
	a[4] = otherPub
	if code, out, errOut := runBin(t, dir, nil, verifierBin, a...); code != 1 {
		t.Fatalf("another key: exit %d\n%s%s", code, out, errOut)
	}
}

// The offline default: a key, a local transparency log and a local
// timestamp authority (both created on first use); the trusted root
// release writes beside the log verifies the bundle; without a timestamp
// the verifier refuses it.
func TestReleaseOffline(t *testing.T) {
	dir := t.TempDir()
	priv, pub := keyFiles(t, dir)
	abs, err := filepath.Abs(dist)
	if err != nil {
		t.Fatal(err)
	}
	verifyOut := func(out string) (int, string, string) {
		return runBin(t, dir, nil, verifierBin, "verify-bundle", "--bundle", filepath.Join(out, release.BundleName),
			"--key", pub, "--trusted-root", stateRoot, filepath.Join(out, "index.html"))
	}
	for _, out := range []string{"out1", "out2"} { // the second run reuses the log and the authority
		code, stdout, errOut := runBin(t, dir, nil, releaseBin, "--dist", abs, "--version", "1.0.1", "--out", out, "--key", priv,
			"--trusted-root", stateRoot)
		// The run that creates the log writes its trusted root before it
		// signs, so even the first can check its bundle against it.
		if code != 0 || !strings.Contains(stdout, "verified: ") {
			t.Fatalf("%s: exit %d\n%s%s", out, code, stdout, errOut)
		}
		if code, stdout, errOut := verifyOut(out); code != 0 {
			t.Fatalf("verify-bundle %s: exit %d\n%s%s", out, code, stdout, errOut)
		}
	}
	for _, f := range []string{"transparency-log.key", "transparency-log.tsa.pem", "transparency-log.trusted_root.json"} {
		info, err := os.Stat(filepath.Join(dir, "state", "selfattest", f))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(f, ".key") || strings.HasSuffix(f, ".pem") {
			if info.Mode().Perm() != 0o600 {
				t.Fatalf("%s is %v, want 0600", f, info.Mode().Perm())
			}
		}
	}
	code, stdout, errOut := runBin(t, dir, nil, releaseBin, "--dist", abs, "--version", "1.0.1", "--out", "out3", "--key", priv, "--no-local-tsa")
	if code != 0 || !strings.Contains(errOut, "no trusted time") {
		t.Fatalf("--no-local-tsa: exit %d\n%s%s", code, stdout, errOut)
	}
	if code, stdout, errOut := verifyOut("out3"); code != 1 {
		t.Fatalf("a bundle without a trusted time: exit %d, want 1\n%s%s", code, stdout, errOut)
	}
}

// A key, a local transparency log and an external timestamp authority
// named with --tsa-chain.
func TestReleaseLocalLog(t *testing.T) {
	tsa := rekorv2.StartTSA(t)
	dir := t.TempDir()
	priv, pub := keyFiles(t, dir)
	var chain bytes.Buffer
	for _, c := range tsa.Chain {
		pem.Encode(&chain, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	if err := os.WriteFile(filepath.Join(dir, "tsa.pem"), chain.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs(dist)
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runBin(t, dir, nil, releaseBin, "--dist", abs, "--version", "1.0.1", "--out", "out", "--key", priv,
		"--tsa", tsa.URL, "--tsa-chain", "tsa.pem", "--log", "tlog")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, f := range []string{"tlog.key", "tlog.trusted_root.json", "tlog/checkpoint"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	if code, out, errOut := runBin(t, dir, nil, verifierBin, "verify-bundle", "--bundle", filepath.Join("out", release.BundleName),
		"--key", pub, "--trusted-root", "tlog.trusted_root.json", filepath.Join("out", "index.html")); code != 0 {
		t.Fatalf("verify-bundle: exit %d\n%s%s", code, out, errOut)
	}
	// A second release goes to the same log, which goes on.
	code, out, errOut = runBin(t, dir, nil, releaseBin, "--dist", abs, "--version", "1.0.2", "--out", "out2", "--key", priv,
		"--tsa", tsa.URL, "--tsa-chain", "tsa.pem", "--log", "tlog")
	if code != 0 {
		t.Fatalf("second release: exit %d\n%s%s", code, out, errOut)
	}
}

// TestReleaseUsage: bad usage beyond TestExitMatrix's rows (which hold
// no --dist and a missing dist) exits 2.
func TestReleaseUsage(t *testing.T) {
	dir := t.TempDir()
	priv, _ := keyFiles(t, dir)
	abs, err := filepath.Abs(dist)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bad.pem"), []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"--dist", abs, "--version", "1.0.1", "--out", "o2"},
		{"--dist", abs, "--version", "1.0.1", "--out", "o3", "--key", priv, "--keyless"},
		{"--dist", abs, "--version", "1.0.1", "--out", "o4", "--key", "bad.pem"},
		{"--dist", abs, "--version", "not a version/..", "--out", "o5", "--key", priv},
		{"--dist", abs, "--version", "1.0.1", "--out", "o7", "--key", priv, "--integrity", "md5"},
	} {
		if code, out, errOut := runBin(t, dir, nil, releaseBin, args...); code != 2 {
			t.Errorf("%q: exit %d\n%s%s", args, code, out, errOut)
		}
	}
}
