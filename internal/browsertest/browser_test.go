package browsertest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ats-run/selfattest/verify"
)

// The request destinations (Sec-Fetch-Dest) of code a page runs or
// applies: scripts (module preloads included), style sheets, and the
// documents of frames, objects and navigations. Images, fonts and media
// run no code.
var codeDests = map[string]bool{
	"script": true, "style": true, "iframe": true, "frame": true, "object": true, "embed": true,
	"document": true, "worker": true, "sharedworker": true, "serviceworker": true,
	"audioworklet": true, "paintworklet": true, "xslt": true,
}

type request struct {
	url, dest, referer string
}

// corpusServer serves testdata/pages under /p/NAME/index.html and answers
// every other path with a small resource of the type its extension names.
// It records the requests Chromium makes (those with Sec-Fetch-Dest).
type corpusServer struct {
	dir   string
	other string // the second origin, "http://127.0.0.1:PORT"

	mu   sync.Mutex
	reqs []request
}

func (s *corpusServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if dest := r.Header.Get("Sec-Fetch-Dest"); dest != "" {
		s.mu.Lock()
		s.reqs = append(s.reqs, request{"http://" + r.Host + r.URL.RequestURI(), dest, r.Header.Get("Referer")})
		s.mu.Unlock()
	}
	p := r.URL.Path
	if strings.HasPrefix(p, "/p/") && strings.HasSuffix(p, "/index.html") {
		name := strings.TrimSuffix(strings.TrimPrefix(p, "/p/"), "/index.html")
		ctype := "text/html"
		b, err := os.ReadFile(filepath.Join(s.dir, name+".html"))
		if errors.Is(err, os.ErrNotExist) {
			// NAME.xhtml is served as XHTML, which Chromium parses as XML.
			ctype = "application/xhtml+xml"
			b, err = os.ReadFile(filepath.Join(s.dir, name+".xhtml"))
		}
		if err != nil {
			http.NotFound(w, r)
			return
		}
		_, port, _ := net.SplitHostPort(strings.TrimPrefix(s.other, "http://"))
		b = []byte(strings.NewReplacer("{{OTHER}}", s.other, "{{OTHERPORT}}", port).Replace(string(b)))
		w.Header().Set("Content-Type", ctype)
		w.Write(b)
		return
	}
	switch path.Ext(p) {
	case ".js", ".mjs":
		w.Header().Set("Content-Type", "text/javascript")
		if strings.HasSuffix(p, "mod-importer.js") {
			fmt.Fprint(w, `import "./dep.js";`)
			return
		}
		fmt.Fprint(w, "/* script */")
	case ".css":
		w.Header().Set("Content-Type", "text/css")
		if strings.HasSuffix(p, "css-importer.css") {
			fmt.Fprint(w, `@import "dep.css";`)
			return
		}
		fmt.Fprint(w, "p{}")
	case ".html":
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<!doctype html><p>document</p>")
	default:
		w.Header().Set("Content-Type", "application/octet-stream")
		fmt.Fprint(w, "bytes")
	}
}

func (s *corpusServer) take() []request {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.reqs
	s.reqs = nil
	return r
}

func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return "http://" + l.Addr().String()
}

// chromium returns Debian's Chromium, installing it on first use where
// the test runs as root on Debian (as CI does), and fails the test with
// the command to run otherwise: the browser is the ground truth, so this
// test never skips.
func chromium(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Geteuid() == 0 {
		if _, err := exec.LookPath("apt-get"); err == nil {
			t.Log("chromium is not installed: installing Debian's package (apt-get install chromium), once")
			for _, args := range [][]string{{"update"}, {"install", "-y", "--no-install-recommends", "chromium"}} {
				cmd := exec.Command("apt-get", args...)
				cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("apt-get %s: %v\n%s", strings.Join(args, " "), err, out)
				}
			}
			if p, err := exec.LookPath("chromium"); err == nil {
				return p
			}
		}
	}
	t.Fatal("headless Chromium is needed: apt-get install chromium")
	return ""
}

// startChromium starts headless Chromium for the test, stopped when the
// test ends, with networking kept on 127.0.0.1.
func startChromium(t *testing.T, bin string) context.Context {
	t.Helper()
	actx, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-extensions", true),
		// Chromium's preload scanner reads the markup with a tokenizer and
		// fetches, ahead of the parser, what it guesses the page will use
		// (a guess that, for <svg><base href>, uses a base URL the document
		// never has). What it fetches runs only if the tree builder inserts
		// an element for that URL, and that element's own load is what
		// the differential test counts, so the scanner is switched off.
		chromedp.Flag("blink-settings", "doHtmlPreloadScanning=false"),
		// Nothing leaves 127.0.0.1: every other host name fails to resolve.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
	)
	t.Cleanup(cancel)
	bctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return bctx
}

// canonical writes a URL as the test compares them: lower-case scheme and
// host, path and query percent-decoded, no fragment.
func canonical(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	p, _ := url.PathUnescape(u.EscapedPath())
	q, _ := url.QueryUnescape(u.RawQuery)
	if p == "" {
		p = "/"
	}
	return strings.ToLower(u.Scheme+"://"+u.Host) + p + "?" + q
}

