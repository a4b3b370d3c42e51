package verifiercli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ats-run/selfattest"
	"github.com/ats-run/selfattest/internal/clitest"
	"github.com/ats-run/selfattest/verify"
	"github.com/ats-run/selfattest/verify/report"
)

// isOnly checks that err wraps want and neither of the other two
// sentinels: rejected, bad input and could not check stay apart.
func isOnly(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("err = %v, want %v", err, want)
	}
	for _, other := range []error{selfattest.ErrRejected, selfattest.ErrBadInput, selfattest.ErrCouldNotCheck} {
		if !errors.Is(want, other) && errors.Is(err, other) {
			t.Fatalf("err = %v is also %v", err, other)
		}
	}
}

// write makes the file dir/name (and its folders) with b.
var write = clitest.WriteFile

func TestRunBuildErrors(t *testing.T) {
	var stderr bytes.Buffer
	e := env{stdout: io.Discard, stderr: &stderr, getenv: os.Getenv}
	dir := t.TempDir()

	if _, err := e.runBuild(context.Background(), dir, `test "$SOURCE_DATE_EPOCH" = 42 && echo ok > out`, "42"); err != nil {
		t.Fatalf("build with SOURCE_DATE_EPOCH=42: %v\n%s", err, stderr.String())
	}
	_, err := e.runBuild(context.Background(), dir, "echo first; echo last >&2; exit 3", "")
	isOnly(t, err, errBuild)
	if !errors.Is(err, selfattest.ErrBadInput) || !strings.HasSuffix(err.Error(), "\n  first\n  last") {
		t.Fatalf("err = %q", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = e.runBuild(ctx, dir, "sleep 30 & echo $! > child.pid; wait", "")
	isOnly(t, err, selfattest.ErrCouldNotCheck)
	if errors.Is(err, errBuild) || time.Since(start) > 10*time.Second {
		t.Fatalf("a build stopped by the deadline: %v after %s", err, time.Since(start))
	}
	// The build's child is stopped with it (Unix: its process group).
	pid, err := os.ReadFile(filepath.Join(dir, "child.pid"))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		out, _ := exec.Command("ps", "-o", "stat=", "-p", strings.TrimSpace(string(pid))).Output()
		if s := strings.TrimSpace(string(out)); s == "" || strings.HasPrefix(s, "Z") {
			break
		}
		if i == 50 {
			t.Fatalf("the build's child %s outlived the deadline", pid)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestBuiltPaths(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "dist/app.js", []byte("app"))
	outside := write(t, t.TempDir(), "app.js", []byte("app"))
	if err := os.Symlink(outside, filepath.Join(dir, "dist", "out.js")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("app.js", filepath.Join(dir, "dist", "in.js")); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		vf   verifyFlags
		ok   bool
	}{
		{"file with --url", verifyFlags{url: "u", artifact: "dist/app.js"}, true},
		{"link inside the copy", verifyFlags{url: "u", artifact: "dist/in.js"}, true},
		{"folder with --page", verifyFlags{page: "u", artifact: "dist", signed: "dist/app.js"}, true},
		{"missing", verifyFlags{url: "u", artifact: "dist/none.js"}, false},
		{"link out of the copy", verifyFlags{url: "u", artifact: "dist/out.js"}, false},
		{"folder with --url", verifyFlags{url: "u", artifact: "dist"}, false},
		{"file with --page", verifyFlags{page: "u", artifact: "dist/app.js", signed: "dist/app.js"}, false},
		{"--signed missing", verifyFlags{page: "u", artifact: "dist", signed: "dist/none.js"}, false},
		{"--signed a folder", verifyFlags{page: "u", artifact: "dist", signed: "dist"}, false},
		{"--signed a link out of the copy", verifyFlags{page: "u", artifact: "dist", signed: "dist/out.js"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := builtPaths(dir, &tt.vf)
			if tt.ok {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			isOnly(t, err, errBuild)
		})
	}
}

// TestVerifyFlagsCheck: each command line verify refuses before it builds
// is a usage error naming what is wrong, and the complete one passes.
func TestVerifyFlagsCheck(t *testing.T) {
	src := t.TempDir()
	notDir := write(t, t.TempDir(), "file", []byte("x"))
	good := func() verifyFlags {
		return verifyFlags{source: src, build: "make", artifact: "dist/app.js", bundle: "b.json", url: "https://example.com/app.js"}
	}
	if vf := good(); vf.check() != nil {
		t.Fatalf("the complete command line: %v", vf.check())
	}
	page := func(vf *verifyFlags) {
		vf.url, vf.page, vf.artifact, vf.signed = "", "https://example.com/", "dist", "dist/app.js"
	}
	for _, tt := range []struct {
		name, want string
		change     func(*verifyFlags)
	}{
		{"no --source", "are required", func(vf *verifyFlags) { vf.source = "" }},
		{"no --build", "are required", func(vf *verifyFlags) { vf.build = "" }},
		{"no --artifact", "are required", func(vf *verifyFlags) { vf.artifact = "" }},
		{"no --bundle", "are required", func(vf *verifyFlags) { vf.bundle = "" }},
		{"neither --url nor --page", "give one of --url and --page", func(vf *verifyFlags) { vf.url = "" }},
		{"both --url and --page", "give one of --url and --page", func(vf *verifyFlags) { vf.page = "https://example.com/" }},
		{"--strict with --url", "--strict applies to --page", func(vf *verifyFlags) { vf.strict = true }},
		{"--artifact climbs out", "--artifact ../app.js: must be a path inside the source", func(vf *verifyFlags) { vf.artifact = "../app.js" }},
		{"--artifact absolute", "must be a path inside the source", func(vf *verifyFlags) { vf.artifact = filepath.Join(src, "app.js") }},
		{"--signed climbs out", "--signed ../app.js: must be a path inside the source", func(vf *verifyFlags) { vf.signed = "../app.js" }},
		{"--page without --signed", "--page needs --signed", func(vf *verifyFlags) { page(vf); vf.signed = "" }},
		{"--source missing", "not a folder", func(vf *verifyFlags) { vf.source = filepath.Join(src, "none") }},
		{"--source a file", "not a folder", func(vf *verifyFlags) { vf.source = notDir }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			vf := good()
			tt.change(&vf)
			err := vf.check()
			isOnly(t, err, errUsage)
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to say %q", err, tt.want)
			}
		})
	}
	vf := good()
	page(&vf)
	vf.strict = true
	if err := vf.check(); err != nil {
		t.Fatalf("--page with --strict and --signed: %v", err)
	}
}

func TestLoadBundleErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/garbage.json" {
			w.Write([]byte(`{"mediaType": "not a bundle"}`))
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	ctx := context.Background()
	for _, tt := range []struct {
		name, from string
		want       error
	}{
		{"unreachable", clitest.DeadURL(t) + "/b.json", errBundleFetch},
		{"404", srv.URL + "/missing.json", errBundleFetch},
		{"refused URL", "ftp://127.0.0.1/b.json", selfattest.ErrBadInput},
		{"not a bundle", srv.URL + "/garbage.json", selfattest.ErrRejected},
		{"missing file", filepath.Join(t.TempDir(), "none.json"), selfattest.ErrBadInput},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := loadBundle(ctx, tt.from, verify.FetchOptions{Timeout: 5 * time.Second})
			isOnly(t, err, tt.want)
		})
	}
	if !errors.Is(errBundleFetch, selfattest.ErrCouldNotCheck) {
		t.Fatal("errBundleFetch is not beneath ErrCouldNotCheck")
	}
}

