package fetch

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestSlowChunkedBodyTimesOut is a regression test: net/http sometimes
// ends a chunked HTTP/1.1 body cut off by the deadline with a plain
// io.EOF, and Get once took those first bytes for the whole body (about
// one run in five). Several rounds make the race show.
func TestSlowChunkedBodyTimesOut(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("0123456789"))
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer srv.Close()
	for i := range 12 {
		info, err := Get(context.Background(), srv.URL+"/slow", io.Discard,
			Options{Timeout: 100 * time.Millisecond, Transport: guard(t, srv.Client().Transport)})
		var e *Error
		if !errors.As(err, &e) || e.Kind != KindTimeout {
			t.Fatalf("round %d: err = %v (info %+v), want a KindTimeout error", i, err, info)
		}
	}
}
