package depguard

import (
	"os/exec"
	"strings"
	"testing"
)

// The bounds on what each package of attest compiles outside this module
// and the standard library, measured when attest was split into attest,
// attest/intoto and attest/release (0, 33 and 35), plus a small margin.
// attest/intoto brings the in-toto Go types (their protobuf runtime and the
// SLSA provenance types); attest/release adds golang.org/x/net/html.
// attest itself is held to none at all: a program that only measures or
// compares files must compile nothing but the standard library.
const (
	maxIntotoNonStd  = 38
	maxReleaseNonStd = 40
)

// outside lists the packages outside this module and the standard library
// that pkg compiles. Unlike nonStd it accepts an empty answer, which is
// what attest must give.
func outside(t *testing.T, pkg string) []string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH: this test runs wherever the module is built with go test")
	}
	cmd := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", pkg)
	cmd.Env = append(cmd.Environ(), "GOWORK=off")
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("go list %s: %v\n%s", pkg, err, stderr)
	}
	var own bool
	var ns []string
	for _, p := range strings.Fields(string(out)) {
		if p == pkg {
			own = true
		}
		if p != "github.com/ats-run/selfattest" && !strings.HasPrefix(p, "github.com/ats-run/selfattest/") {
			ns = append(ns, p)
		}
	}
	if !own {
		t.Fatalf("go list -deps %s did not list %s itself: the query is broken", pkg, pkg)
	}
	return ns
}

func TestAttestPackagesStayLight(t *testing.T) {
	tests := []struct {
		pkg string
		max int
	}{
		{"github.com/ats-run/selfattest/attest", 0},
		{"github.com/ats-run/selfattest/attest/intoto", maxIntotoNonStd},
		{"github.com/ats-run/selfattest/attest/release", maxReleaseNonStd},
	}
	for _, tt := range tests {
		t.Run(strings.TrimPrefix(tt.pkg, "github.com/ats-run/selfattest/"), func(t *testing.T) {
			ns := outside(t, tt.pkg)
			t.Logf("non-standard packages compiled by %s: %d", tt.pkg, len(ns))
			if len(ns) > tt.max {
				t.Errorf("%s compiles %d non-standard packages, more than %d: %v", tt.pkg, len(ns), tt.max, ns)
				if tt.max == 0 {
					t.Errorf("attest is the standard library only: statements belong in attest/intoto, releases in attest/release")
				}
			}
		})
	}
}
