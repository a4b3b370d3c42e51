package verify

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestFetch(t *testing.T) {
	body := []byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/bundle.json":
			w.Write(body)
		case "/redirect-public":
			http.Redirect(w, r, "http://example.com/bundle.json", http.StatusFound)
		case "/slow":
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	ctx := context.Background()

	var buf bytes.Buffer
	info, err := Fetch(ctx, srv.URL+"/bundle.json", &buf, FetchOptions{})
	if err != nil || !bytes.Equal(buf.Bytes(), []byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}`)) || info.Status != http.StatusOK {
		t.Fatalf("Fetch = %v, %q, status %d", err, buf.Bytes(), info.Status)
	}

	for _, tt := range []struct {
		name string
		url  string
		opts FetchOptions
		want error
	}{
		{"404", srv.URL + "/missing.json", FetchOptions{}, ErrCouldNotCheck},
		{"over MaxBytes", srv.URL + "/bundle.json", FetchOptions{MaxBytes: int64(len(body) - 1)}, ErrCouldNotCheck},
		{"time limit", srv.URL + "/slow", FetchOptions{Timeout: 200 * time.Millisecond}, ErrCouldNotCheck},
		{"plain http to a public host", "http://example.com/bundle.json", FetchOptions{}, ErrBadInput},
		{"ftp", "ftp://127.0.0.1/bundle.json", FetchOptions{}, ErrBadInput},
		{"redirect to plain http on a public host", srv.URL + "/redirect-public", FetchOptions{}, ErrCouldNotCheck},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Fetch(ctx, tt.url, &bytes.Buffer{}, tt.opts)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			for _, other := range []error{ErrVerification, ErrBadInput, ErrCouldNotCheck} {
				if other != tt.want && errors.Is(err, other) {
					t.Fatalf("err = %v is also %v", err, other)
				}
			}
		})
	}
}
