package eth

import (
	"strings"
	"testing"
)

// TestRedact: a message naming a keyed URL, or its keys alone, keeps none
// of them; a URL with nothing secret (scheme://host[:port][/]) leaves the
// message as it is, byte for byte.
func TestRedact(t *testing.T) {
	const keyed = "wss://user0123456:pass0123456@node.example:8546/v3/pathkey0123456?apikey=querykey0123456"
	msg := "dial " + keyed + ": refused pathkey0123456, apikey=querykey0123456 (user0123456 pass0123456)"
	got := Redact(msg, keyed)
	for _, k := range []string{"pathkey0123456", "querykey0123456", "user0123456", "pass0123456"} {
		if strings.Contains(got, k) {
			t.Errorf("Redact kept %s: %s", k, got)
		}
	}
	if !strings.Contains(got, "wss://node.example:8546/…") {
		t.Errorf("Redact does not name the endpoint by its host: %s", got)
	}
	for _, raw := range []string{"http://127.0.0.1:5001", "http://127.0.0.1:5001/", "ws://127.0.0.1:8546", "https://node.example"} {
		m := "Post \"" + raw + "\": connection refused; " + raw + "/api/v0/dag/import"
		if got := Redact(m, raw); got != m {
			t.Errorf("Redact(%q, %q) = %q, want it unchanged", m, raw, got)
		}
	}
}