// TestChromiumLoadsOnlyWhatCheckPageChecked is the differential test: for
// each corpus page, every request Chromium makes for code (a script, a
// style sheet, a module preload, a frame's document) must be a URL that
// CheckPage reported and checked. The only loads a static check cannot
// name are run-time ones: code a checked subresource loads (a module's
// imports, a style sheet's @import, a frame's own subresources), whose
// Referer is that subresource, and code inline script loads, which
// CheckPage reports as inline code and rejects under Strict.
func TestChromiumLoadsOnlyWhatCheckPageChecked(t *testing.T) {
	bin := chromium(t)
	dir, err := filepath.Abs("../../testdata/pages")
	if err != nil {
		t.Fatal(err)
	}
	names, err := filepath.Glob(filepath.Join(dir, "*.html"))
	xhtml, _ := filepath.Glob(filepath.Join(dir, "*.xhtml"))
	names = append(names, xhtml...)
	if err != nil || len(names) == 0 {
		t.Fatalf("no corpus pages in %s: %v", dir, err)
	}

	srv := &corpusServer{dir: dir}
	origin := serve(t, srv)
	srv.other = serve(t, srv)

	bctx := startChromium(t, bin)

	evilLoaded, ran := map[string]bool{}, map[string]bool{}
	for _, file := range names {
		name := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(file), ".html"), ".xhtml")
		t.Run(name, func(t *testing.T) {
			pageURL := origin + "/p/" + name + "/index.html"
			ran[name] = true
			srv.take()
			tctx, cancel := chromedp.NewContext(bctx)
			tctx, cancel2 := context.WithTimeout(tctx, 20*time.Second)
			err := chromedp.Do(tctx, chromedp.Navigate(pageURL), chromedp.Sleep(700*time.Millisecond))
			cancel2()
			cancel()
			if err != nil {
				t.Fatalf("Chromium loading %s: %v", pageURL, err)
			}
			// Let late requests (frames, refreshes) arrive before the page
			// is counted.
			time.Sleep(100 * time.Millisecond)
			reqs := srv.take()

			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			res, err := verify.CheckPage(ctx, pageURL, verify.PageOptions{})
			var pe *verify.PageError
			if errors.As(err, &pe) {
				res = pe.Result
			}
			_, strictErr := verify.CheckPage(ctx, pageURL, verify.PageOptions{Strict: true})

			loaded := 0
			for _, r := range reqs {
				if codeDests[r.dest] && canonical(r.url) != canonical(pageURL) {
					loaded++
					if strings.Contains(r.url, "evil.js") {
						evilLoaded[name] = true
					}
				}
			}
			if res == nil {
				// The page was refused whole: nothing it loads was passed.
				if err == nil || strictErr == nil {
					t.Fatalf("no result and no error")
				}
				if !errors.Is(err, verify.ErrCouldNotCheck) && !errors.Is(err, verify.ErrVerification) {
					t.Fatalf("refused with %v, want a rejection or could-not-check", err)
				}
				t.Logf("refused: %v (Chromium loaded %d code resources)", err, loaded)
				return
			}
			checked := map[string]verify.Subresource{}
			inline := false
			for _, s := range res.Subresources {
				if s.URL != "" {
					checked[canonical(s.URL)] = s
				}
				if s.Kind.Inline() {
					inline = true
				}
			}
			for _, r := range reqs {
				if !codeDests[r.dest] || canonical(r.url) == canonical(pageURL) {
					continue
				}
				if _, ok := checked[canonical(r.url)]; ok {
					continue
				}
				if _, ok := checked[canonical(r.referer)]; ok && r.referer != "" {
					t.Logf("run-time load %s (%s) by checked %s", r.url, r.dest, r.referer)
					continue
				}
				if inline {
					if strictErr == nil {
						t.Errorf("Chromium loaded %s (%s) from inline code, and strict CheckPage passed the page", r.url, r.dest)
					}
					t.Logf("run-time load %s (%s) by inline code, which CheckPage reported", r.url, r.dest)
					continue
				}
				var got []string
				for u := range checked {
					got = append(got, u)
				}
				slices.Sort(got)
				t.Errorf("Chromium loaded %s (%s, referer %q) that CheckPage did not check; checked: %q", r.url, r.dest, r.referer, got)
			}
			t.Logf("Chromium loaded %d code resources; CheckPage reported %d references", loaded, len(res.Subresources))
		})
	}

	// The test proves something only if the tricks work: every page that
	// hides evil.js must make Chromium load it. A browser that loads
	// nothing (a broken harness) fails here, not silently above.
	for _, file := range names {
		name := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(file), ".html"), ".xhtml")
		if !ran[name] {
			continue // not selected by -run
		}
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "evil.js") || strings.Contains(string(b), "e\x00v\x00i\x00l") {
			if !evilLoaded[name] {
				t.Errorf("%s: Chromium did not load evil.js, so the page proves nothing; fix the page or the harness", name)
			}
		}
	}
}