// TestSettle: the exit code is the most serious of the steps' errors, and
// the report's status always agrees with it, whatever the checks say.
func TestSettle(t *testing.T) {
	rejected := fmt.Errorf("%w: digests differ", verify.ErrVerification)
	unreachable := fmt.Errorf("%w: log down", verify.ErrCouldNotCheck)
	bad := fmt.Errorf("%w: no key", verify.ErrBadInput)
	pass := report.Check{Group: report.GroupHashComparison, Name: "SHA-256", Expected: "a", Actual: "a", Verdict: report.VerdictPass}
	for _, tt := range []struct {
		name   string
		errs   []error
		want   int
		status report.Status
		reason string
	}{
		{"all passed", []error{nil, nil}, 0, report.StatusPass, ""},
		{"rejected beats could not check", []error{unreachable, rejected}, 1, report.StatusFail, rejected.Error()},
		{"bad input beats could not check", []error{unreachable, bad}, 2, report.StatusError, bad.Error()},
		{"could not check", []error{nil, unreachable}, 3, report.StatusError, unreachable.Error()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := report.New("t")
			r.Add(pass) // a report whose checks alone would pass
			if got := settle(r, tt.errs); got != tt.want || r.Status != tt.status || r.Reason != tt.reason {
				t.Fatalf("settle = %d, %s %q; want %d, %s %q", got, r.Status, r.Reason, tt.want, tt.status, tt.reason)
			}
			var buf bytes.Buffer
			if err := r.WriteJSON(&buf); err != nil {
				t.Fatalf("the settled report does not write: %v", err)
			}
		})
	}
}

