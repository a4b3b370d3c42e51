//go:build unix

package clitest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

// Codes are the exit codes every example program documents: 0 verified
// (or done), 1 rejected, 2 bad usage or input, 3 could not check (or
// pending). An exit-code matrix has a row for each of them, for each
// subcommand.
var Codes = []int{0, 1, 2, 3}

// Row is one outcome of one subcommand in an exit-code matrix: the built
// program, run with the arguments Args returns, must exit with Code, and
// its output (stdout and stderr together) must contain Want.
//
// A row with Impossible set runs nothing: it states why the subcommand
// can never exit with Code, so that the matrix is complete and a reader
// sees every code of every subcommand accounted for.
type Row struct {
	// Cmd is the subcommand, the first argument; "" for a program that
	// has none.
	Cmd  string
	Code int
	Name string
	// Args prepares the row's inputs and returns its whole command line
	// (after the program's name, so Cmd first). dir is the row's own
	// empty folder, the process's working directory.
	Args func(t *testing.T, dir string) []string
	// Env is added to the matrix's environment for this row.
	Env  []string
	Want string
	// Impossible is the reason the subcommand cannot exit with Code.
	Impossible string
}

// Args is a row's Args when the row needs no setup of its own: the
// command line a, whatever the row's folder.
func Args(a ...string) func(*testing.T, string) []string {
	return func(*testing.T, string) []string { return a }
}

// Matrix is a program's exit-code table.
type Matrix struct {
	// Bin is the built program.
	Bin string
	// Env, when set, gives the environment added to os.Environ() for
	// each row, from the row's folder.
	Env func(dir string) []string
	// Limit is how long a row may take (default 10 s); the process is
	// killed 5 s after it.
	Limit time.Duration
	Rows  []Row
}

// Commands reads the subcommands a program's usage text lists: the lines
// of its "Commands:" section indented by exactly two spaces, the first
// word of each. A usage with no such section (a program with one command)
// gives []string{""}, the program itself.
func Commands(usage string) []string {
	var cmds []string
	in := false
	for _, line := range strings.Split(usage, "\n") {
		switch {
		case strings.TrimSpace(line) == "Commands:":
			in = true
		case in && strings.TrimSpace(line) == "":
			if len(cmds) > 0 {
				in = false
			}
		case in && strings.HasPrefix(line, "  ") && len(line) > 2 && line[2] != ' ':
			cmds = append(cmds, strings.Fields(line)[0])
		}
	}
	if len(cmds) == 0 {
		return []string{""}
	}
	return cmds
}

// Check is the matrix's guard: every subcommand of cmds has, for each of
// Codes, a row that runs or a row that says why the code cannot occur;
// no code is both; every row names a known subcommand, a documented code
// and (when it runs) a command line starting with its subcommand and a
// substring to find; and an impossible row gives its reason and runs
// nothing.
func Check(t testing.TB, cmds []string, rows []Row) {
	t.Helper()
	type key struct {
		cmd  string
		code int
	}
	run, impossible := map[key]bool{}, map[key]bool{}
	for _, r := range rows {
		k := key{r.Cmd, r.Code}
		switch {
		case !slices.Contains(cmds, r.Cmd):
			t.Errorf("row %q: subcommand %q is not one the program lists %q", r.Name, r.Cmd, cmds)
		case !slices.Contains(Codes, r.Code):
			t.Errorf("row %q: exit code %d is not one of %v", r.Name, r.Code, Codes)
		case r.Impossible != "":
			if r.Args != nil || r.Want != "" {
				t.Errorf("row %q: marked impossible, yet it has a command line or an output to find", r.Name)
			}
			impossible[k] = true
		case r.Args == nil || r.Want == "":
			t.Errorf("row %q: no command line or no output to find, and no reason it cannot occur", r.Name)
		default:
			run[k] = true
		}
	}
	for _, c := range cmds {
		for _, code := range Codes {
			k := key{c, code}
			switch {
			case run[k] && impossible[k]:
				t.Errorf("%q exit %d: rows run it and a row says it cannot occur", c, code)
			case !run[k] && !impossible[k]:
				t.Errorf("%q exit %d: no row, and no row saying why it cannot occur", c, code)
			}
		}
	}
}

// Run runs every row that is not impossible, in parallel, each in a folder
// of its own: the exit code must be the row's, within the limit, and the
// output must contain the row's Want. Rows whose Cmd is not "" must start
// their command line with it.
func (m Matrix) Run(t *testing.T) {
	t.Helper()
	limit := m.Limit
	if limit == 0 {
		limit = 10 * time.Second
	}
	for _, r := range m.Rows {
		if r.Impossible != "" {
			continue
		}
		name := fmt.Sprintf("%d/%s", r.Code, r.Name)
		if r.Cmd != "" {
			name = r.Cmd + "/" + name
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			args := r.Args(t, dir)
			if r.Cmd != "" && (len(args) == 0 || args[0] != r.Cmd) {
				t.Fatalf("command line %q does not start with its subcommand %q", args, r.Cmd)
			}
			ctx, cancel := context.WithTimeout(context.Background(), limit+5*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, m.Bin, args...)
			cmd.Dir = dir
			cmd.Env = os.Environ()
			if m.Env != nil {
				cmd.Env = append(cmd.Env, m.Env(dir)...)
			}
			cmd.Env = append(cmd.Env, r.Env...)
			start := time.Now()
			code, stdout, stderr := Run(t, cmd)
			if d := time.Since(start); d > limit {
				t.Fatalf("%q took %s, over %s\nstderr:\n%s", args, d.Round(time.Millisecond), limit, stderr)
			}
			if code != r.Code {
				t.Fatalf("%q: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", args, code, r.Code, stdout, stderr)
			}
			if !strings.Contains(stdout+stderr, r.Want) {
				t.Fatalf("%q: exit %d as expected, but the output does not contain %q\nstdout:\n%s\nstderr:\n%s", args, code, r.Want, stdout, stderr)
			}
		})
	}
}

// Usage runs the program with --help and returns what it printed, stdout
// and stderr together, whatever its exit code.
func Usage(t testing.TB, bin string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "--help").CombinedOutput()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return string(out)
}
