// Package github_test checks the GitHub Actions workflows of this folder:
// that they parse, say what their README says (triggers, permissions, the
// random draw and jitter, pinned actions), call the example programs with
// subcommands and flags those programs have, and pass actionlint.
package github_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ats-run/selfattest/internal/toolcache"
)

// The parts of a workflow the tests read.
type workflow struct {
	Name        string
	On          map[string]yaml.Node
	Permissions map[string]string
	Jobs        map[string]job
}

type job struct {
	RunsOn      string `yaml:"runs-on"`
	Permissions map[string]string
	Env         map[string]string
	Steps       []step
}

type step struct {
	ID               string
	Name             string
	If               string
	Uses             string
	With             map[string]string
	Env              map[string]string
	Run              string
	WorkingDirectory string `yaml:"working-directory"`
}

func load(t *testing.T, name string) (*workflow, []byte) {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var w workflow
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(false)
	if err := dec.Decode(&w); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(w.Jobs) != 1 {
		t.Fatalf("%s: %d jobs, want 1", name, len(w.Jobs))
	}
	return &w, b
}

func (w *workflow) job() job {
	for _, j := range w.Jobs {
		return j
	}
	return job{}
}

func (j job) step(t *testing.T, name string) step {
	t.Helper()
	for _, s := range j.Steps {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no step %q", name)
	return step{}
}

func keys[V any](m map[string]V) []string {
	var k []string
	for s := range m {
		k = append(k, s)
	}
	slices.Sort(k)
	return k
}

// pinned matches a step's uses line pinned to a full commit SHA with the
// version it is as a comment.
var pinned = regexp.MustCompile(`^\s*(?:- )?uses: [a-z0-9-]+/[a-z0-9-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$`)

func checkPinned(t *testing.T, name string, raw []byte) {
	t.Helper()
	n := 0
	for line := range strings.Lines(string(raw)) {
		line = strings.TrimRight(line, "\n")
		if strings.Contains(line, "uses:") {
			n++
			if !pinned.MatchString(line) {
				t.Errorf("%s: %q is not pinned to a commit SHA with a version comment", name, line)
			}
		}
	}
	if n == 0 {
		t.Errorf("%s: no uses lines", name)
	}
}

func TestReleaseWorkflow(t *testing.T) {
	w, raw := load(t, "release.yml")
	checkPinned(t, "release.yml", raw)
	if got := keys(w.On); !slices.Equal(got, []string{"push"}) {
		t.Errorf("triggers %q, want only push", got)
	}
	var push struct {
		Tags     []string
		Branches []string
	}
	on := w.On["push"]
	if err := on.Decode(&push); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(push.Tags, []string{"v*"}) || push.Branches != nil {
		t.Errorf("push trigger %+v, want tags v* only", push)
	}
	if !mapsEqual(w.Permissions, map[string]string{"contents": "read"}) {
		t.Errorf("workflow permissions %v, want contents: read", w.Permissions)
	}
	j := w.job()
	if !mapsEqual(j.Permissions, map[string]string{"contents": "write", "id-token": "write"}) {
		t.Errorf("job permissions %v, want contents: write and id-token: write only", j.Permissions)
	}

	epoch := j.step(t, "Take the build time from the tag's commit").Run
	if !strings.Contains(epoch, `SOURCE_DATE_EPOCH=$(git log -1 --format=%ct HEAD)`) || !strings.Contains(epoch, `"$GITHUB_ENV"`) {
		t.Errorf("SOURCE_DATE_EPOCH is not the tag's commit time for the later steps:\n%s", epoch)
	}
	rel := j.step(t, "Release and sign keyless").Run
	for _, want := range []string{"--keyless", "--rekor https://", "--tsa https://", `--version "${GITHUB_REF_NAME#v}"`} {
		if !strings.Contains(rel, want) {
			t.Errorf("the release step lacks %q:\n%s", want, rel)
		}
	}
	vb := j.step(t, "Verify the bundle with the identity policy").Run
	for _, want := range []string{
		`--certificate-identity "https://github.com/${GITHUB_WORKFLOW_REF}"`,
		"--certificate-oidc-issuer https://token.actions.githubusercontent.com",
	} {
		if !strings.Contains(vb, want) {
			t.Errorf("the bundle is not verified with %q:\n%s", want, vb)
		}
	}
	attach := j.step(t, "Attach the release folder and its bundle to the GitHub release").Run
	if !strings.Contains(attach, "gh release upload") || !strings.Contains(attach, "release/release.intoto.sigstore.json") {
		t.Errorf("the bundle is not attached to the release:\n%s", attach)
	}
	checkCommands(t, "release.yml", j)
}

func TestVerifyWorkflow(t *testing.T) {
	w, raw := load(t, "verify.yml")
	checkPinned(t, "verify.yml", raw)
	if got := keys(w.On); !slices.Equal(got, []string{"schedule", "workflow_dispatch"}) {
		t.Errorf("triggers %q, want schedule and workflow_dispatch", got)
	}
	var sched []struct{ Cron string }
	on := w.On["schedule"]
	if err := on.Decode(&sched); err != nil {
		t.Fatal(err)
	}
	if len(sched) != 1 || !regexp.MustCompile(`^[0-5]?\d \* \* \* \*$`).MatchString(sched[0].Cron) {
		t.Errorf("schedule %+v, want one hourly cron", sched)
	}
	if !mapsEqual(w.Permissions, map[string]string{"contents": "read"}) {
		t.Errorf("workflow permissions %v, want contents: read", w.Permissions)
	}
	j := w.job()
	if j.Permissions != nil {
		t.Errorf("the job asks for permissions %v: a check needs none", j.Permissions)
	}
	if j.Steps[0].ID != "draw" {
		t.Fatalf("the first step is %q, want the draw", j.Steps[0].Name)
	}
	for _, s := range j.Steps[1:] {
		if !strings.Contains(s.If, "steps.draw.outputs.run == 'true'") && !strings.Contains(s.If, "steps.rebuild.outcome == 'success'") {
			t.Errorf("step %q runs whatever the draw said (if: %q)", s.Name, s.If)
		}
	}
	// The checks run even when one before them failed, and the reports
	// are uploaded whatever the checks said.
	for _, name := range []string{
		"Compare the live manifest with the rebuilt one",
		"Check the live page's SRI and each subresource against the rebuild",
		"Verify the release's bundle with the release workflow's identity",
		"Upload the reports",
	} {
		if s := j.step(t, name); !strings.HasPrefix(s.If, "${{ !cancelled() && ") {
			t.Errorf("step %q is skipped when an earlier check fails (if: %q)", name, s.If)
		}
	}
	up := j.step(t, "Upload the reports")
	if !strings.HasPrefix(up.Uses, "actions/upload-artifact@") || up.With["path"] != "reports/" || up.With["if-no-files-found"] != "error" {
		t.Errorf("the reports are not uploaded: %+v", up)
	}
	vb := j.step(t, "Verify the release's bundle with the release workflow's identity").Run
	for _, want := range []string{
		`--certificate-identity "https://github.com/$GITHUB_REPOSITORY/.github/workflows/release.yml@refs/tags/$TAG"`,
		"--certificate-oidc-issuer https://token.actions.githubusercontent.com",
		`"$RUNNER_TEMP/published/release.intoto.sigstore.json"`,
	} {
		if !strings.Contains(vb, want) {
			t.Errorf("the bundle is not verified with %q:\n%s", want, vb)
		}
	}
	checkCommands(t, "verify.yml", j)

	// The rebuild is the release's build: the same step, word for word.
	rw, _ := load(t, "release.yml")
	if a, b := rw.job().step(t, "Build the web app").Run, j.step(t, "Build the web app").Run; a != b {
		t.Errorf("verify.yml builds differently from release.yml:\n%s\nvs\n%s", b, a)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// A command line of an example program in a run script.
type invocation struct {
	program string   // "release" or "verifier"
	args    []string // after the program, shell quoting removed
}

var goRun = regexp.MustCompile(`go run \./examples/([a-z]+)`)

// invocations finds the `go run ./examples/NAME` command lines of the
// job's run scripts (continuation lines joined) and splits their
// arguments as the shell would for these simple lines: words, with
// double-quoted strings kept whole.
func invocations(t *testing.T, j job) []invocation {
	t.Helper()
	var out []invocation
	for _, s := range j.Steps {
		text := strings.ReplaceAll(s.Run, "\\\n", " ")
		for line := range strings.Lines(text) {
			m := goRun.FindStringSubmatchIndex(line)
			if m == nil {
				continue
			}
			inv := invocation{program: line[m[2]:m[3]]}
			rest := line[m[1]:]
			for _, stop := range []string{"|", "&&", ";", ">"} {
				if i := strings.Index(rest, stop); i >= 0 {
					rest = rest[:i]
				}
			}
			words, err := shellWords(rest)
			if err != nil {
				t.Fatalf("step %q: %v: %s", s.Name, err, line)
			}
			inv.args = words
			out = append(out, inv)
		}
	}
	return out
}

func shellWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	in, quoted := false, false
	for _, r := range s {
		switch {
		case r == '"':
			quoted, in = !quoted, true
		case !quoted && (r == ' ' || r == '\t' || r == '\n'):
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if quoted {
		return nil, errors.New("unterminated quote")
	}
	if in {
		words = append(words, cur.String())
	}
	return words, nil
}

// The example programs, built once for all tests.
var (
	buildOnce sync.Once
	bins      map[string]string
	buildErr  error
)

func programs(t *testing.T) map[string]string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "selfattest-workflows-")
		if err != nil {
			buildErr = err
			return
		}
		bins = map[string]string{}
		for _, p := range []string{"release", "verifier"} {
			bin := filepath.Join(dir, p)
			if out, err := exec.Command("go", "build", "-o", bin, "../"+p).CombinedOutput(); err != nil {
				buildErr = errors.Join(err, errors.New(string(out)))
				return
			}
			bins[p] = bin
		}
	})
	if buildErr != nil {
		t.Fatalf("building the example programs: %v", buildErr)
	}
	return bins
}

