package eth

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/rpc"

	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/internal/clitest"
)

// TestDialSendsSecrets: the path, query and credentials reach the
// endpoint, though the RPC client never holds them.
func TestDialSendsSecrets(t *testing.T) {
	var got atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Store(r.URL.String() + " " + r.Header.Get("Authorization"))
		io.WriteString(w, `{"jsonrpc":"2.0","id":1,"result":"0x539"}`)
	}))
	defer srv.Close()
	raw := clitest.KeyedURL(t, srv.URL)
	c, err := Dial(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	id, err := c.ChainID(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if id.Uint64() != 1337 {
		t.Errorf("chain id %v", id)
	}
	want := "/v3/" + clitest.URLPathKey + "?apikey=" + clitest.URLQueryKey + " Basic " + base64.StdEncoding.EncodeToString([]byte(clitest.URLUser+":"+clitest.URLPassword))
	if got.Load() != want {
		t.Errorf("the endpoint got %q, want %q", got.Load(), want)
	}
}

// TestDialEndpointDown: a refused connection's error names the host only
// and still wraps ECONNREFUSED.
func TestDialEndpointDown(t *testing.T) {
	raw := clitest.KeyedURL(t, clitest.DeadURL(t))
	c, err := Dial(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.ChainID(context.Background())
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("ChainID = %v, want ECONNREFUSED", err)
	}
	var ue *url.Error
	if !errors.As(err, &ue) {
		t.Errorf("not a *url.Error: %v", err)
	}
	clitest.WantNoURLKey(t, "the error", err.Error())
	if !strings.Contains(err.Error(), "127.0.0.1") {
		t.Errorf("the error does not name the host: %v", err)
	}
}

// TestDialEndpointError: a non-2xx answer whose body repeats the URL (and
// each key on its own) is an rpc.HTTPError with the keys elided.
func TestDialEndpointError(t *testing.T) {
	var raw string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, "invalid project id "+clitest.URLPathKey+" for "+r.URL.String()+" and "+raw+" ("+url.QueryEscape(raw)+") key "+clitest.URLQueryKey)
	}))
	defer srv.Close()
	raw = clitest.KeyedURL(t, srv.URL)
	he := wantHTTPError(t, dialChainID(t, raw), http.StatusUnauthorized)
	clitest.WantNoURLKey(t, "the HTTPError's body", string(he.Body))
}

// TestDialNoRedirect: a redirect is not followed, so the credentials and
// the request go to the endpoint given and nowhere else.
func TestDialNoRedirect(t *testing.T) {
	var hits atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.WriteString(w, `{"jsonrpc":"2.0","id":1,"result":"0x539"}`)
	}))
	defer other.Close()
	for _, code := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+r.URL.String(), code)
		}))
		err := dialChainID(t, clitest.KeyedURL(t, srv.URL))
		var he rpc.HTTPError
		if !errors.As(err, &he) || he.StatusCode != code {
			t.Errorf("%d: ChainID = %v, want an rpc.HTTPError %d", code, err, code)
		}
		srv.Close()
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the redirect target got %d requests", n)
	}
}

// TestDialBadURL: a URL the client cannot use is refused with the URL
// elided from the error.
func TestDialBadURL(t *testing.T) {
	for _, raw := range []string{
		"ftp://node.example/v3/" + clitest.URLPathKey,
		"https://node.example/v3/" + clitest.URLPathKey + "\x7f",
		"node.example/v3/" + clitest.URLPathKey,
	} {
		c, err := Dial(context.Background(), raw)
		if err == nil {
			c.Close()
			t.Errorf("Dial(%q) = nil error", raw)
			continue
		}
		clitest.WantNoURLKey(t, "Dial's error", err.Error())
		t.Log(err)
	}
}

