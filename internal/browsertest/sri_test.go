package browsertest

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/ats-run/selfattest/attest/release"
	"github.com/ats-run/selfattest/verify"
)

// The tiny web app the SRI test releases. The script marks the page and
// the style sheet colours the body; each change the test makes to them is
// one byte inside a value (a string literal, a colour), so the changed
// file is still valid JavaScript or CSS: if Chromium ran or applied it,
// the test would see the changed value, not nothing.
const (
	sriPage = `<!doctype html>
<html>
<head>
<meta charset="utf-8">
<title>before</title>
<link rel="stylesheet" href="assets/style.css">
</head>
<body>
<p>selfattest SRI test</p>
<script src="assets/app.js"></script>
</body>
</html>
`
	sriScript = `document.documentElement.dataset.ran = "yes";
document.title = "ran";
`
	sriStyle = `body { color: rgb(1, 2, 3); }
`
	// What Chromium logs when a subresource's bytes match no digest of
	// its integrity attribute.
	integrityFailure = "Failed to find a valid digest in the 'integrity' attribute"
)

// testPredicate is the statement's predicate; its content does not matter
// to a browser.
type testPredicate struct{}

func (testPredicate) PredicateType() string { return "https://selfattest.invalid/browsertest/v1" }
func (testPredicate) PredicateJSON() ([]byte, error) {
	return []byte(`{"purpose":"browser SRI test"}`), nil
}

// releaseServer serves a release folder on 127.0.0.1 with caching off,
// so each load fetches what is on disk now, and records the paths
// Chromium asks for.
type releaseServer struct {
	root *os.Root

	mu    sync.Mutex
	paths []string
}

func (s *releaseServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.paths = append(s.paths, r.URL.Path)
	s.mu.Unlock()
	p := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
	if p == "" {
		p = "index.html"
	}
	b, err := s.root.ReadFile(p)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	switch path.Ext(p) {
	case ".html":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
	case ".js":
		w.Header().Set("Content-Type", "text/javascript")
	case ".css":
		w.Header().Set("Content-Type", "text/css")
	default:
		w.Header().Set("Content-Type", "application/octet-stream")
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b)
}

func (s *releaseServer) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.paths
	s.paths = nil
	return p
}

// pageState is what a load of the release left in Chromium.
type pageState struct {
	ran, title, color string
	logs              []string // Log and console messages, "level: text (url)"
}

// load opens url in a new tab of bctx, waits for the page to settle, and
// returns the script's marker, the title, the body's computed colour and
// every message Chromium logged meanwhile.
func load(t *testing.T, bctx context.Context, url string) pageState {
	t.Helper()
	tctx, cancel := chromedp.NewContext(bctx)
	defer cancel()
	tctx, cancel2 := context.WithTimeout(tctx, 30*time.Second)
	defer cancel2()
	var (
		mu sync.Mutex
		st pageState
	)
	err := chromedp.Listen(tctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *log.EventEntryAdded:
			st.logs = append(st.logs, string(ev.Entry.Level)+": "+ev.Entry.Text+" ("+ev.Entry.URL+")")
		case *runtime.EventConsoleAPICalled:
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value))
			}
			st.logs = append(st.logs, "console."+string(ev.Type)+": "+strings.Join(args, " "))
		case *runtime.EventExceptionThrown:
			st.logs = append(st.logs, "exception: "+ev.ExceptionDetails.Text)
		}
	})
	if err != nil {
		t.Fatalf("listening to Chromium: %v", err)
	}
	// chromedp enables the Log domain on every tab it opens: Chromium's
	// own messages (an integrity failure among them) arrive as
	// log.EventEntryAdded.
	err = chromedp.Do(tctx,
		chromedp.Navigate(url), // returns once the page has loaded
		// Let the log entries of the load arrive.
		chromedp.Sleep(500*time.Millisecond),
	)
	if err != nil {
		t.Fatalf("Chromium loading %s: %v", url, err)
	}
	type seen struct{ Ran, Title, Color string }
	v, err := chromedp.Run(tctx, chromedp.Evaluate[seen](`({
		Ran: document.documentElement.dataset.ran || "",
		Title: document.title,
		Color: getComputedStyle(document.body).color,
	})`))
	if err != nil {
		t.Fatalf("Chromium reading %s: %v", url, err)
	}
	mu.Lock()
	defer mu.Unlock()
	st.ran, st.title, st.color = v.Ran, v.Title, v.Color
	return st
}

