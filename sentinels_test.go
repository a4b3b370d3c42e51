package selfattest_test

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ats-run/selfattest"
	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/attest"
	"github.com/ats-run/selfattest/attest/release"
	"github.com/ats-run/selfattest/verify"
	"github.com/ats-run/selfattest/verify/report"
	"github.com/ats-run/selfattest/verify/sigstore"
	"github.com/ats-run/selfattest/verify/tlog"
	"github.com/ats-run/selfattest/verify/trust"
	"github.com/ats-run/selfattest/verify/tuf"
)

// TestEverySentinelIsBeneathARoot reads every non-test Go file of the
// repository (the root module and the nested ones) and requires each
// package-level error sentinel (a var named Err…) to be declared with
// selfattest.Beneath, so that every error of the module wraps one of the
// three root sentinels (errors.go, where the three are declared, aside).
func TestEverySentinelIsBeneathARoot(t *testing.T) {
	found := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != "." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || path == "errors.go" {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.VAR {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if !strings.HasPrefix(name.Name, "Err") || i >= len(vs.Values) {
						continue
					}
					found++
					call, ok := vs.Values[i].(*ast.CallExpr)
					sel, ok2 := func() (*ast.SelectorExpr, bool) {
						if !ok {
							return nil, false
						}
						s, ok := call.Fun.(*ast.SelectorExpr)
						return s, ok
					}()
					if !ok2 || sel.Sel.Name != "Beneath" {
						t.Errorf("%s: %s is not declared with selfattest.Beneath", path, name.Name)
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found < 20 {
		t.Fatalf("found only %d sentinels: the walk is broken", found)
	}
	t.Logf("%d sentinels, each beneath a root", found)
}

// TestSentinelClasses holds each package's sentinels to the root they
// belong beneath: a rejection is never "could not check", nor the reverse.
func TestSentinelClasses(t *testing.T) {
	R, C, B := selfattest.ErrRejected, selfattest.ErrCouldNotCheck, selfattest.ErrBadInput
	tests := []struct {
		name string
		err  error
		root error
	}{
		{"verify.ErrVerification", verify.ErrVerification, R},
		{"verify.ErrCouldNotCheck", verify.ErrCouldNotCheck, C},
		{"verify.ErrBadInput", verify.ErrBadInput, B},
		{"verify.ErrUnsupportedPage", verify.ErrUnsupportedPage, C},
		{"tlog.ErrVerification", tlog.ErrVerification, R},
		{"tlog.ErrUnavailable", tlog.ErrUnavailable, C},
		{"tlog.PolicyError", &tlog.PolicyError{Reason: "no keys"}, B},
		{"attest.ErrBadInput", attest.ErrBadInput, B},
		{"attest.ErrIntegrityMismatch", attest.ErrIntegrityMismatch, R},
		{"release.ErrMismatch", release.ErrMismatch, R},
		{"anchor.ErrAnchor", anchor.ErrAnchor, R},
		{"anchor.ErrPending", anchor.ErrPending, C},
		{"anchor.ErrCouldNotCheck", anchor.ErrCouldNotCheck, C},
		{"anchor.ErrBadInput", anchor.ErrBadInput, B},
		{"anchor.ErrJournal", anchor.ErrJournal, B},
		{"report.ErrInvalid", report.ErrInvalid, B},
		{"trust.ErrUnknownSnapshot", trust.ErrUnknownSnapshot, B},
		{"trust.ErrInvalidRoot", trust.ErrInvalidRoot, B},
		{"trust.ErrUnreadable", trust.ErrUnreadable, B},
		{"tuf.ErrVerification", tuf.ErrVerification, R},
		{"tuf.ErrCouldNotCheck", tuf.ErrCouldNotCheck, C},
		{"tuf.ErrBadInput", tuf.ErrBadInput, B},
		{"sigstore.ErrVerification", sigstore.ErrVerification, R},
		{"sigstore.ErrCouldNotCheck", sigstore.ErrCouldNotCheck, C},
		{"sigstore.ErrBadInput", sigstore.ErrBadInput, B},
	}
	for _, tt := range tests {
		for _, root := range []error{R, C, B} {
			if got, want := errors.Is(tt.err, root), root == tt.root; got != want {
				t.Errorf("errors.Is(%s, %v) = %v, want %v", tt.name, root, got, want)
			}
		}
	}
}
