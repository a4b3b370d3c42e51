package loopback

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// TestLocalhostDialRule: "localhost" (any case) is dialled at 127.0.0.1
// then ::1 and never handed to the dialer as a name to resolve; other
// names and addresses pass through unchanged.
func TestLocalhostDialRule(t *testing.T) {
	var dialled []string
	dial := Localhost(func(ctx context.Context, network, addr string) (net.Conn, error) {
		dialled = append(dialled, addr)
		return nil, errors.New("refused")
	})
	for _, addr := range []string{"localhost:80", "LocalHost:80", "localhost.:80", "example.com:443", "10.0.0.1:80"} {
		if _, err := dial(t.Context(), "tcp", addr); err == nil {
			t.Errorf("%s: no error from a refusing dialer", addr)
		}
	}
	want := []string{"127.0.0.1:80", "[::1]:80", "127.0.0.1:80", "[::1]:80", "localhost.:80", "example.com:443", "10.0.0.1:80"}
	if !slices.Equal(dialled, want) {
		t.Errorf("dialled %q; want %q", dialled, want)
	}
}

// TestLocalhostNeverElsewhere: whatever the resolver would say, the name
// localhost is only ever dialled at a loopback address.
func TestLocalhostNeverElsewhere(t *testing.T) {
	dial := Localhost(func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			t.Errorf("dialled %s for localhost", addr)
		}
		return nil, errors.New("refused")
	})
	for _, addr := range []string{"localhost:80", "LOCALHOST:8080", "localhost:0"} {
		dial(t.Context(), "tcp", addr)
	}
}

// TestTransportReachesLoopback: a request to http://localhost:PORT through
// Transport reaches the server on 127.0.0.1 with its Authorization.
func TestTransportReachesLoopback(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Get("Authorization") + " " + r.Host
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://localhost:"+port+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer tok")
	resp, err := (&http.Client{Transport: Transport()}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if want := "Bearer tok localhost:" + port; got != want {
		t.Errorf("the server got %q, want %q", got, want)
	}
}

// TestTransportDialsLocalhostOnLoopback: Transport's requests to the name
// localhost, in any case, dial 127.0.0.1 and then ::1, never the name
// (which the resolver could send elsewhere); loopback addresses are
// dialled as given. TestTransportReachesLoopback cannot tell: the
// resolver sends localhost to 127.0.0.1 too.
func TestTransportDialsLocalhostOnLoopback(t *testing.T) {
	var dialled []string
	saved := dial
	dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		dialled = append(dialled, addr)
		return nil, errors.New("refused")
	}
	defer func() { dial = saved }()
	c := &http.Client{Transport: Transport()}
	for _, u := range []string{"http://localhost:9/", "http://LOCALHOST:9/", "http://127.0.0.1:9/", "http://[::1]:9/"} {
		if resp, err := c.Get(u); err == nil {
			resp.Body.Close()
			t.Errorf("%s: no error from a refusing dialer", u)
		}
	}
	want := []string{"127.0.0.1:9", "[::1]:9", "127.0.0.1:9", "[::1]:9", "127.0.0.1:9", "[::1]:9"}
	if !slices.Equal(dialled, want) {
		t.Errorf("dialled %q; want %q", dialled, want)
	}
}
