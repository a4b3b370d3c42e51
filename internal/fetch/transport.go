package fetch

import (
	"crypto/tls"
	"net"
	"net/http"
	"time"

	"github.com/ats-run/selfattest/internal/loopback"
)

// newTransport returns the Transport [Get] uses when [Options.Transport] is
// nil. It is built field by field rather than cloned from
// [http.DefaultTransport], so that nothing another package did to that global
// (a proxy, InsecureSkipVerify, a custom dialer) is inherited. It uses no
// proxy, keeps no connection alive after the call, never asks for or decodes
// a compressed body, verifies certificates against the system roots, and
// dials the name "localhost" on the loopback interface only.
func newTransport() *http.Transport {
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy: nil,
		// "localhost" (any case) is dialled as 127.0.0.1 and then ::1,
		// never resolved: the http loopback exception in [checkURL] trusts
		// that name, so it must not reach another machine through
		// /etc/hosts or DNS (package loopback's rule, shared with the other
		// clients that send a credential to localhost).
		DialContext:            loopback.Localhost(d.DialContext),
		TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    10 * time.Second,
		ExpectContinueTimeout:  1 * time.Second,
		DisableKeepAlives:      true,
		DisableCompression:     true,
		MaxResponseHeaderBytes: 1 << 20,
	}
}
