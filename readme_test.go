package selfattest_test

import (
	"bufio"
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestREADMECodeCompiles holds every Go block of README.md to code that
// compiles and runs: each block is, line for line (indentation and blank
// lines aside), a contiguous part of the body of an Example function in a
// _test.go file of the repository, which `go test work` compiles, runs and
// checks against its "// Output:". A README block that drifts from the
// API, or that was never code, fails here with the block's first line.
func TestREADMECodeCompiles(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := goBlocks(readme)
	if len(blocks) < 6 {
		t.Fatalf("README.md has %d Go blocks; the API tour has at least 6", len(blocks))
	}
	bodies := exampleBodies(t, ".")
	if len(bodies) < 20 {
		t.Fatalf("found %d Example functions: not the repository root?", len(bodies))
	}
	for _, b := range blocks {
		if !inAnyBody(b, bodies) {
			t.Errorf("README.md's Go block starting %q is not part of any Example function", b[0])
		}
	}
}

// The matcher must fail: a block with one line changed, and a block whose
// lines are all there but not contiguous, are not found.
func TestREADMEMatcherRejects(t *testing.T) {
	bodies := [][]string{{"a := 1", "b := a + 1", "fmt.Println(b)"}}
	for _, b := range [][]string{
		{"a := 1", "b := a + 2"},
		{"a := 1", "fmt.Println(b)"},
		{"fmt.Println(b)", "c := 3"},
	} {
		if inAnyBody(b, bodies) {
			t.Errorf("%q found in %q", b, bodies[0])
		}
	}
	if !inAnyBody([]string{"b := a + 1", "fmt.Println(b)"}, bodies) {
		t.Error("a contiguous part not found")
	}
}

// goBlocks returns the ```go blocks of a Markdown text, each as its
// non-blank lines with surrounding space trimmed.
func goBlocks(md []byte) [][]string {
	var blocks [][]string
	var cur []string
	in := false
	sc := bufio.NewScanner(bytes.NewReader(md))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case !in && strings.TrimSpace(line) == "```go":
			in, cur = true, nil
		case in && strings.TrimSpace(line) == "```":
			in = false
			if len(cur) > 0 {
				blocks = append(blocks, cur)
			}
		case in:
			if s := strings.TrimSpace(line); s != "" {
				cur = append(cur, s)
			}
		}
	}
	return blocks
}

// exampleBodies returns the body lines (trimmed, non-blank) of every
// Example function in the _test.go files under root, nested modules
// included.
func exampleBodies(t *testing.T, root string) [][]string {
	t.Helper()
	var bodies [][]string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, src, 0)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || fn.Body == nil || !strings.HasPrefix(fn.Name.Name, "Example") {
				continue
			}
			text := src[fset.Position(fn.Body.Lbrace).Offset+1 : fset.Position(fn.Body.Rbrace).Offset]
			var lines []string
			for _, l := range strings.Split(string(text), "\n") {
				if s := strings.TrimSpace(l); s != "" {
					lines = append(lines, s)
				}
			}
			bodies = append(bodies, lines)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return bodies
}

func inAnyBody(block []string, bodies [][]string) bool {
	for _, body := range bodies {
		for i := 0; i+len(block) <= len(body); i++ {
			match := true
			for j := range block {
				if body[i+j] != block[j] {
					match = false
					break
				}
			}
			if match {
				return true
			}
		}
	}
	return false
}