// TestEndpointsErrorNames: an online check through a dead endpoint names
// each endpoint as OnlineOptions.Names says, without the key, and is still
// could-not-check.
func TestEndpointsErrorNames(t *testing.T) {
	ctx := context.Background()
	s := newSim(t)
	_, batch, e := s.confirmedBatch(t)
	root := batch.Root()
	raw := clitest.KeyedURL(t, clitest.DeadURL(t))
	c, err := Dial(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	names := []string{"rpc #1 (sim)", "rpc #2 (" + EndpointName(raw) + ")"}
	ov, err := NewOnlineVerifier(simChainID, s.sink, []HeaderReader{s.b.Client(), c}, OnlineOptions{MinDepth: 1, Names: names, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_, err = ov.VerifyOnline(ctx, root, e)
	var ee *EndpointsError
	if !errors.As(err, &ee) || !errors.Is(err, anchor.ErrCouldNotCheck) {
		t.Fatalf("VerifyOnline = %v, want an *EndpointsError", err)
	}
	if !errors.Is(ee.Errs[1], syscall.ECONNREFUSED) {
		t.Errorf("endpoint 2's error = %v, want ECONNREFUSED", ee.Errs[1])
	}
	msg := err.Error()
	clitest.WantNoURLKey(t, "the error", msg)
	for _, n := range names {
		if !strings.Contains(msg, n+": ") {
			t.Errorf("%q not in %q", n, msg)
		}
	}
	if _, err := NewOnlineVerifier(simChainID, s.sink, []HeaderReader{c}, OnlineOptions{Names: names}); !errors.Is(err, anchor.ErrBadInput) {
		t.Errorf("two names for one endpoint: %v, want ErrBadInput", err)
	}
}

// TestDialWebsocketDown: over ws, the URL is go-ethereum's; the dial's
// error, the only one that could name it, is redacted and still wraps
// ECONNREFUSED.
func TestDialWebsocketDown(t *testing.T) {
	raw := clitest.KeyedURL(t, strings.Replace(clitest.DeadURL(t), "http://", "ws://", 1))
	c, err := Dial(context.Background(), raw)
	if err == nil {
		c.Close()
		t.Fatal("Dial to a dead ws endpoint: no error")
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("Dial = %v, want ECONNREFUSED", err)
	}
	clitest.WantNoURLKey(t, "Dial's error", err.Error())
}

// TestDialNoHost: an http(s) URL with no host (a slash missing after the
// scheme, "https:/mainnet.infura.io/v3/KEY") is refused by Dial as bad
// input, key elided; handed to go-ethereum, it made a client whose every
// call failed with `Post "https:/…/v3/KEY": http: no Host in request URL`.
func TestDialNoHost(t *testing.T) {
	for _, raw := range []string{
		"https:/node.example/v3/" + clitest.URLPathKey,
		"HTTP:/node.example/v3/" + clitest.URLPathKey,
		"http:///v3/" + clitest.URLPathKey + "?apikey=" + clitest.URLQueryKey,
		"https://" + clitest.URLUser + ":" + clitest.URLPassword + "@/v3/" + clitest.URLPathKey,
		"http:node.example/v3/" + clitest.URLPathKey,
	} {
		c, err := Dial(context.Background(), raw)
		if err == nil {
			_, err = c.ChainID(context.Background())
			c.Close()
			t.Errorf("Dial(%q) = a client; its call: %v", raw, err)
			if err != nil {
				clitest.WantNoURLKey(t, "the call's error", err.Error())
			}
			continue
		}
		if !errors.Is(err, anchor.ErrBadInput) {
			t.Errorf("Dial(%q) = %v, want ErrBadInput", raw, err)
		}
		clitest.WantNoURLKey(t, "Dial's error", err.Error())
	}
}

// TestDialStatusEchoesKey: a non-2xx answer whose status line (its reason
// phrase) repeats the key: rpc.HTTPError copies the status into its
// message, so the key is elided there too.
func TestDialStatusEchoesKey(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		io.Copy(io.Discard, r.Body)
		buf.WriteString("HTTP/1.1 401 invalid project id " + clitest.URLPathKey + "\r\nContent-Length: 2\r\nConnection: close\r\n\r\nno")
		buf.Flush()
	}))
	defer srv.Close()
	he := wantHTTPError(t, dialChainID(t, clitest.KeyedURL(t, srv.URL)), http.StatusUnauthorized)
	clitest.WantNoURLKey(t, "the HTTPError's status", he.Status)
}

