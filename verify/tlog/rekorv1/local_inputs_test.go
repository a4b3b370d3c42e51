package rekorv1_test

import (
	"errors"
	"testing"

	"github.com/ats-run/selfattest/verify/tlog"
	"github.com/ats-run/selfattest/verify/tlog/logfetch"
	"github.com/ats-run/selfattest/verify/tlog/rekorv1"
)

// TestHTTPFetcherRefusedURL: a base URL the fetch policy refuses is the
// caller's mistake, a *tlog.PolicyError at once — not a log that could not
// be read at the first fetch.
func TestHTTPFetcherRefusedURL(t *testing.T) {
	for _, base := range []string{"http://example.com/log", "ftp://example.com/log", "https://user:pw@example.com/log"} {
		var pe *tlog.PolicyError
		if _, err := rekorv1.NewHTTPFetcher(base, logfetch.HTTPOptions{}); !errors.As(err, &pe) {
			t.Errorf("NewHTTPFetcher(%s): err = %v; want a *tlog.PolicyError", base, err)
		}
	}
	for _, base := range []string{"https://rekor.example.com", "http://127.0.0.1:1", "http://[::1]:1/"} {
		if _, err := rekorv1.NewHTTPFetcher(base, logfetch.HTTPOptions{}); err != nil {
			t.Errorf("NewHTTPFetcher(%s): %v", base, err)
		}
	}
}
