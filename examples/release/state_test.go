package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Run from a working folder with the defaults, release writes --out and
// nothing else there: the local log, its keys and its trusted root go to
// the state folder ($XDG_STATE_HOME, else $HOME/.local/state), keys 0600
// in a 0700 folder.
func TestReleaseWritesOnlyOut(t *testing.T) {
	abs, err := filepath.Abs(dist)
	if err != nil {
		t.Fatal(err)
	}
	priv, _ := keyFiles(t, t.TempDir())
	for _, tt := range []struct {
		name  string
		env   func(home string) []string
		state func(home string) string
	}{
		{"XDG_STATE_HOME", func(home string) []string {
			return []string{"XDG_STATE_HOME=" + filepath.Join(home, "xdg"), "HOME=" + home}
		},
			func(home string) string { return filepath.Join(home, "xdg", "selfattest") }},
		{"HOME", func(home string) []string { return []string{"XDG_STATE_HOME=", "HOME=" + home} },
			func(home string) string { return filepath.Join(home, ".local", "state", "selfattest") }},
		{"relative XDG_STATE_HOME is ignored", func(home string) []string { return []string{"XDG_STATE_HOME=rel", "HOME=" + home} },
			func(home string) string { return filepath.Join(home, ".local", "state", "selfattest") }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			work, home := t.TempDir(), t.TempDir()
			code, out, errOut := runBin(t, work, tt.env(home), releaseBin, "--dist", abs, "--version", "1.0.1", "--out", "out", "--key", priv)
			if code != 0 {
				t.Fatalf("exit %d\n%s%s", code, out, errOut)
			}
			ents, err := os.ReadDir(work)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range ents {
				if e.Name() != "out" {
					t.Errorf("release wrote %s to the working folder", e.Name())
				}
			}
			state := tt.state(home)
			if fi, err := os.Stat(state); err != nil || fi.Mode().Perm() != 0o700 {
				t.Fatalf("state folder %s: %v %v, want mode 0700", state, fi, err)
			}
			for f, mode := range map[string]os.FileMode{"transparency-log.key": 0o600, "transparency-log.tsa.pem": 0o600, "transparency-log.trusted_root.json": 0o644} {
				fi, err := os.Stat(filepath.Join(state, f))
				if err != nil {
					t.Fatal(err)
				}
				if fi.Mode().Perm() != mode {
					t.Errorf("%s: mode %v, want %v", f, fi.Mode().Perm(), mode)
				}
			}
			if ents, _ := os.ReadDir(filepath.Join(work, "out")); len(ents) == 0 {
				t.Fatal("empty release folder")
			}
			for _, e := range mustReadDir(t, filepath.Join(work, "out")) {
				if filepath.Ext(e) == ".key" || filepath.Ext(e) == ".pem" {
					t.Errorf("a key in the release folder: %s", e)
				}
			}
		})
	}
	t.Run("--state-dir", func(t *testing.T) {
		work, state := t.TempDir(), filepath.Join(t.TempDir(), "s")
		code, out, errOut := runBin(t, work, []string{"XDG_STATE_HOME=/nonexistent"}, releaseBin, "--dist", abs, "--version", "1.0.1", "--out", "out", "--key", priv, "--state-dir", state)
		if code != 0 {
			t.Fatalf("exit %d\n%s%s", code, out, errOut)
		}
		if _, err := os.Stat(filepath.Join(state, "transparency-log.key")); err != nil {
			t.Fatal(err)
		}
	})
}

// A log left in the working folder by the old default is named, and
// neither used nor touched.
func TestReleaseNamesOldLog(t *testing.T) {
	abs, err := filepath.Abs(dist)
	if err != nil {
		t.Fatal(err)
	}
	priv, _ := keyFiles(t, t.TempDir())
	work := t.TempDir()
	old := filepath.Join(work, "transparency-log.key")
	if err := os.WriteFile(old, []byte("not a key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runBin(t, work, []string{"XDG_STATE_HOME=" + t.TempDir()}, releaseBin, "--dist", abs, "--version", "1.0.1", "--out", "out", "--key", priv)
	if code != 0 || !strings.Contains(errOut, "--log transparency-log") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if b, _ := os.ReadFile(old); string(b) != "not a key\n" {
		t.Fatal("the old key file changed")
	}
}

func mustReadDir(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestStateDir(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, tt := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"XDG_STATE_HOME", map[string]string{"XDG_STATE_HOME": "/x", "HOME": "/h"}, "/x/selfattest"},
		{"HOME", map[string]string{"HOME": "/h"}, "/h/.local/state/selfattest"},
		{"relative XDG_STATE_HOME", map[string]string{"XDG_STATE_HOME": "x", "HOME": "/h"}, "/h/.local/state/selfattest"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := stateDir(env(tt.env))
			if err != nil || got != filepath.FromSlash(tt.want) {
				t.Fatalf("stateDir = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
