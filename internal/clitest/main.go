package clitest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Main is the TestMain of a program's tests, which test it as a user
// meets it: the built binary, run as a process, judged by its exit code
// and output. It builds the package in the current folder into a
// temporary folder, sets *bin to the binary's path, runs the tests,
// removes the folder and exits with the tests' code; a build that fails
// exits 1 with the compiler's output.
func Main(m *testing.M, name string, bin *string) {
	dir, err := os.MkdirTemp("", name+"-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	*bin = filepath.Join(dir, name)
	if out, err := exec.Command("go", "build", "-o", *bin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building the %s: %v\n%s", name, err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
