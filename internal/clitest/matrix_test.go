//go:build unix

package clitest

import (
	"fmt"
	"strings"
	"testing"
)

// recorder is a testing.TB that keeps the errors Check reports.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func TestCommands(t *testing.T) {
	usage := "usage: p <command>\n\nCommands:\n  add [--x]\n      [--y] FILE...\n        does a thing\n  verify-bundle --b\n        checks\n\nRun 'p <command> --help'.\n  not a command\n"
	if got := strings.Join(Commands(usage), ","); got != "add,verify-bundle" {
		t.Fatalf("Commands = %q", got)
	}
	if got := Commands("usage: p [flags]\n  -x  a flag\n"); len(got) != 1 || got[0] != "" {
		t.Fatalf("a program without a Commands section: %q", got)
	}
}

// TestCheck: the guard passes a complete matrix and fails each kind of
// gap.
func TestCheck(t *testing.T) {
	args := func(t *testing.T, dir string) []string { return []string{"a"} }
	full := func() []Row {
		return []Row{
			{Cmd: "a", Code: 0, Name: "ok", Args: args, Want: "x"},
			{Cmd: "a", Code: 1, Name: "no", Impossible: "a never rejects"},
			{Cmd: "a", Code: 2, Name: "bad", Args: args, Want: "x"},
			{Cmd: "a", Code: 3, Name: "down", Args: args, Want: "x"},
		}
	}
	r := &recorder{TB: t}
	Check(r, []string{"a"}, full())
	if len(r.errs) != 0 {
		t.Fatalf("a complete matrix fails: %q", r.errs)
	}
	for name, tc := range map[string]struct {
		cmds   []string
		change func([]Row) []Row
		want   string
	}{
		"subcommand without rows": {[]string{"a", "b"}, func(r []Row) []Row { return r }, `"b" exit 0: no row`},
		"code missing":            {[]string{"a"}, func(r []Row) []Row { return r[1:] }, `"a" exit 0: no row`},
		"impossible without reason": {[]string{"a"}, func(r []Row) []Row {
			r[1].Impossible = ""
			return r
		}, "no reason it cannot occur"},
		"no output to find": {[]string{"a"}, func(r []Row) []Row { r[0].Want = ""; return r }, "no output to find"},
		"unknown subcommand": {[]string{"a"}, func(r []Row) []Row {
			return append(r, Row{Cmd: "z", Code: 0, Name: "z", Args: args, Want: "x"})
		}, "not one the program lists"},
		"undocumented code": {[]string{"a"}, func(r []Row) []Row {
			return append(r, Row{Cmd: "a", Code: 4, Name: "four", Args: args, Want: "x"})
		}, "not one of"},
		"impossible yet run": {[]string{"a"}, func(r []Row) []Row {
			return append(r, Row{Cmd: "a", Code: 1, Name: "no after all", Args: args, Want: "x"})
		}, "rows run it and a row says it cannot occur"},
		"impossible with a command line": {[]string{"a"}, func(r []Row) []Row { r[1].Args = args; return r }, "marked impossible, yet"},
	} {
		t.Run(name, func(t *testing.T) {
			r := &recorder{TB: t}
			Check(r, tc.cmds, tc.change(full()))
			if !strings.Contains(strings.Join(r.errs, "\n"), tc.want) {
				t.Fatalf("errors %q, want one containing %q", r.errs, tc.want)
			}
		})
	}
}
