package redact

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strings"
	"testing"
)

func TestURL(t *testing.T) {
	for _, c := range []struct{ raw, want string }{
		{"https://mainnet.infura.io/v3/0123456789abcdef0123456789abcdef", "https://mainnet.infura.io/…"},
		{"https://eth-mainnet.g.alchemy.com/v2/AbCdEfGhIjKlMnOp", "https://eth-mainnet.g.alchemy.com/…"},
		{"https://user:pass@node.example:8545/", "https://node.example:8545/…"},
		{"https://node.example/?apikey=SECRET", "https://node.example/…"},
		{"https://node.example#frag", "https://node.example/…"},
		{"https://node.example?", "https://node.example/…"},
		{"http://127.0.0.1:8545", "http://127.0.0.1:8545/"},
		{"http://127.0.0.1:8545/", "http://127.0.0.1:8545/"},
		{"HTTPS://[::1]:8545/x", "https://[::1]:8545/…"},
		{"wss://mainnet.infura.io/ws/v3/KEY", "wss://mainnet.infura.io/…"},
		{"mainnet.infura.io/v3/KEY", NotShown},
		{"/home/me/.ethereum/geth.ipc", NotShown},
		{"https:opaque/KEY", NotShown},
		{"https://ho st/KEY", NotShown},
		{"", NotShown},
		{"https://%zz/KEY", NotShown},
	} {
		if got := URL(c.raw); got != c.want {
			t.Errorf("URL(%q) = %q, want %q", c.raw, got, c.want)
		}
	}
}

// TestWrapHTTPError is the error net/http gives for a POST to a dead
// endpoint, as go-ethereum's RPC client returns it: the key goes, the
// wrapping stays.
func TestWrapHTTPError(t *testing.T) {
	const key = "0123456789abcdef0123456789abcdef"
	for _, raw := range []string{
		"https://mainnet.infura.io/v3/" + key,
		"https://node.example/?apikey=" + key,
		"https://user:" + key + "@node.example/",
		"https://" + key + ":x@node.example/",
		"https://node.example/a%2Fb/" + key + "/x%20y",
	} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		masked := *u
		if _, ok := u.User.Password(); ok {
			masked.User = url.UserPassword(u.User.Username(), "***")
		}
		for _, msgErr := range []error{
			&url.Error{Op: "Post", URL: masked.String(), Err: fs.ErrNotExist},
			&url.Error{Op: "Post", URL: raw, Err: fs.ErrNotExist},
			fmt.Errorf("parse %q: %w / %s / %s", raw, fs.ErrNotExist, url.QueryEscape(raw), u.Redacted()),
			fmt.Errorf("server said: invalid project id %s: %w", key, fs.ErrNotExist),
		} {
			err := Wrap(fmt.Errorf("eth: %w", msgErr), raw)
			if s := err.Error(); strings.Contains(s, key) || strings.Contains(s, url.QueryEscape(key)) {
				t.Errorf("%s: the key is in %q", raw, s)
			}
			if !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s: errors.Is lost the cause: %v", raw, err)
			}
			if !strings.Contains(err.Error(), URL(raw)) && !strings.Contains(err.Error(), Elided) {
				t.Errorf("%s: neither the redacted URL nor %q in %q", raw, Elided, err.Error())
			}
		}
		var ue *url.Error
		if !errors.As(Wrap(&url.Error{Op: "Post", URL: raw, Err: fs.ErrNotExist}, raw), &ue) {
			t.Errorf("%s: errors.As lost the *url.Error", raw)
		}
	}
	if Wrap(nil, "https://x/") != nil {
		t.Error("Wrap(nil) is not nil")
	}
}

// TestShortPartsStay: a short path segment or the host are not secrets and
// a message keeps them where they stand alone.
func TestShortPartsStay(t *testing.T) {
	raw := "https://node.example/v3/0123456789abcdef"
	got := String("dial tcp node.example:443: v3 refused", raw)
	if got != "dial tcp node.example:443: v3 refused" {
		t.Errorf("String changed a message without the URL: %q", got)
	}
}

