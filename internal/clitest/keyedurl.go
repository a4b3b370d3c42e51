package clitest

import (
	"net/url"
	"strings"
	"testing"
)

// The keys [KeyedURL] puts in a URL, where RPC providers put theirs: in
// the path (https://mainnet.infura.io/v3/KEY), the query (?apikey=KEY)
// and the user information (https://user:password@host/).
const (
	URLPathKey  = "PATHKEY0123456789abcdef"
	URLQueryKey = "QUERYKEY0123456789abcdef"
	URLUser     = "USERKEY0123456789abcdef"
	URLPassword = "PASSKEY0123456789abcdef"
)

// KeyedURL returns base (http://127.0.0.1:PORT) with every key: user
// URLUser, password URLPassword, path /v3/URLPathKey and query
// apikey=URLQueryKey.
func KeyedURL(t testing.TB, base string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(URLUser, URLPassword)
	u.Path = "/v3/" + URLPathKey
	u.RawQuery = "apikey=" + URLQueryKey
	return u.String()
}

// WantNoURLKey fails the test for each key of [KeyedURL] that s holds;
// what names s in the message.
func WantNoURLKey(t testing.TB, what, s string) {
	t.Helper()
	for _, k := range []string{URLPathKey, URLQueryKey, URLUser, URLPassword} {
		if strings.Contains(s, k) {
			t.Errorf("%s holds the key %s: %s", what, k, s)
		}
	}
}