// TestDialRPCErrorEchoesKey: a JSON-RPC error in a 200 answer (how
// providers refuse a call: over quota, method not allowed for this key)
// that repeats the key has it elided; go-ethereum copies the message
// into the call's error.
func TestDialRPCErrorEchoesKey(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"jsonrpc":"2.0","id":1,"error":{"code":-32005,"message":"project `+clitest.URLPathKey+` over quota","data":"apikey=`+clitest.URLQueryKey+`"}}`)
	}))
	defer srv.Close()
	err := dialChainID(t, clitest.KeyedURL(t, srv.URL))
	var re rpc.Error
	if !errors.As(err, &re) || re.ErrorCode() != -32005 {
		t.Fatalf("ChainID = %v, want the JSON-RPC error -32005", err)
	}
	if de, ok := err.(rpc.DataError); ok {
		clitest.WantNoURLKey(t, "the error's data", fmt.Sprint(de.ErrorData()))
	}
	if !strings.Contains(err.Error(), "over quota") {
		t.Errorf("the error lost its message: %v", err)
	}
}

// TestDialResultsUntouched: answers that are results reach the client as
// the endpoint sent them, whatever their size, even one repeating a key
// (only a JSON-RPC error is rewritten).
func TestDialResultsUntouched(t *testing.T) {
	for _, result := range []string{
		"0x" + strings.Repeat("ab", 100<<10),
		"0x" + strings.Repeat("cd", 1000),
		"error " + clitest.URLPathKey,
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"jsonrpc":"2.0","id":1,"result":"`+result+`"}`)
		}))
		c, err := Dial(context.Background(), clitest.KeyedURL(t, srv.URL))
		if err != nil {
			t.Fatal(err)
		}
		var got string
		if err := c.Client().CallContext(context.Background(), &got, "eth_x"); err != nil {
			t.Errorf("%d bytes: %v", len(result), err)
		} else if got != result {
			t.Errorf("%d bytes: the result changed (%d bytes)", len(result), len(got))
		}
		c.Close()
		srv.Close()
	}
}

// TestDialIPv6Zone: an endpoint at a link-local or loopback IPv6 address
// with a zone (http://[::1%25lo]:PORT/…) is dialled, as by
// ethclient.DialContext: the address reaches the network, its error a
// *net.OpError without the key. Dial used to give go-ethereum the zone
// unescaped (http://[::1%lo]:PORT/), which it refused as a bad URL.
func TestDialIPv6Zone(t *testing.T) {
	dead := clitest.DeadURL(t)
	raw := clitest.KeyedURL(t, "http://[::1%25lo]:"+dead[strings.LastIndex(dead, ":")+1:])
	c, err := Dial(context.Background(), raw)
	if err != nil {
		t.Fatalf("Dial(%q) = %v", raw, err)
	}
	defer c.Close()
	_, err = c.ChainID(context.Background())
	var oe *net.OpError
	if !errors.As(err, &oe) {
		t.Fatalf("ChainID = %v, want a *net.OpError dialling [::1%%lo]", err)
	}
	clitest.WantNoURLKey(t, "the error", err.Error())
	t.Log(err)
}

