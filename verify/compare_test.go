package verify

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestCompareFiles(t *testing.T) {
	dir := t.TempDir()
	body := []byte("export const kms = 'v1.0.1';\n")
	flipped := bytes.Clone(body)
	flipped[7] ^= 0x20
	local := writeTemp(t, dir, "local.mjs", body)
	same := writeTemp(t, dir, "same.mjs", body)
	diff := writeTemp(t, dir, "diff.mjs", flipped)
	longer := writeTemp(t, dir, "longer.mjs", append(bytes.Clone(body), 0))
	empty := writeTemp(t, dir, "empty.mjs", nil)
	empty2 := writeTemp(t, dir, "empty2.mjs", nil)
	ctx := context.Background()

	c, err := Compare(ctx, local, same, CompareOptions{})
	if err != nil {
		t.Fatalf("identical files: %v", err)
	}
	if len(c.Rows) != 4 {
		t.Fatalf("rows = %d, want 4", len(c.Rows))
	}
	for _, r := range c.Rows {
		if !r.Match || r.Local != r.Live {
			t.Fatalf("row %+v does not match", r)
		}
	}

	tests := []struct {
		name        string
		local, live string
		want        error
		mismatched  []string
	}{
		{"flipped byte", local, diff, ErrVerification, []string{"SHA-256", "SRI", "SHA-512"}},
		{"one byte longer", local, longer, ErrVerification, []string{"SHA-256", "SRI", "SHA-512", "Size"}},
		{"empty live file", local, empty, ErrBadInput, nil},
		{"two empty files", empty, empty2, ErrBadInput, nil},
		{"missing local", dir + "/nope", same, ErrBadInput, nil},
		{"directory", dir, same, ErrBadInput, nil},
		{"ftp URL", local, "ftp://127.0.0.1/x", ErrBadInput, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Compare(ctx, tt.local, tt.live, CompareOptions{})
			if !errors.Is(err, tt.want) || c != nil {
				t.Fatalf("Compare = %v, %v; want nil, %v", c, err, tt.want)
			}
			for _, other := range []error{ErrVerification, ErrBadInput, ErrCouldNotCheck} {
				if other != tt.want && errors.Is(err, other) {
					t.Fatalf("error %v wraps %v as well as %v", err, other, tt.want)
				}
			}
			var me *MismatchError
			if errors.As(err, &me) {
				var got []string
				for _, r := range me.Comparison.Rows {
					if !r.Match {
						got = append(got, r.Name)
					}
				}
				if strings.Join(got, ",") != strings.Join(tt.mismatched, ",") {
					t.Fatalf("mismatched rows %v, want %v", got, tt.mismatched)
				}
			} else if tt.mismatched != nil {
				t.Fatalf("error %v is not a *MismatchError", err)
			}
		})
	}
}

func TestCompareURL(t *testing.T) {
	body := bytes.Repeat([]byte("kms "), 100_000) // spans several Measure blocks
	flipped := bytes.Clone(body)
	flipped[len(flipped)/2] ^= 1
	mux := http.NewServeMux()
	mux.Handle("/kms.mjs", files{"/kms.mjs": body})
	mux.Handle("/evil.mjs", files{"/evil.mjs": flipped})
	mux.Handle("/longer.mjs", files{"/longer.mjs": append(bytes.Clone(body), body...)})
	mux.HandleFunc("/empty", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/short", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.Write(body[:10])
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		w.Write(body[:10])
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	mux.HandleFunc("/to-http", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://cdn.example.com/kms.mjs", http.StatusFound)
	})
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/kms.mjs", http.StatusMovedPermanently)
	})
	srv, fo := tlsServer(t, mux)
	dir := t.TempDir()
	local := writeTemp(t, dir, "kms.mjs", body)
	ctx := context.Background()

	c, err := Compare(ctx, local, srv.URL+"/moved", CompareOptions{Fetch: fo})
	if err != nil {
		t.Fatalf("live copy: %v", err)
	}
	if c.Live.Fetch == nil || c.Live.Fetch.FinalURL != srv.URL+"/kms.mjs" || c.Live.Fetch.ETag != `"v1"` {
		t.Fatalf("fetch info = %+v", c.Live.Fetch)
	}

	small := fo
	small.MaxBytes = int64(len(body)) // bounds the local file as well: it is within
	quick := fo
	quick.Timeout = 300 * time.Millisecond
	tests := []struct {
		name string
		live string
		fo   FetchOptions
		want error
	}{
		{"one flipped byte", srv.URL + "/evil.mjs", fo, ErrVerification},
		{"404", srv.URL + "/missing", fo, ErrCouldNotCheck},
		{"0-byte response", srv.URL + "/empty", fo, ErrCouldNotCheck},
		{"body over the limit", srv.URL + "/longer.mjs", small, ErrCouldNotCheck},
		{"body shorter than Content-Length", srv.URL + "/short", fo, ErrCouldNotCheck},
		{"slow body past the time limit", srv.URL + "/slow", quick, ErrCouldNotCheck},
		{"redirect to http on a public host", srv.URL + "/to-http", fo, ErrCouldNotCheck},
		{"http to a public host", "http://cdn.example.com/kms.mjs", fo, ErrBadInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Compare(ctx, local, tt.live, CompareOptions{Fetch: tt.fo})
			if !errors.Is(err, tt.want) || c != nil {
				t.Fatalf("Compare = %v, %v; want nil, %v", c, err, tt.want)
			}
			var fe *FetchError
			if tt.want != ErrVerification && !errors.As(err, &fe) && tt.name != "0-byte response" {
				t.Fatalf("error %v carries no *FetchError", err)
			}
		})
	}
}

func TestCompareDigestsRejectsEmpty(t *testing.T) {
	_, err := CompareDigests(Artifact{Input: "a"}, Artifact{Input: "b"})
	if !errors.Is(err, ErrBadInput) {
		t.Fatalf("two zero artifacts: err = %v, want ErrBadInput", err)
	}
}