// FuzzURL: URL and String never panic, the redacted form never holds the
// URL's user information, query, fragment or a long path segment, and
// String leaves none of the whole URL's spellings in a message.
func FuzzURL(f *testing.F) {
	for _, s := range []string{
		"https://mainnet.infura.io/v3/0123456789abcdef0123456789abcdef",
		"https://u:p4ssw0rd-long@h:1/x?apikey=secretsecret#frag",
		"http://[::1]:8545", "wss://h/ws/v3/KEYKEYKEYKEY", "not a url", "https://%zz", "//h/p",
		"https://h/%2f%2fsecretsecret", "https://h/\u2026/secretsecret",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		shown := URL(raw)
		if shown != NotShown {
			u, err := url.Parse(strings.TrimSpace(raw))
			if err != nil {
				t.Fatalf("URL(%q) = %q for a URL that does not parse", raw, shown)
			}
			host := strings.ToLower(u.Scheme) + "://" + u.Host
			if !strings.HasPrefix(shown, host) || len(shown) > len(host)+len("/"+Elided) {
				t.Fatalf("URL(%q) = %q: more than scheme://host and /%s", raw, shown, Elided)
			}
		}
		const tmpl = "\x01op %q: %s\x01"
		msg := String(fmt.Sprintf(tmpl, raw, raw), raw)
		// A URL shown whole (scheme://host[:port][/]) has nothing to hide.
		hides := shown == NotShown || strings.HasSuffix(shown, Elided)
		if hides && len(raw) >= minPiece && !strings.Contains(shown, raw) && !strings.Contains(tmpl, raw) && strings.Contains(msg, raw) {
			t.Fatalf("String left %q in %q", raw, msg)
		}
		if u, err := url.Parse(strings.TrimSpace(raw)); err == nil && shown != NotShown {
			for _, p := range []string{u.RawQuery, u.EscapedPath(), u.User.String()} {
				if len(p) >= minPiece && !strings.Contains(shown, p) && !strings.Contains(tmpl, p) && strings.Contains(msg, p) {
					t.Fatalf("String left %q of %q in %q", p, raw, msg)
				}
			}
		}
	})
}

// TestQueryTokenWithoutName: a key given as a query parameter without a
// name (?network=mainnet&KEY), or in a parameter's name, is elided on
// its own too, as a value is.
func TestQueryTokenWithoutName(t *testing.T) {
	const key = "0123456789abcdef0123456789abcdef"
	for _, raw := range []string{
		"https://node.example/?network=mainnet&" + key,
		"https://node.example/?" + key + "=1&network=mainnet",
		"https://node.example/?network=mainnet;" + key,
	} {
		if got := String("unknown key "+key, raw); strings.Contains(got, key) {
			t.Errorf("%s: the key is in %q", raw, got)
		}
	}
}

// TestNothingToHide: a message naming an endpoint whose URL holds nothing
// but its scheme, host and port is left as it is (it read
// "http://127.0.0.1:8545//" for --eth-rpc http://127.0.0.1:8545).
func TestNothingToHide(t *testing.T) {
	for _, raw := range []string{"http://127.0.0.1:8545", "http://127.0.0.1:8545/", " https://node.example\n"} {
		const msg = `Post "http://127.0.0.1:8545/": refused; Post "https://node.example/": refused`
		if got := String(msg, raw); got != msg {
			t.Errorf("String(%q) = %q", raw, got)
		}
	}
}

// TestEscapeCase: a key holding a percent-escape is elided however a
// server echoing it spells the escape's hex digits (net/url keeps them as
// given; servers and proxies often upper-case them).
func TestEscapeCase(t *testing.T) {
	for _, c := range []struct{ raw, echo string }{
		{"https://node.example/v3/0123456789%2fabcdef", "0123456789%2Fabcdef"},
		{"https://node.example/v3/0123456789%2Fabcdef", "0123456789%2fabcdef"},
		{"https://node.example/?apikey=0123456789%2babcdef", "0123456789%2Babcdef"},
	} {
		if got := String("unknown key "+c.echo, c.raw); strings.Contains(got, c.echo) {
			t.Errorf("%s: %q is in %q", c.raw, c.echo, got)
		}
	}
}