// dialChainID dials the endpoint raw and asks it for its chain ID,
// returning the call's error (nil if it answered) once it has checked
// that the error holds none of the keys clitest.KeyedURL put in raw.
func dialChainID(t *testing.T, raw string) error {
	t.Helper()
	c, err := Dial(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.ChainID(context.Background())
	if err != nil {
		clitest.WantNoURLKey(t, "the error", err.Error())
	}
	return err
}

// wantHTTPError returns the rpc.HTTPError in err, stopping the test
// unless err holds one of status code.
func wantHTTPError(t *testing.T, err error, code int) rpc.HTTPError {
	t.Helper()
	var he rpc.HTTPError
	if !errors.As(err, &he) || he.StatusCode != code {
		t.Fatalf("ChainID = %.200v, want an rpc.HTTPError %d", err, code)
	}
	return he
}

// roundTripFunc is an http.RoundTripper of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestDialTransportOnlyEndpoint: Dial's transport puts the secrets only on
// a request for the endpoint's public URL; a request for any other URL
// (another host, port, path or scheme) is not sent.
func TestDialTransportOnlyEndpoint(t *testing.T) {
	raw := clitest.KeyedURL(t, "http://127.0.0.1:8545")
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	var sent []string
	tr := newSecretURLTransport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
		sent = append(sent, r.URL.String()+" "+r.Header.Get("Authorization"))
		return &http.Response{StatusCode: 200, Status: "200 OK", Header: http.Header{}, Body: io.NopCloser(strings.NewReader("{}")), Request: r}, nil
	}), u, raw)
	if tr.public != "http://127.0.0.1:8545/" {
		t.Fatalf("the public URL is %q", tr.public)
	}
	for _, other := range []string{"http://127.0.0.2:8545/", "http://127.0.0.1:8546/", "http://127.0.0.1:8545/x", "https://127.0.0.1:8545/", "http://127.0.0.1:8545/?a=b"} {
		req, err := http.NewRequest(http.MethodPost, other, strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		if resp, err := tr.RoundTrip(req); err == nil {
			resp.Body.Close()
			t.Errorf("a request for %s was sent", other)
		} else {
			clitest.WantNoURLKey(t, "the error", err.Error())
		}
	}
	if len(sent) != 0 {
		t.Errorf("sent %q", sent)
	}
	req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:8545/", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(sent) != 1 || !strings.HasPrefix(sent[0], "http://127.0.0.1:8545/v3/"+clitest.URLPathKey+"?apikey="+clitest.URLQueryKey+" Basic ") {
		t.Errorf("the endpoint's request was sent as %q", sent)
	}
}

// TestDialEchoedAuthorization: an endpoint (or a gateway before it) whose
// error page repeats the request's headers shows the Authorization
// header Dial's transport made from the URL's user and password: base64
// of them, as good as the password. It is elided as the URL's keys are.
func TestDialEchoedAuthorization(t *testing.T) {
	for _, code := range []int{http.StatusBadRequest, http.StatusOK} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(code)
			auth := r.Header.Get("Authorization")
			if code == http.StatusOK {
				io.WriteString(w, `{"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"bad request, headers: Authorization: `+auth+`"}}`)
				return
			}
			io.WriteString(w, "bad request, headers: Authorization: "+auth)
		}))
		err := dialChainID(t, clitest.KeyedURL(t, srv.URL))
		srv.Close()
		if err == nil {
			t.Fatalf("%d: ChainID: no error", code)
		}
		cred := base64.StdEncoding.EncodeToString([]byte(clitest.URLUser + ":" + clitest.URLPassword))
		if strings.Contains(err.Error(), cred) {
			t.Errorf("%d: the error holds the basic credentials %s: %v", code, cred, err)
		}
		if !strings.Contains(err.Error(), "Authorization: Basic ") {
			t.Errorf("%d: the error lost the message around the credentials: %v", code, err)
		}
	}
}

// TestDialErrorBodyBounded: a non-2xx answer's body reaches the error
// (rpc.HTTPError.Body) cut at 64 KiB, however long the endpoint makes it.
func TestDialErrorBodyBounded(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, strings.Repeat("x", 4<<20))
	}))
	defer srv.Close()
	he := wantHTTPError(t, dialChainID(t, clitest.KeyedURL(t, srv.URL)), http.StatusServiceUnavailable)
	if len(he.Body) != 64<<10 {
		t.Errorf("the error's body is %d bytes, want 64 KiB", len(he.Body))
	}
}

// TestDialEmptyPort: a URL with an empty port (http://127.0.0.1:/…, the
// scheme's port) reaches the network as with ethclient.DialContext. Dial
// compared the client's request URL (which net/url spells without the
// colon) with its own spelling, and refused every request as not the
// endpoint's.
func TestDialEmptyPort(t *testing.T) {
	c, err := Dial(context.Background(), "http://127.0.0.1:/v3/"+clitest.URLPathKey)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = c.ChainID(ctx)
	if err != nil && strings.Contains(err.Error(), "not the RPC endpoint") {
		t.Errorf("ChainID = %v: the request was not sent", err)
	}
	if err != nil {
		clitest.WantNoURLKey(t, "the error", err.Error())
	}
}
