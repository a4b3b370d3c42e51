package evidence

import (
	"bytes"
	"io"
	"net/url"
	"os"
	"strings"
	"sync"

	"github.com/ats-run/selfattest/anchor/eth"
)

// The programs' output boundary. An endpoint URL may carry an API key (in
// its path, its query or its user information), and the clients that
// use it may repeat it in their errors: eth.Dial keeps it out of those
// of an http(s) endpoint, but over ws(s) go-ethereum reads the frames
// itself, so a JSON-RPC error in which the endpoint echoes its key
// reaches the error as sent. The programs therefore also pass everything
// they write on stdout and stderr (errors, progress, JSON and text
// reports) through [eth.Redact] for each such URL of the command
// line: defence in depth, whatever the transport.

// secretURLFlags are the flags that name an endpoint by a URL that may
// carry a secret. true: always redacted (RPC providers put the key in
// the path, https://mainnet.infura.io/v3/KEY); false: redacted only when
// the URL holds user information, a query or a fragment, where a
// service's credentials go (https://user:pass@kubo.example,
// ?token=...): the base path of a log or an API is shown, as the user
// must see what was asked.
var secretURLFlags = map[string]bool{
	"eth-rpc":         true,
	"kubo-api":        false,
	"pinning-service": false,
	"ipfs-gateway":    false,
	"gateway":         false,
	"rekor-url":       false,
	"rekor-tiles-url": false,
	"tlog-url":        false,
}

// SecretURLs returns the values args (a command's flags and arguments)
// gives the flags that name an endpoint by a URL that may hold a secret:
// every --eth-rpc, and the other endpoints' URLs (--kubo-api,
// --pinning-service, --ipfs-gateway, --gateway, --rekor-url,
// --rekor-tiles-url, --tlog-url) that hold user information, a query or a
// fragment. It reads flags as package flag does (-name or --name, then
// =value or the next argument) up to "--", and reads past the first
// argument that is not a flag: a value it takes needlessly is only
// redacted needlessly.
func SecretURLs(args []string) []string {
	var urls []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if len(a) < 2 || a[0] != '-' {
			continue
		}
		name := strings.TrimPrefix(a[1:], "-")
		name, v, hasValue := strings.Cut(name, "=")
		always, ok := secretURLFlags[name]
		if !ok {
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				break
			}
			i++
			v = args[i]
		}
		if v != "" && (always || holdsCredentials(v)) {
			urls = append(urls, v)
		}
	}
	return urls
}

// holdsCredentials reports whether raw has user information, a query or
// a fragment, or does not parse as a URL at all (then nothing of it is
// known to be safe).
func holdsCredentials(raw string) bool {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return true
	}
	return u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != ""
}

// RedactOutput returns stdout and stderr as a command writes them, with
// every spelling of each of urls and its long parts replaced as
// [eth.Redact] does, and flush, which writes what is still held; the
// command calls it before it returns. Without urls, it returns stdout and
// stderr themselves (and a flush doing nothing): the output is the
// writers', byte for byte.
//
// The writers hold a write's text until its line ends ('\n' or '\r'), so
// a URL split across two writes of one line (a message printed in
// parts) is still seen whole; a line longer than 64 KiB is written in
// pieces. Both share one lock: writes from several goroutines (a
// progress ticker) stay whole.
func RedactOutput(stdout, stderr io.Writer, urls []string) (o, e io.Writer, flush func()) {
	if len(urls) == 0 {
		return stdout, stderr, func() {}
	}
	mu := new(sync.Mutex)
	ro := &redactWriter{mu: mu, w: stdout, urls: urls}
	re := &redactWriter{mu: mu, w: stderr, urls: urls}
	return ro, re, func() {
		mu.Lock()
		defer mu.Unlock()
		ro.flushLocked()
		re.flushLocked()
	}
}

// maxHeld bounds the text a redactWriter holds waiting for a line's end.
const maxHeld = 64 << 10

type redactWriter struct {
	mu   *sync.Mutex
	w    io.Writer
	urls []string
	held []byte
}

// Write writes the complete lines of what was held and b, redacted, and
// holds the rest. It reports len(b) written unless the writer beneath
// fails.
func (r *redactWriter) Write(b []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.held = append(r.held, b...)
	end := bytes.LastIndexAny(r.held, "\n\r") + 1
	if end == 0 && len(r.held) > maxHeld {
		end = len(r.held)
	}
	if end == 0 {
		return len(b), nil
	}
	out := r.redact(r.held[:end])
	r.held = append(r.held[:0], r.held[end:]...)
	if _, err := io.WriteString(r.w, out); err != nil {
		return 0, err
	}
	return len(b), nil
}

func (r *redactWriter) flushLocked() {
	if len(r.held) == 0 {
		return
	}
	io.WriteString(r.w, r.redact(r.held))
	r.held = r.held[:0]
}

func (r *redactWriter) redact(b []byte) string {
	s := string(b)
	for _, u := range r.urls {
		s = eth.Redact(s, u)
	}
	return s
}

// File returns the file w writes to, through a writer of [RedactOutput]:
// a program asks it whether its output is a terminal (colour).
func File(w io.Writer) (*os.File, bool) {
	if r, ok := w.(*redactWriter); ok {
		w = r.w
	}
	f, ok := w.(*os.File)
	return f, ok
}
