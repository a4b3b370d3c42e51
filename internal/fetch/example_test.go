package fetch_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/ats-run/selfattest/internal/fetch"
)

// A CDN stand-in: /app.js is the artifact, /old.js redirects to it, and
// everything else is 404.
func newCDN() *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/app.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"v1"`)
		io.WriteString(w, "console.log('hello');\n")
	})
	mux.Handle("/old.js", http.RedirectHandler("/app.js", http.StatusMovedPermanently))
	return httptest.NewTLSServer(mux)
}

func ExampleGet() {
	cdn := newCDN()
	defer cdn.Close()

	h := sha256.New()
	info, err := fetch.Get(context.Background(), cdn.URL+"/old.js", h, fetch.Options{
		Transport: cdn.Client().Transport, // trusts the test server's certificate
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("status %d, %d bytes, %d redirect, ETag %s\n", info.Status, info.Received, len(info.Redirects), info.ETag)
	fmt.Printf("sha256 %x\n", h.Sum(nil))
	// Output:
	// status 200, 22 bytes, 1 redirect, ETag "v1"
	// sha256 5e39b3fff9234c7b1b3a8cb5caf35cceaa66e71abd210edfb0d5bbf51cf3874d
}

func ExampleError() {
	cdn := newCDN()
	defer cdn.Close()

	_, err := fetch.Get(context.Background(), cdn.URL+"/missing.js", io.Discard, fetch.Options{
		Transport: cdn.Client().Transport,
	})
	var fe *fetch.Error
	if errors.As(err, &fe) {
		fmt.Println(fe.Kind, fe.Status, fe.BadInput())
	}

	_, err = fetch.Get(context.Background(), "http://cdn.example.com/app.js", io.Discard, fetch.Options{})
	if errors.As(err, &fe) {
		fmt.Println(fe.Kind, fe.BadInput())
	}
	// Output:
	// status 404 false
	// bad-url true
}
