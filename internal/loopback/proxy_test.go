package loopback

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
)

// childEnv names the environment variable that makes the test binary the
// child of TestTransportLocalhostNoProxy: it requests the URLs the
// variable lists through Transport and exits.
const childEnv = "SELFATTEST_LOOPBACK_PROXY_CHILD"

func TestMain(m *testing.M) {
	if urls := os.Getenv(childEnv); urls != "" {
		for _, u := range strings.Fields(urls) {
			resp, err := (&http.Client{Transport: Transport()}).Get(u)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			resp.Body.Close()
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestTransportLocalhostNoProxy: with a proxy in the environment, a request
// to localhost in any case ("LOCALHOST" included, which
// http.ProxyFromEnvironment sends to the proxy) or to a loopback address
// goes to this machine, never through the proxy: the proxy may be another
// machine, and a plain-http request's bearer token would cross the
// network in the clear. The environment is the child process's, since
// net/http reads it once per process.
func TestTransportLocalhostNoProxy(t *testing.T) {
	var proxied, served atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proxied.Add(1)
		t.Logf("the proxy got %s %s (Authorization %q)", r.Method, r.URL, r.Header.Get("Authorization"))
		io.WriteString(w, "proxied")
	}))
	defer proxy.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	urls := []string{"http://LOCALHOST:" + port + "/", "http://LocalHost:" + port + "/", "http://localhost:" + port + "/", "http://127.0.0.1:" + port + "/"}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+strings.Join(urls, " "),
		"HTTP_PROXY="+proxy.URL, "http_proxy="+proxy.URL, "NO_PROXY=", "no_proxy=", "REQUEST_METHOD=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the child: %v: %s", err, out)
	}
	if n := proxied.Load(); n != 0 {
		t.Errorf("%d of %d loopback requests went through the proxy", n, len(urls))
	}
	if n := served.Load(); n != int32(len(urls)) {
		t.Errorf("the server got %d requests, want %d", n, len(urls))
	}
}
