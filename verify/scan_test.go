package verify

import (
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/net/html"
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
				{Kind: KindStylesheet, Element: "link", Rel: "stylesheet", Ref: "style.css", URL: "https://cdn.example/app/style.css", HasIntegrity: true, Integrity: "sha384-abc"},
				{Kind: KindScript, Element: "script", Ref: "/kms-v1.0.1-7f8a9b0c.mjs", URL: "https://cdn.example/kms-v1.0.1-7f8a9b0c.mjs", HasIntegrity: true, Integrity: "sha256-f4OxZX/x/FO5LcGBSKHWXfwtSxCeq6d2kqbUqZ5K6fU="},
			},
		},
		{
			name: "preload kinds, case and rel lists",
			html: `<LINK REL="ModulePreload" HREF="a.mjs"><link rel="preload" as="Script" href="b.js"><link rel="icon preload" href="c.png"><link rel="icon" href="favicon.ico"><link rel="alternate" href="feed.xml">`,
			want: []PageRef{
				{Kind: KindModulePreload, Element: "link", Rel: "modulepreload", Ref: "a.mjs", URL: "https://cdn.example/app/a.mjs"},
				{Kind: KindPreload, Element: "link", Rel: "preload", As: "script", Ref: "b.js", URL: "https://cdn.example/app/b.js"},
				{Kind: KindPreload, Element: "link", Rel: "icon preload", Ref: "c.png", URL: "https://cdn.example/app/c.png"},
			},
		},
		{
			name: "no integrity, empty integrity",
			html: `<script src="x.js"></script><script src="y.js" integrity></script>`,
			want: []PageRef{
				{Kind: KindScript, Element: "script", Ref: "x.js", URL: "https://cdn.example/app/x.js"},
				{Kind: KindScript, Element: "script", Ref: "y.js", URL: "https://cdn.example/app/y.js", HasIntegrity: true},
			},
		},
		{
			name: "inline scripts, comments and script text are not tags",
			html: `<script>document.write('<script src="evil.js"></scr'+'ipt>')</script><!-- <script src="c.js"></script> --><style>/* <link rel=stylesheet href=s.css> */</style><script src="real.js"></script>`,
			want: []PageRef{
				{Kind: KindInlineScript, Element: "script", Code: "sha256-SgYyqPu1YvHwqSUgsrrIwcxXVxTB/sTMCFiNls3Lm4Q="},
				{Kind: KindScript, Element: "script", Ref: "real.js", URL: "https://cdn.example/app/real.js"},
			},
		},
		{
			name: "base href applies to what follows it",
			html: `<script src="before.js"></script><base href="https://other.example/lib/"><base href="https://third.example/"><script src="after.js"></script>`,
			want: []PageRef{
				{Kind: KindScript, Element: "script", Ref: "before.js", URL: "https://cdn.example/app/before.js"},
				{Kind: KindScript, Element: "script", Ref: "after.js", URL: "https://other.example/lib/after.js"},
			},
		},
		{
			name: "javascript base ignored",
			html: `<base href="javascript:alert(1)"><script src="a.js"></script>`,
			want: []PageRef{{Kind: KindScript, Element: "script", Ref: "a.js", URL: "https://cdn.example/app/a.js"}},
		},
		{
			name: "first attribute wins, whitespace trimmed, fragment dropped",
			html: `<script src=" one.js#frag " src="two.js" integrity="sha256-A" integrity="sha256-B"></script>`,
			want: []PageRef{{Kind: KindScript, Element: "script", Ref: " one.js#frag ", URL: "https://cdn.example/app/one.js", HasIntegrity: true, Integrity: "sha256-A"}},
		},
		{
			name: "empty and broken references are kept with no URL",
			html: `<script src=""></script><link rel=stylesheet href="http://[::1">`,
			want: []PageRef{
				{Kind: KindScript, Element: "script", Ref: ""},
				{Kind: KindStylesheet, Element: "link", Rel: "stylesheet", Ref: "http://[::1"},
			},
		},
		{
			name: "broken markup",
			html: `<html><head><script src="a.js" integrity="sha384-x"<script src=b.js></script></head`,
			want: []PageRef{{Kind: KindScript, Element: "script", Ref: "a.js", URL: "https://cdn.example/app/a.js", HasIntegrity: true, Integrity: "sha384-x"}},
		},
		{
			name: "self-closing and unquoted",
			html: `<link rel=stylesheet href=s.css /><script src=m.js />`,
			want: []PageRef{
				{Kind: KindStylesheet, Element: "link", Rel: "stylesheet", Ref: "s.css", URL: "https://cdn.example/app/s.css"},
				{Kind: KindScript, Element: "script", Ref: "m.js", URL: "https://cdn.example/app/m.js"},
			},
		},
		{name: "empty page", html: ``, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ScanHTML(strings.NewReader(tt.html), page, "", 0)
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
	if _, err := ScanHTML(strings.NewReader(html), "https://x.example/", "", 10); !errors.Is(err, ErrTooManyRefs) {
		t.Fatalf("err = %v, want ErrTooManyRefs", err)
	}
	if refs, err := ScanHTML(strings.NewReader(html), "https://x.example/", "", 11); err != nil || len(refs) != 11 {
		t.Fatalf("got %d refs, %v", len(refs), err)
	}
	if _, err := ScanHTML(strings.NewReader(html), "relative/page.html", "", 0); !errors.Is(err, ErrBadInput) {
		t.Fatalf("relative page URL: err = %v, want ErrBadInput", err)
	}
}