func TestTailWriter(t *testing.T) {
	var w tailWriter
	for i := 1; i <= 100; i++ {
		fmt.Fprintf(&w, "line %d\n", i)
	}
	w.Write(bytes.Repeat([]byte("x"), 1<<20))
	got := strings.Split(w.last(), "\n")
	if len(got) != buildTailLines || got[0] != "  line 82" || got[buildTailLines-2] != "  line 100" {
		t.Fatalf("kept %d lines: %q … %q", len(got), got[0], got[len(got)-2])
	}
	if last := got[buildTailLines-1]; last != "  "+strings.Repeat("x", buildTailLineBytes) {
		t.Fatalf("the unfinished line is %d bytes, want it cut to %d", len(last)-2, buildTailLineBytes)
	}
	var empty tailWriter
	if empty.last() != "  (no output)" {
		t.Fatalf("no output: %q", empty.last())
	}
}

// FuzzTailWriter: whatever a build prints, in whatever pieces, the tail
// is at most buildTailLines lines of at most buildTailLineBytes each, with
// no control character, and they are the output's last lines.
func FuzzTailWriter(f *testing.F) {
	f.Add([]byte("a\nb\n"), uint8(1))
	f.Add(bytes.Repeat([]byte("line\n"), 50), uint8(7))
	f.Add([]byte("\x1b[2J\r\n\x00"), uint8(0))
	f.Fuzz(func(t *testing.T, out []byte, chunk uint8) {
		var w tailWriter
		n := int(chunk)%64 + 1
		for p := out; len(p) > 0; {
			k := min(n, len(p))
			if m, err := w.Write(p[:k]); m != k || err != nil {
				t.Fatalf("Write = %d, %v", m, err)
			}
			p = p[k:]
		}
		got := w.last()
		lines := strings.Split(got, "\n")
		if len(lines) > buildTailLines {
			t.Fatalf("%d lines", len(lines))
		}
		for _, l := range lines {
			if !strings.HasPrefix(l, "  ") || len(l) > 2+buildTailLineBytes*3 {
				t.Fatalf("line %q", l)
			}
			for _, r := range l {
				if r < 0x20 || r == 0x7f {
					t.Fatalf("control character in %q", l)
				}
			}
		}
		// The last line of the output, if short and printable, is the
		// last line kept.
		all := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
		if lastOut := all[len(all)-1]; len(out) > 0 && lastOut != "" && len(lastOut) <= buildTailLineBytes && safe(lastOut) == lastOut && strings.ToValidUTF8(lastOut, "") == lastOut {
			if lines[len(lines)-1] != "  "+lastOut {
				t.Fatalf("last line kept %q, output's last line %q", lines[len(lines)-1], lastOut)
			}
		}
	})
}
