package evidence

import (
	"bytes"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/ats-run/selfattest/anchor/eth"
)

func TestSecretURLs(t *testing.T) {
	const keyed = "https://node.example/v3/KEY0123456789"
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"--eth-rpc", keyed}, []string{keyed}},
		{[]string{"-eth-rpc=" + keyed, "--json"}, []string{keyed}},
		{[]string{"--eth-rpc", "ws://127.0.0.1:8546"}, []string{"ws://127.0.0.1:8546"}},
		{[]string{"--eth-rpc", "/tmp/geth.ipc", "--eth-rpc", keyed}, []string{"/tmp/geth.ipc", keyed}},
		{[]string{"--eth-rpc="}, nil},
		{[]string{"--eth-rpc"}, nil},
		// Other endpoints: only with user information, a query or a
		// fragment.
		{[]string{"--kubo-api", "http://127.0.0.1:5001", "--tlog-url", "https://log.example/tiles/"}, nil},
		{[]string{"--kubo-api", "https://u:p@kubo.example", "--ipfs-gateway=https://gw.example/?token=T"}, []string{"https://u:p@kubo.example", "https://gw.example/?token=T"}},
		{[]string{"--pinning-service", "https://pins.example/psa#k", "--gateway", "https://g.example?x", "--rekor-url", "https://u@r.example", "--rekor-tiles-url", "https://t.example?k=v"},
			[]string{"https://pins.example/psa#k", "https://g.example?x", "https://u@r.example", "https://t.example?k=v"}},
		// Not a secret-bearing flag; after "--", arguments.
		{[]string{"--journal", keyed, "--", "--eth-rpc", keyed}, nil},
	} {
		if got := SecretURLs(c.args); !slices.Equal(got, c.want) {
			t.Errorf("SecretURLs(%q) = %q, want %q", c.args, got, c.want)
		}
	}
}

// TestRedactOutput: with no URL the writers are the program's own; with
// one, a key written in two parts of one line is still elided, text
// without the URL is written byte for byte, and flush writes what is
// held.
func TestRedactOutput(t *testing.T) {
	var out, errb bytes.Buffer
	if o, e, _ := RedactOutput(&out, &errb, nil); o != io.Writer(&out) || e != io.Writer(&errb) {
		t.Fatal("RedactOutput without URLs wraps the writers")
	}
	const keyed = "wss://node.example/v3/KEY0123456789?apikey=QKEY0123456789"
	o, e, flush := RedactOutput(&out, &errb, []string{keyed})
	io.WriteString(o, "plain line, ünïcode, \"quoted\" http://127.0.0.1:5001/\n")
	io.WriteString(e, "error: refused KEY01234")
	if errb.Len() != 0 {
		t.Fatalf("a partial line was written before its end: %q", errb.String())
	}
	io.WriteString(e, "56789 and QKEY0123456789\nnext")
	io.WriteString(o, "{\"error\":\""+keyed+"\"}\n")
	flush()
	if want := "plain line, ünïcode, \"quoted\" http://127.0.0.1:5001/\n{\"error\":\"wss://node.example/…\"}\n"; out.String() != want {
		t.Errorf("stdout %q, want %q", out.String(), want)
	}
	if want := "error: refused … and …\nnext"; errb.String() != want {
		t.Errorf("stderr %q, want %q", errb.String(), want)
	}
	for _, s := range []string{out.String(), errb.String()} {
		if strings.Contains(s, "KEY0123456789") {
			t.Errorf("a key is in the output: %q", s)
		}
	}
}

// FuzzRedactOutput: however a text is cut into writes, what the writers
// write is the text redacted whole, and holds no key.
func FuzzRedactOutput(f *testing.F) {
	const keyed = "wss://u:PASSWORD99@node.example/v3/KEY0123456789?apikey=QKEY0123456789"
	f.Add("error: "+keyed+"\nnext KEY0123456789 line\r\n", uint8(9), uint8(30))
	f.Add("plain\n", uint8(0), uint8(3))
	f.Fuzz(func(t *testing.T, text string, cut1, cut2 uint8) {
		a, b := int(cut1)%(len(text)+1), int(cut2)%(len(text)+1)
		if a > b {
			a, b = b, a
		}
		var out bytes.Buffer
		o, _, flush := RedactOutput(&out, io.Discard, []string{keyed})
		for _, part := range []string{text[:a], text[a:b], text[b:]} {
			if n, err := io.WriteString(o, part); n != len(part) || err != nil {
				t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(part))
			}
		}
		flush()
		if want := eth.Redact(text, keyed); out.String() != want {
			t.Fatalf("wrote %q, want %q", out.String(), want)
		}
		for _, k := range []string{"PASSWORD99", "KEY0123456789"} {
			if strings.Contains(out.String(), k) {
				t.Fatalf("key %s in %q", k, out.String())
			}
		}
	})
}
