package toolcache

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestBuiltToolIsReused(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	tool := Tool{Name: "t", Package: "selfattest.invalid/cmd/t", Version: "v1.0.0", Binary: "t"}
	if tool.Built() {
		t.Fatal("Built() on an empty cache")
	}
	p, err := tool.Path()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(os.Getenv("XDG_CACHE_HOME"), "selfattest", "t", "v1.0.0", "t"); p != want {
		t.Fatalf("Path() = %s, want %s", p, want)
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	// Not executable: not built.
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if tool.Built() {
		t.Fatal("Built() with a file that is not executable")
	}
	if err := os.Chmod(p, 0o755); err != nil {
		t.Fatal(err)
	}
	var logged []string
	got, err := tool.Build(context.Background(), func(f string, a ...any) { logged = append(logged, f) })
	if err != nil || got != p {
		t.Fatalf("Build() = %q, %v; want the cached %q", got, err, p)
	}
	if len(logged) != 0 {
		t.Fatalf("Build of a cached tool logged %q; want nothing (no build)", logged)
	}
}

func TestBuildFailureIsErrBuild(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	tool := Tool{Name: "t", Package: "selfattest.invalid/cmd/t", Version: "v1.0.0", Binary: "t", Timeout: time.Minute}
	_, err := tool.Build(context.Background(), t.Logf)
	if !errors.Is(err, ErrBuild) || !strings.Contains(err.Error(), "selfattest.invalid/cmd/t@v1.0.0") {
		t.Fatalf("Build of a module that does not exist = %v; want ErrBuild naming it", err)
	}
	if tool.Built() {
		t.Fatal("a failed build left a binary")
	}
	tool.Pins = []string{"selfattest.invalid/other@v1.0.0"}
	if _, err := tool.Build(context.Background(), t.Logf); !errors.Is(err, ErrBuild) {
		t.Fatalf("pinned build of a module that does not exist = %v; want ErrBuild", err)
	}
}

func TestLockExcludes(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".lock")
	unlock, err := Lock(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if _, err := Lock(ctx, path); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second Lock while held = %v; want it to wait until ctx ends", err)
	}
	unlock()
	unlock2, err := Lock(context.Background(), path)
	if err != nil {
		t.Fatalf("Lock after unlock: %v", err)
	}
	unlock2()
}
