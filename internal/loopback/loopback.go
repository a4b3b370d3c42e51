// Package loopback keeps the name "localhost" on this machine. Clients
// that send a credential (a bearer token, an OIDC token) refuse plain
// http except to a loopback host, and accept the name "localhost" as one.
// Go resolves that name like any other, through /etc/hosts and DNS,
// which a hosts entry or a resolver can point at another machine; the
// credential would then cross a network in the clear. [Localhost] wraps
// a dialer so that "localhost" is dialled as 127.0.0.1 and then ::1 and
// never resolved, and [Transport] is an HTTP transport that dials so and
// never sends a request for localhost or a loopback address through a
// proxy from the environment (which may be another machine).
package loopback

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"
)

// A DialFunc is the type of [net.Dialer.DialContext].
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// Addrs are the addresses "localhost" is dialled at, in order.
var Addrs = [...]string{"127.0.0.1", "::1"}

// Localhost wraps dial so that an address whose host is "localhost" (any
// case) is dialled as 127.0.0.1 and then ::1, never resolved; any other
// address is dial's.
func Localhost(dial DialFunc) DialFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil || !strings.EqualFold(host, "localhost") {
			return dial(ctx, network, addr)
		}
		var errs []error
		for _, ip := range Addrs {
			c, err := dial(ctx, network, net.JoinHostPort(ip, port))
			if err == nil {
				return c, nil
			}
			errs = append(errs, err)
			if ctx.Err() != nil {
				break
			}
		}
		return nil, errors.Join(errs...)
	}
}

// Transport returns a shared HTTP transport with [http.DefaultTransport]'s
// settings (a proxy from the environment, HTTP/2, the same pool and
// timeouts), built field by field rather than cloned so that nothing
// another package set there is inherited, whose dialer is wrapped by
// [Localhost] and whose proxy is never used for "localhost" in any case
// or a loopback address ([Proxy]).
func Transport() *http.Transport { return transport() }

// Proxy is [http.ProxyFromEnvironment] except that a request to the name
// "localhost" in any case, or to a loopback address, gets no proxy.
// net/http spares only "localhost" spelt in lower case and loopback
// addresses: "LOCALHOST", which the loopback rules accept, went to the
// proxy, another machine perhaps, with a plain-http request's token.
func Proxy(req *http.Request) (*url.URL, error) {
	h := req.URL.Hostname()
	if strings.EqualFold(h, "localhost") {
		return nil, nil
	}
	if a, err := netip.ParseAddr(h); err == nil && a.Unmap().IsLoopback() {
		return nil, nil
	}
	return http.ProxyFromEnvironment(req)
}

// dial is what Transport dials with beneath the [Localhost] rule: a
// variable, so that a test sees the addresses Transport dials.
var dial DialFunc = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext

var transport = sync.OnceValue(func() *http.Transport {
	return &http.Transport{
		Proxy: Proxy,
		DialContext: Localhost(func(ctx context.Context, network, addr string) (net.Conn, error) {
			return dial(ctx, network, addr)
		}),
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: 1 * time.Second,
	}
})
