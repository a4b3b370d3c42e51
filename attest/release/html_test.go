package release

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/ats-run/selfattest/attest"
)

// fakeTarget rewrites references to "a.js" and "b.css".
func fakeTarget(ref string) (string, string, string, bool) {
	switch ref {
	case "a.js", "/a.js":
		return strings.TrimSuffix(ref, "a.js") + "a-v1-00000000.js", "sha384-AAAA", "", true
	case "b.css":
		return "b-v1-11111111.css", "sha384-BBBB", "", true
	}
	return "", "", "not in the release", false
}

func TestRewritePage(t *testing.T) {
	const sa = `a-v1-00000000.js`
	tests := []struct{ name, in, want string }{
		{"double quoted", `<script src="a.js"></script>`, `<script src="` + sa + `" integrity="sha384-AAAA"></script>`},
		{"single quoted", `<script src='a.js'></script>`, `<script src='` + sa + `' integrity="sha384-AAAA"></script>`},
		{"unquoted", `<script src=a.js></script>`, `<script src="` + sa + `" integrity="sha384-AAAA"></script>`},
		{"unquoted then attr", `<script src=a.js defer></script>`, `<script src="` + sa + `" integrity="sha384-AAAA" defer></script>`},
		{"upper case", `<SCRIPT SRC="a.js" INTEGRITY="x"></SCRIPT>`, `<SCRIPT SRC="` + sa + `" INTEGRITY="sha384-AAAA"></SCRIPT>`},
		{"integrity first", `<script integrity="sha256-x" src="a.js">`, `<script integrity="sha384-AAAA" src="` + sa + `">`},
		{"bare integrity", `<script integrity src="a.js">`, `<script integrity="sha384-AAAA" src="` + sa + `">`},
		{"integrity= then >", `<script src="a.js" integrity= >`, `<script src="` + sa + `" integrity="sha384-AAAA">`},
		{"spaces around =", `<script src = "a.js" >`, `<script src = "` + sa + `" integrity="sha384-AAAA" >`},
		{"whitespace in value", `<script src=" a.js
">`, `<script src="` + sa + `" integrity="sha384-AAAA">`},
		{"root relative", `<script src="/a.js">`, `<script src="/` + sa + `" integrity="sha384-AAAA">`},
		{"link", `<link rel=stylesheet href="b.css"/>`, `<link rel=stylesheet href="b-v1-11111111.css" integrity="sha384-BBBB"/>`},
		{"first src wins", `<script src="a.js" src="b.css">`, `<script src="` + sa + `" integrity="sha384-AAAA" src="b.css">`},
		{"comment untouched", `<!-- <script src="a.js"> -->`, `<!-- <script src="a.js"> -->`},
		{"script body untouched", `<script>x='<script src="a.js">'</script>`, `<script>x='<script src="a.js">'</script>`},
		{"textarea untouched", `<textarea><script src="a.js"></textarea>`, `<textarea><script src="a.js"></textarea>`},
		{"other file untouched", `<script src="c.js" integrity="x">`, `<script src="c.js" integrity="x">`},
		{"entity in value", `<script src="a&#46;js">`, `<script src="` + sa + `" integrity="sha384-AAAA">`},
		{"img untouched", `<img src="a.js">`, `<img src="a.js">`},
		{"inline script", `<script integrity="x">1</script>`, `<script integrity="x">1</script>`},
		{"broken tail", `<script src="a.js"`, `<script src="a.js"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := rewritePage([]byte(tt.in), fakeTarget)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Fatalf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
	if _, _, err := rewritePage([]byte(`<base href="/x/"><script src="a.js">`), fakeTarget); !errors.Is(err, attest.ErrBadInput) {
		t.Fatalf("<base href>: %v", err)
	}
}

// FuzzRewritePage checks, for any page: no panic; errors wrap
// ErrBadInput; outside the edited attribute values every byte is kept
// (the bytes of the result, with each new value cut out, are the input's
// with each old value cut out); and a rewritten page rewrites to itself.
func FuzzRewritePage(f *testing.F) {
	for _, name := range []string{"../../testdata/release/dist/index.html", "../../testdata/release/dist/about.htm"} {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`<script src=a.js integrity></script><link href='b.css' integrity=x>`))
	f.Add([]byte(`<script src="a.js" integrity=  >`))
	f.Add([]byte("<script\x00src=a.js>\r\n<Script SRC = /a.js/>"))
	f.Fuzz(func(t *testing.T, page []byte) {
		out, _, err := rewritePage(page, fakeTarget)
		if err != nil {
			if !errors.Is(err, attest.ErrBadInput) {
				t.Fatalf("error does not wrap ErrBadInput: %v", err)
			}
			return
		}
		before, err := scanPage(page)
		if err != nil {
			t.Fatal(err)
		}
		after, err := scanPage(out)
		if err != nil {
			t.Fatalf("rewritten page does not scan: %v\n%q", err, out)
		}
		if len(before) != len(after) {
			t.Fatalf("%d references became %d:\n%q\n%q", len(before), len(after), page, out)
		}
		for i := range before {
			newRef, sri, _, ok := fakeTarget(before[i].ref)
			if !ok {
				if after[i].ref != before[i].ref {
					t.Fatalf("reference %q changed to %q", before[i].ref, after[i].ref)
				}
				continue
			}
			if after[i].ref != newRef || !after[i].hasIntegrity || after[i].integrity != sri {
				t.Fatalf("reference %d: %+v after rewriting %q:\n%q", i, after[i], before[i].ref, out)
			}
		}
		if !bytes.Equal(cutValues(page, before), cutValues(out, after)) {
			t.Fatalf("bytes outside the edited attributes changed:\n%q\n%q", page, out)
		}
		again, _, err := rewritePage(out, func(ref string) (string, string, string, bool) {
			for _, r := range after {
				if r.ref == ref && r.hasIntegrity {
					return ref, r.integrity, "", true
				}
			}
			return "", "", "no", false
		})
		if err != nil {
			t.Fatal(err)
		}
		_ = again
	})
}

// cutValues removes from page the src/href and integrity values (and
// inserted integrity attributes) of the references fakeTarget rewrites,
// normalising quoting, so that the rest can be compared byte for byte.
func cutValues(page []byte, refs []pageRef) []byte {
	var edits []edit
	for _, r := range refs {
		if _, _, _, ok := fakeTarget(r.ref); !ok {
			if r.ref == "a-v1-00000000.js" || r.ref == "/a-v1-00000000.js" || r.ref == "b-v1-11111111.css" {
				edits = append(edits, cutEdit(r.refAt))
				if r.hasIntegrity {
					edits = append(edits, cutAttr(r.integrityAt, page))
				}
			}
			continue
		}
		edits = append(edits, cutEdit(r.refAt))
		if r.hasIntegrity {
			edits = append(edits, cutAttr(r.integrityAt, page))
		}
	}
	out, err := applyEdits(page, edits)
	if err != nil {
		panic(err)
	}
	return out
}

// cutEdit removes a value and its quotes.
func cutEdit(a span) edit {
	if !a.hasValue {
		return edit{a.keyEnd, a.valEnd, "="}
	}
	if a.quote != 0 {
		return edit{a.valStart - 1, a.valEnd + 1, ""}
	}
	return edit{a.valStart, a.valEnd, ""}
}

// cutAttr removes a whole integrity attribute, name and leading space
// included, so an inserted one and an edited one compare equal.
func cutAttr(a span, page []byte) edit {
	start := a.keyEnd - len("integrity")
	for start > 0 && isSpace(page[start-1]) {
		start--
	}
	end := a.valEnd
	if a.quote != 0 {
		end++
	}
	return edit{start, end, ""}
}
