package fetch

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
)

// CheckURL applies [Get]'s URL rules to rawURL without fetching it, for a
// caller that takes a URL now and fetches it later (a log's base URL): a
// URL [Get] would refuse is refused here, as an [*Error] of kind
// [KindBadURL] ([Error.BadInput] reports true).
func CheckURL(rawURL string, insecureHTTP bool) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return &Error{Kind: KindBadURL, URL: rawURL, Err: err}
	}
	if err := checkURL(u, insecureHTTP); err != nil {
		return &Error{Kind: KindBadURL, URL: u.Redacted(), Err: err}
	}
	return nil
}

// checkURL applies the URL rules of the package documentation to u: it must
// be absolute with a host, carry no user information, and use https, or
// http when the host is loopback or insecureHTTP is set. It is used for the
// URL given to [Get] and for every redirect target.
func checkURL(u *url.URL, insecureHTTP bool) error {
	switch u.Scheme {
	case "":
		return errors.New("not an absolute URL (no scheme)")
	case "https", "http":
	default:
		return fmt.Errorf("scheme %q not allowed (only https, or http to a loopback host)", u.Scheme)
	}
	if u.Opaque != "" || u.Host == "" || u.Hostname() == "" {
		return errors.New("URL has no host")
	}
	if u.User != nil {
		return errors.New("URL has user information (user:password@); credentials are not sent by this fetcher")
	}
	if u.Scheme == "http" && !insecureHTTP && !isLoopbackHost(u.Hostname()) {
		return fmt.Errorf("plain http to non-loopback host %q (use https)", u.Hostname())
	}
	return nil
}

// isLoopbackHost reports whether host (as returned by [url.URL.Hostname])
// names the loopback interface without the help of a resolver: an IPv4
// address in 127.0.0.0/8, ::1 (also IPv4-mapped, also with a zone), or the
// name "localhost" in any case. Other names, including "*.localhost" and
// "localhost.", are not loopback: Go's resolver sends them to /etc/hosts and
// DNS like any other name.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	return a.Unmap().IsLoopback()
}