// FuzzScanHTML holds the page walker to an oracle written separately: a
// plain walk of x/net/html's own tree that collects every URL attribute a
// browser could load code from (every script element's src, href and
// xlink:href in any namespace; HTML links, frames, objects and embeds;
// srcdoc documents) and every event handler. Whatever the walker returns,
// each of these must be among its references.
func FuzzScanHTML(f *testing.F) {
	f.Add(`<script src="a.js" integrity="sha384-x"></script><link rel=stylesheet href=b.css>`)
	f.Add(`<base href="../x/"><script src=//evil/a.js>`)
	f.Add(`<script>"<script src=x>"</script><!--`)
	f.Add("<link rel=\"preload\x00\" href=\"\xff\">")
	f.Add(`<svg><title><script src=evil.js></script></title><style><b></b><script src=e2.js></script></style><script xlink:href=e3.js href=e4.js></script></svg>`)
	f.Add(`<math><annotation-xml encoding=text/html><iframe srcdoc="<script src=s.js></script>"></iframe></annotation-xml></math>`)
	f.Add(`<table><object data=o.html></object><embed src=e.html><frame src=f.html><img onerror=x>`)
	f.Fuzz(func(t *testing.T, page string) {
		refs, err := ScanHTML(strings.NewReader(page), "https://cdn.example/app/index.html", "", 256)
		if err != nil {
			if !errors.Is(err, ErrTooManyRefs) && !errors.Is(err, ErrUnsupportedPage) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		got := map[string]int{}
		handlers := 0
		for _, r := range refs {
			got[r.Ref]++
			if r.Kind == KindEventHandler {
				handlers++
			}
			if r.URL != "" {
				if u, err := url.Parse(r.URL); err != nil || !u.IsAbs() || u.Scheme != "http" && u.Scheme != "https" {
					t.Fatalf("resolved URL %q is not an absolute http(s) URL: %v", r.URL, err)
				}
			}
			if !r.HasIntegrity && r.Integrity != "" {
				t.Fatalf("integrity value without the attribute: %+v", r)
			}
		}
		want, wantHandlers := oracleRefs(t, page, 0)
		for _, w := range want {
			if got[w] == 0 {
				t.Fatalf("the tree has a loadable reference %q that the walker did not return; got %+v", w, refs)
			}
		}
		if handlers < wantHandlers {
			t.Fatalf("%d event handlers in the tree, %d returned", wantHandlers, handlers)
		}
	})
}

// oracleRefs walks x/net/html's tree of page in the plainest way and
// returns the raw values of every attribute that loads code, and the
// number of event-handler attributes.
func oracleRefs(t *testing.T, page string, depth int) (refs []string, handlers int) {
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil || depth > 8 {
		return nil, 0
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			for _, a := range n.Attr {
				if a.Namespace == "" && len(a.Key) > 2 && strings.EqualFold(a.Key[:2], "on") {
					handlers++
				}
				isURL := false
				switch {
				case n.Data == "script":
					isURL = a.Key == "src" || a.Key == "href"
				case n.Namespace == "" && n.Data == "link":
					isURL = a.Key == "href" && linkKind(strings.ToLower(attrOf(n, "rel"))) != ""
				case n.Namespace == "" && (n.Data == "frame" || n.Data == "embed" || n.Data == "iframe" && !hasAttr(n, "srcdoc")):
					isURL = a.Key == "src"
				case n.Namespace == "" && n.Data == "object":
					isURL = a.Key == "data"
				}
				if isURL && refScheme(a.Val) != "about" && refScheme(a.Val) != "javascript" && refScheme(a.Val) != "data" {
					refs = append(refs, a.Val)
				}
			}
			if n.Namespace == "" && n.Data == "iframe" && hasAttr(n, "srcdoc") {
				r, h := oracleRefs(t, attrOf(n, "srcdoc"), depth+1)
				refs, handlers = append(refs, r...), handlers+h
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return refs, handlers
}

func attrOf(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return true
		}
	}
	return false
}