// flipByte replaces, in place, the first occurrence of from in file with
// to, which differs from it by one byte: same size, same name, and the
// page that names the file unchanged.
func flipByte(t *testing.T, file, from, to string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(b, []byte(from))
	if i < 0 || len(from) != len(to) {
		t.Fatalf("%s: no %q to change", file, from)
	}
	copy(b[i:], to)
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func hasLog(logs []string, text, url string) bool {
	for _, l := range logs {
		if strings.Contains(l, text) && strings.Contains(l, url) {
			return true
		}
	}
	return false
}

// TestChromiumEnforcesReleaseSRI proves that what release.Build writes is
// what a browser enforces: a tiny app (a page, a script, a style sheet)
// is released with the project's own release code and served on
// 127.0.0.1. Intact, Chromium runs the script and applies the style
// sheet. After one byte of the served script changes on the server (the
// page unchanged), Chromium fetches it, refuses to run it, and logs the
// integrity failure; then the same for the style sheet alone. Each time
// verify.CheckPage rejects the page too: what our checker refuses is what
// the browser refuses.
func TestChromiumEnforcesReleaseSRI(t *testing.T) {
	bin := chromium(t)
	ctx := context.Background()

	dist := t.TempDir()
	for name, body := range map[string]string{
		"index.html":       sriPage,
		"assets/app.js":    sriScript,
		"assets/style.css": sriStyle,
	} {
		p := filepath.Join(dist, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(t.TempDir(), "release")
	res, err := release.Build(ctx, dist, out, "1.0.0", testPredicate{}, release.Options{})
	if err != nil {
		t.Fatalf("release.Build: %v", err)
	}
	if len(res.Unrewritten) != 0 {
		t.Fatalf("release left references alone: %+v", res.Unrewritten)
	}
	files := map[string]release.ManifestFile{}
	for _, f := range res.Manifest.Files {
		files[f.Path] = f
	}
	script, style := files["assets/app.js"], files["assets/style.css"]
	if script.ContentPath == "" || style.ContentPath == "" {
		t.Fatalf("manifest lacks the script or the style sheet: %+v", res.Manifest.Files)
	}
	page, err := os.ReadFile(filepath.Join(out, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	// The harness proves something only if the page names the copies with
	// integrity attributes; otherwise Chromium has nothing to enforce.
	for _, f := range []release.ManifestFile{script, style} {
		if !bytes.Contains(page, []byte(f.ContentPath)) || !bytes.Contains(page, []byte(`integrity="`+f.Integrity+`"`)) ||
			!strings.HasPrefix(f.Integrity, "sha384-") {
			t.Fatalf("the released page does not name %s with integrity %s:\n%s", f.ContentPath, f.Integrity, page)
		}
	}
	t.Logf("released page:\n%s", page)

	r, err := os.OpenRoot(out)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	srv := &releaseServer{root: r}
	origin := serve(t, srv)
	pageURL := origin + "/index.html"
	scriptURL, styleURL := origin+"/"+script.ContentPath, origin+"/"+style.ContentPath

	bctx := startChromium(t, bin)

	checkPage := func() error {
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		_, err := verify.CheckPage(cctx, pageURL, verify.PageOptions{Strict: true})
		return err
	}
	fetched := func(t *testing.T, want string) {
		t.Helper()
		for _, p := range srv.take() {
			if p == "/"+want {
				return
			}
		}
		t.Errorf("Chromium did not fetch %s: the refusal would prove nothing", want)
	}
	const black = "rgb(0, 0, 0)"

	t.Run("intact", func(t *testing.T) {
		srv.take()
		st := load(t, bctx, pageURL)
		t.Logf("Chromium logged: %q", st.logs)
		if st.ran != "yes" || st.title != "ran" {
			t.Errorf("the intact release's script did not run: marker %q, title %q", st.ran, st.title)
		}
		if st.color != "rgb(1, 2, 3)" {
			t.Errorf("the intact release's style sheet was not applied: body colour %q", st.color)
		}
		if hasLog(st.logs, integrityFailure, "") {
			t.Errorf("Chromium reported an integrity failure on the intact release: %q", st.logs)
		}
		fetched(t, script.ContentPath)
		if err := checkPage(); err != nil {
			t.Errorf("CheckPage refused the intact release: %v", err)
		}
	})
	if t.Failed() {
		return
	}

	t.Run("script changed", func(t *testing.T) {
		flipByte(t, filepath.Join(out, filepath.FromSlash(script.ContentPath)), `"yes"`, `"yez"`)
		if got, _ := os.ReadFile(filepath.Join(out, "index.html")); !bytes.Equal(got, page) {
			t.Fatal("the page changed")
		}
		srv.take()
		st := load(t, bctx, pageURL)
		t.Logf("Chromium logged: %q", st.logs)
		if st.ran != "" || st.title != "before" {
			t.Errorf("Chromium ran the changed script: marker %q, title %q", st.ran, st.title)
		}
		if !hasLog(st.logs, integrityFailure, scriptURL) {
			t.Errorf("Chromium did not report the integrity failure of %s; logged %q", scriptURL, st.logs)
		}
		if st.color != "rgb(1, 2, 3)" {
			t.Errorf("the intact style sheet was not applied: body colour %q", st.color)
		}
		fetched(t, script.ContentPath)
		if err := checkPage(); !errors.Is(err, verify.ErrVerification) {
			t.Errorf("CheckPage on the changed script: %v, want %v", err, verify.ErrVerification)
		}
	})

	t.Run("style sheet changed", func(t *testing.T) {
		// The script back as released, so only the style sheet is refused.
		flipByte(t, filepath.Join(out, filepath.FromSlash(script.ContentPath)), `"yez"`, `"yes"`)
		flipByte(t, filepath.Join(out, filepath.FromSlash(style.ContentPath)), "rgb(1, 2, 3)", "rgb(1, 2, 4)")
		srv.take()
		st := load(t, bctx, pageURL)
		t.Logf("Chromium logged: %q", st.logs)
		if st.color != black {
			t.Errorf("Chromium applied the changed style sheet: body colour %q, want the default %q", st.color, black)
		}
		if !hasLog(st.logs, integrityFailure, styleURL) {
			t.Errorf("Chromium did not report the integrity failure of %s; logged %q", styleURL, st.logs)
		}
		if st.ran != "yes" || hasLog(st.logs, integrityFailure, scriptURL) {
			t.Errorf("the restored script did not run: marker %q, logged %q", st.ran, st.logs)
		}
		fetched(t, style.ContentPath)
		if err := checkPage(); !errors.Is(err, verify.ErrVerification) {
			t.Errorf("CheckPage on the changed style sheet: %v, want %v", err, verify.ErrVerification)
		}
	})
}
