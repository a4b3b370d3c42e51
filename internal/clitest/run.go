package clitest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ats-run/selfattest/verify/report"
)

// Run runs cmd, which the caller has set up (its arguments, folder,
// environment, deadline), and returns its exit code and what it wrote on
// stdout and stderr. A program that exits is a result, whatever its code
// (-1 when a signal ended it); one that could not be run fails the test.
func Run(t testing.TB, cmd *exec.Cmd) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running %s: %v", cmd.Path, err)
	}
	return code, out.String(), errb.String()
}

// ExpectCode fails the test, showing the output, when a run's exit code
// is not want.
func ExpectCode(t testing.TB, code, want int, stdout, stderr string) {
	t.Helper()
	if code != want {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, want, stdout, stderr)
	}
}

// MustContain fails the test when s, named what in the message, lacks
// one of wants.
func MustContain(t testing.TB, what, s string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(s, w) {
			t.Fatalf("%s does not contain %q:\n%s", what, w, s)
		}
	}
}

// ReadReport parses the report a program wrote at path and fails the
// test unless its status is want.
func ReadReport(t testing.TB, path string, want report.Status) *report.Report {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no report written: %v", err)
	}
	r, err := report.Parse(b)
	if err != nil {
		t.Fatalf("report: %v\n%s", err, b)
	}
	if r.Status != want {
		t.Fatalf("report status %q, want %q (reason %q)", r.Status, want, r.Reason)
	}
	return r
}

// WriteFile makes the file dir/name, and the folders it is in, holding b,
// and returns its path.
func WriteFile(t testing.TB, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// KeyFiles makes a new ECDSA P-256 key and writes it to dir: the private
// key as PKCS#8 PEM in privName (mode 600), the public key as PKIX PEM in
// pubName. It returns both paths.
func KeyFiles(t testing.TB, dir, privName, pubName string) (priv, pub string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	priv = WriteFile(t, dir, privName, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	if err := os.Chmod(priv, 0o600); err != nil {
		t.Fatal(err)
	}
	pub = WriteFile(t, dir, pubName, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}))
	return priv, pub
}