// flagHelp runs the program's --help (a subcommand's, for the verifier)
// and returns its flags: name → whether the flag takes a value.
var helpFlag = regexp.MustCompile(`(?m)^  -([a-z0-9-]+)( \S+)?$`)

func flagHelp(t *testing.T, bin string, sub ...string) map[string]bool {
	t.Helper()
	cmd := exec.Command(bin, append(sub, "--help")...)
	cmd.Env = append(os.Environ(), "GITHUB_STEP_SUMMARY=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v --help: %v\n%s", filepath.Base(bin), sub, err, out)
	}
	flags := map[string]bool{}
	for _, m := range helpFlag.FindAllStringSubmatch(string(out), -1) {
		flags[m[1]] = m[2] != ""
	}
	if len(flags) < 3 {
		t.Fatalf("%s %v --help lists %d flags:\n%s", filepath.Base(bin), sub, len(flags), out)
	}
	return flags
}

// checkCommands holds every example-program command line of the job to
// the program: the subcommand exists, every flag is one it has, a flag
// that takes a value has one, and no flag comes after the first
// positional argument (the flag package would take it as an argument).
func checkCommands(t *testing.T, file string, j job) {
	t.Helper()
	invs := invocations(t, j)
	if len(invs) == 0 {
		t.Fatalf("%s: no example program is run", file)
	}
	bins := programs(t)
	for _, inv := range invs {
		bin, ok := bins[inv.program]
		if !ok {
			t.Errorf("%s: runs examples/%s, which this test does not know", file, inv.program)
			continue
		}
		args := inv.args
		var sub []string
		if inv.program == "verifier" {
			if len(args) == 0 {
				t.Errorf("%s: verifier without a subcommand", file)
				continue
			}
			sub, args = []string{args[0]}, args[1:]
		}
		flags := flagHelp(t, bin, sub...)
		positional := 0
		for i := 0; i < len(args); i++ {
			a := args[i]
			if !strings.HasPrefix(a, "-") {
				positional++
				continue
			}
			if positional > 0 {
				t.Errorf("%s: %s %v: flag %s after a positional argument is taken as an argument", file, inv.program, sub, a)
			}
			name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
			takes, ok := flags[name]
			switch {
			case !ok:
				t.Errorf("%s: %s %v has no flag %s", file, inv.program, sub, a)
			case takes && !hasValue:
				if i+1 >= len(args) || strings.HasPrefix(args[i+1], "-") {
					t.Errorf("%s: %s %v: %s needs a value", file, inv.program, sub, a)
				}
				i++
			}
			if name == "summary" && i < len(args) && strings.Contains(args[i], "GITHUB_STEP_SUMMARY") {
				t.Errorf("%s: --summary $GITHUB_STEP_SUMMARY overwrites the job summary; the verifier appends to it by itself", file)
			}
		}
		if inv.program == "verifier" && positional == 0 {
			t.Errorf("%s: verifier %v checks nothing: no argument", file, sub)
		}
		t.Logf("%s: %s: %d flags and values, %d arguments", file, strings.Join(append([]string{inv.program}, sub...), " "), len(args)-positional, positional)
	}
}

// actionlint is the tool the workflows must pass, built from the Go
// module proxy into the user's cache on first use.
var actionlint = toolcache.Tool{
	Name:    "actionlint",
	Package: "github.com/rhysd/actionlint/cmd/actionlint",
	Version: "v1.7.12",
	Binary:  "actionlint",
	Timeout: 10 * time.Minute,
}

// TestActionlint runs actionlint on both workflows; any finding fails.
// (actionlint runs shellcheck and pyflakes on the scripts when they are
// on PATH, and skips those checks otherwise.)
func TestActionlint(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	bin, err := actionlint.Build(ctx, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, bin, "-no-color", "-verbose", "release.yml", "verify.yml")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	t.Logf("actionlint:\n%s", stderr.String())
	if err != nil || stdout.Len() != 0 {
		t.Fatalf("actionlint: %v\n%s", err, stdout.String())
	}
	if !strings.Contains(stderr.String(), "release.yml") || !strings.Contains(stderr.String(), "verify.yml") {
		t.Fatalf("actionlint did not say it checked both files:\n%s", stderr.String())
	}
}
