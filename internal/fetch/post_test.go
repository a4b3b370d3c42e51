package fetch

import (
	"bytes"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// newPostServer starts a plain-http server on 127.0.0.1 whose /echo answers
// a POST with "<method> <Content-Type> <body>", and whose /redirect?code=&to=
// redirects as asked.
func newPostServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		io.WriteString(w, r.Method+" "+r.Header.Get("Content-Type")+" "+string(b))
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		code := http.StatusTemporaryRedirect
		switch r.URL.Query().Get("code") {
		case "301":
			code = http.StatusMovedPermanently
		case "302":
			code = http.StatusFound
		case "303":
			code = http.StatusSeeOther
		case "308":
			code = http.StatusPermanentRedirect
		}
		w.Header().Set("Location", r.URL.Query().Get("to"))
		w.WriteHeader(code)
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Repeat("a", 200))
	})
	srv := httptest.NewUnstartedServer(mux)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

func TestPost(t *testing.T) {
	t.Parallel()
	srv := newPostServer(t)
	const body = `{"hash":"sha256:00"}`
	for _, tt := range []struct {
		name      string
		url       string
		redirects int
	}{
		{"direct", srv.URL + "/echo", 0},
		{"307", srv.URL + "/redirect?code=307&to=/echo", 1},
		{"308", srv.URL + "/redirect?code=308&to=" + url.QueryEscape(srv.URL+"/echo"), 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			info, err := Post(t.Context(), tt.url, "application/json", []byte(body), &buf,
				Options{Transport: guard(t, srv.Client().Transport)})
			if err != nil {
				t.Fatalf("Post: %v", err)
			}
			if want := "POST application/json " + body; buf.String() != want {
				t.Errorf("server saw %q; want %q", buf.String(), want)
			}
			if len(info.Redirects) != tt.redirects || info.FinalURL != srv.URL+"/echo" {
				t.Errorf("Redirects %v, FinalURL %s", info.Redirects, info.FinalURL)
			}
		})
	}
}

func TestPostRefused(t *testing.T) {
	t.Parallel()
	srv := newPostServer(t)
	for _, tt := range []struct {
		name        string
		url         string
		contentType string
		body        []byte
		opts        Options
		send        bool // whether a request may be sent
		want        Kind
	}{
		{name: "body over MaxPostBytes", url: srv.URL + "/echo", body: make([]byte, MaxPostBytes+1), want: KindBadOptions},
		{name: "empty Content-Type", url: srv.URL + "/echo", want: KindBadOptions},
		{name: "Content-Type with a newline", url: srv.URL + "/echo", contentType: "a\nb", want: KindBadOptions},
		{name: "plain http off loopback", url: "http://example.com/echo", want: KindBadURL},
		{name: "301", url: srv.URL + "/redirect?code=301&to=/echo", send: true, want: KindRedirect},
		{name: "302", url: srv.URL + "/redirect?code=302&to=/echo", send: true, want: KindRedirect},
		{name: "303", url: srv.URL + "/redirect?code=303&to=/echo", send: true, want: KindRedirect},
		{name: "307 to http off loopback", url: srv.URL + "/redirect?code=307&to=" + url.QueryEscape("http://example.com/echo"), send: true, want: KindRedirect},
		{name: "response over MaxBytes", url: srv.URL + "/big", send: true, opts: Options{MaxBytes: 100}, want: KindTooLarge},
		{name: "404", url: srv.URL + "/none", send: true, want: KindStatus},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ct := tt.contentType
			if ct == "" && tt.want != KindBadOptions {
				ct = "application/json"
			}
			opts := tt.opts
			opts.Transport = noTransport(t)
			if tt.send {
				opts.Transport = guard(t, srv.Client().Transport)
			}
			var buf bytes.Buffer
			_, err := Post(t.Context(), tt.url, ct, tt.body, &buf, opts)
			asError(t, err, tt.want)
			if tt.want == KindTooLarge && buf.Len() > 100 {
				t.Errorf("wrote %d bytes past the limit", buf.Len())
			}
		})
	}
}
