package verify

import (
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func TestScanHTML(t *testing.T) {
	const page = "https://cdn.example/app/index.html"
	tests := []struct {
		name string
		html string
		want []PageRef
	}{
		{
			name: "script and stylesheet",
			html: `<!doctype html><html><head>
<link rel="stylesheet" href="style.css" integrity="sha384-abc">
<script type="module" integrity="sha256-f4OxZX/x/FO5LcGBSKHWXfwtSxCeq6d2kqbUqZ5K6fU=" src="/kms-v1.0.1-7f8a9b0c.mjs"></script>
</head></html>`,
			want: []PageRef{
				{Element: "link", Rel: "stylesheet", Ref: "style.css", URL: "https://cdn.example/app/style.css", HasIntegrity: true, Integrity: "sha384-abc"},
				{Element: "script", Ref: "/kms-v1.0.1-7f8a9b0c.mjs", URL: "https://cdn.example/kms-v1.0.1-7f8a9b0c.mjs", HasIntegrity: true, Integrity: "sha256-f4OxZX/x/FO5LcGBSKHWXfwtSxCeq6d2kqbUqZ5K6fU="},
			},
		},
		{
			name: "preload kinds, case and rel lists",
			html: `<LINK REL="ModulePreload" HREF="a.mjs"><link rel="preload" as="Script" href="b.js"><link rel="icon preload" href="c.png"><link rel="icon" href="favicon.ico"><link rel="alternate" href="feed.xml">`,
			want: []PageRef{
				{Element: "link", Rel: "modulepreload", Ref: "a.mjs", URL: "https://cdn.example/app/a.mjs"},
				{Element: "link", Rel: "preload", As: "script", Ref: "b.js", URL: "https://cdn.example/app/b.js"},
				{Element: "link", Rel: "icon preload", Ref: "c.png", URL: "https://cdn.example/app/c.png"},
			},
		},
		{
			name: "no integrity, empty integrity",
			html: `<script src="x.js"></script><script src="y.js" integrity></script>`,
			want: []PageRef{
				{Element: "script", Ref: "x.js", URL: "https://cdn.example/app/x.js"},
				{Element: "script", Ref: "y.js", URL: "https://cdn.example/app/y.js", HasIntegrity: true},
			},
		},
		{
			name: "inline scripts, comments and script text are not tags",
			html: `<script>document.write('<script src="evil.js"></scr'+'ipt>')</script><!-- <script src="c.js"></script> --><style>/* <link rel=stylesheet href=s.css> */</style><script src="real.js"></script>`,
			want: []PageRef{{Element: "script", Ref: "real.js", URL: "https://cdn.example/app/real.js"}},
		},
		{
			name: "base href applies to what follows it",
			html: `<script src="before.js"></script><base href="https://other.example/lib/"><base href="https://third.example/"><script src="after.js"></script>`,
			want: []PageRef{
				{Element: "script", Ref: "before.js", URL: "https://cdn.example/app/before.js"},
				{Element: "script", Ref: "after.js", URL: "https://other.example/lib/after.js"},
			},
		},
		{
			name: "javascript base ignored",
			html: `<base href="javascript:alert(1)"><script src="a.js"></script>`,
			want: []PageRef{{Element: "script", Ref: "a.js", URL: "https://cdn.example/app/a.js"}},
		},
		{
			name: "first attribute wins, whitespace trimmed, fragment dropped",
			html: `<script src=" one.js#frag " src="two.js" integrity="sha256-A" integrity="sha256-B"></script>`,
			want: []PageRef{{Element: "script", Ref: " one.js#frag ", URL: "https://cdn.example/app/one.js", HasIntegrity: true, Integrity: "sha256-A"}},
		},
		{
			name: "empty and broken references are kept with no URL",
			html: `<script src=""></script><link rel=stylesheet href="http://[::1">`,
			want: []PageRef{
				{Element: "script", Ref: ""},
				{Element: "link", Rel: "stylesheet", Ref: "http://[::1"},
			},
		},
		{
			name: "broken markup",
			html: `<html><head><script src="a.js" integrity="sha384-x"<script src=b.js></script></head`,
			want: []PageRef{{Element: "script", Ref: "a.js", URL: "https://cdn.example/app/a.js", HasIntegrity: true, Integrity: "sha384-x"}},
		},
		{
			name: "self-closing and unquoted",
			html: `<link rel=stylesheet href=s.css /><script src=m.js />`,
			want: []PageRef{
				{Element: "link", Rel: "stylesheet", Ref: "s.css", URL: "https://cdn.example/app/s.css"},
				{Element: "script", Ref: "m.js", URL: "https://cdn.example/app/m.js"},
			},
		},
		{name: "empty page", html: ``, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ScanHTML(strings.NewReader(tt.html), page, 0)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ScanHTML:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestScanHTMLLimits(t *testing.T) {
	html := strings.Repeat(`<script src="a.js"></script>`, 11)
	if _, err := ScanHTML(strings.NewReader(html), "https://x.example/", 10); !errors.Is(err, ErrTooManyRefs) {
		t.Fatalf("err = %v, want ErrTooManyRefs", err)
	}
	if refs, err := ScanHTML(strings.NewReader(html), "https://x.example/", 11); err != nil || len(refs) != 11 {
		t.Fatalf("got %d refs, %v", len(refs), err)
	}
	if _, err := ScanHTML(strings.NewReader(html), "relative/page.html", 0); !errors.Is(err, ErrBadInput) {
		t.Fatalf("relative page URL: err = %v, want ErrBadInput", err)
	}
}

func FuzzScanHTML(f *testing.F) {
	f.Add(`<script src="a.js" integrity="sha384-x"></script><link rel=stylesheet href=b.css>`)
	f.Add(`<base href="../x/"><script src=//evil/a.js>`)
	f.Add(`<script>"<script src=x>"</script><!--`)
	f.Add("<link rel=\"preload\x00\" href=\"\xff\">")
	f.Fuzz(func(t *testing.T, html string) {
		refs, err := ScanHTML(strings.NewReader(html), "https://cdn.example/app/index.html", 64)
		if err != nil {
			if !errors.Is(err, ErrTooManyRefs) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		for _, r := range refs {
			if r.Element != "script" && r.Element != "link" {
				t.Fatalf("element %q", r.Element)
			}
			if r.URL != "" {
				if u, err := url.Parse(r.URL); err != nil || !u.IsAbs() {
					t.Fatalf("resolved URL %q is not absolute: %v", r.URL, err)
				}
			}
			if !r.HasIntegrity && r.Integrity != "" {
				t.Fatalf("integrity value without the attribute: %+v", r)
			}
		}
	})
}
