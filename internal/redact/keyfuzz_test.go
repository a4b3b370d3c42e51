package redact

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// FuzzKeyNeverShown: a key of 8 bytes or more, put where RPC providers
// put theirs (one path segment, a query value, the user or the password),
// is in no message String returns for messages made the ways programs
// spell a URL (net/http's *url.Error with the password masked, %q, %v,
// Redacted, query-escaped) or a server repeats the key, in any of its
// spellings (as is, path- or query-escaped). The key is the fuzzer's, not
// derived by the code under test.
func FuzzKeyNeverShown(f *testing.F) {
	for _, s := range []struct {
		host, key string
		where     uint8
	}{
		{"mainnet.infura.io", "0123456789abcdef0123456789abcdef", 0},
		{"node.example:8545", "QUERYKEY0123456789abcdef", 1},
		{"node.example", "USERKEY0123456789", 2},
		{"node.example", "pass word/with?odd#chars%", 3},
		{"[::1]:8545", "a%2Fb?c d\"e\\f", 0},
		{"h", "ZZZZZZZZ", 1},
	} {
		f.Add(s.host, s.key, s.where)
	}
	f.Fuzz(func(t *testing.T, host, key string, where uint8) {
		if len(key) < minPiece {
			return
		}
		u := &url.URL{Scheme: "https", Host: host, Path: "/"}
		switch where % 4 {
		case 0:
			if strings.Contains(key, "/") {
				return // not one path segment: each segment is a piece
			}
			u.Path = "/v3/" + key
		case 1:
			u.RawQuery = url.Values{"apikey": {key}}.Encode()
		case 2:
			u.User = url.User(key)
		case 3:
			u.User = url.UserPassword("user", key)
		}
		raw := u.String()
		p, err := url.Parse(raw)
		if err != nil || URL(raw) == NotShown || p.Host != host {
			return // not an endpoint URL: nothing of it is shown
		}
		masked := *p
		if _, ok := p.User.Password(); ok {
			masked.User = url.UserPassword(p.User.Username(), "***")
		}
		msgs := []string{
			(&url.Error{Op: "Post", URL: masked.String(), Err: errors.New("refused")}).Error(),
			fmt.Sprintf("dial %q: %v", raw, p),
			"redacted " + p.Redacted() + " escaped " + url.QueryEscape(raw),
			"invalid project id " + key + " (" + url.PathEscape(key) + ", " + url.QueryEscape(key) + ")",
		}
		rd := New(raw) // one Redactor for every message, as Dial's transport keeps
		for _, m := range msgs {
			got := String(m, raw)
			if again := rd.String(m); again != got {
				t.Fatalf("a Redactor reused: %q, String: %q (raw %q, message %q)", again, got, raw, m)
			}
			for _, k := range []string{key, url.PathEscape(key), url.QueryEscape(key)} {
				// A key the message would hold anyway (part of its fixed
				// words, the host or what stands for elided parts) proves
				// nothing.
				if strings.Contains(strings.ReplaceAll(m, k, ""), k) || strings.Contains(URL(raw), k) || strings.Contains(Elided, k) {
					continue
				}
				if strings.Contains(got, k) {
					t.Fatalf("key %q (as %q) shown: String(%q, %q) = %q", key, k, m, raw, got)
				}
			}
		}
	})
}
