package signing_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/sign"

	"github.com/ats-run/selfattest/attest"
	"github.com/ats-run/selfattest/attest/signing"
)

// signWith signs "artifact" with a key, or keyless, using the one service
// at url that kind names, and returns the error.
func signWith(t *testing.T, kind, url string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	opts := signing.Options{Key: signingKey(t, "ecdsa"), WithoutTransparencyLogUnsafe: true}
	switch kind {
	case "rekor-v1", "rekor-v2":
		v := uint32(1)
		if kind == "rekor-v2" {
			v = 2
		}
		rekor, err := signing.NewRekor(url, v, loopback(t))
		if err != nil {
			t.Fatal(err)
		}
		opts.TransparencyLogs = []sign.Transparency{rekor}
	case "tsa":
		opts.TimestampAuthorities = []*sign.TimestampAuthority{signing.NewTimestampAuthority(url, loopback(t))}
	case "fulcio":
		opts.Key = nil
		opts.Keyless = &signing.Keyless{FulcioURL: url, HTTP: loopback(t),
			Token: signing.TokenFunc(func(context.Context) (string, error) { return testJWT(ghIssuer, ghSAN), nil })}
	default:
		t.Fatalf("unknown service %q", kind)
	}
	_, err := signing.Artifact(ctx, []byte("artifact"), opts)
	return err
}

var services = []string{"rekor-v1", "rekor-v2", "tsa", "fulcio"}

// checkServiceRefusal wants err to be the named service's failure.
func checkServiceRefusal(t *testing.T, err error, want string) {
	t.Helper()
	var se *signing.ServiceError
	if !errors.As(err, &se) || !errors.Is(err, signing.ErrSign) || errors.Is(err, attest.ErrBadInput) {
		t.Fatalf("got %v (%T), want a *signing.ServiceError wrapping signing.ErrSign", err, err)
	}
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v, want it to say %q", err, want)
	}
	t.Logf("refused: %v", err)
}

// TestServicesFollowNoRedirect: a service that answers with a redirect
// fails the signing, and the place it points to is never asked —
// sigstore-go's Fulcio and timestamp clients would follow it.
func TestServicesFollowNoRedirect(t *testing.T) {
	for _, kind := range services {
		t.Run(kind, func(t *testing.T) {
			var asked atomic.Int32
			target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				asked.Add(1)
				http.Error(w, "should not be asked", http.StatusTeapot)
			}))
			defer target.Close()
			redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, target.URL+r.URL.Path, http.StatusTemporaryRedirect)
			}))
			defer redirect.Close()
			checkServiceRefusal(t, signWith(t, kind, redirect.URL), "not followed")
			if n := asked.Load(); n != 0 {
				t.Fatalf("the redirect's target was asked %d times", n)
			}
		})
	}
}

// TestServicesBoundAnswers: a service whose answer has no end, or says it
// is longer than signing.MaxServiceResponseSize, fails the signing
// without its answer being read whole.
func TestServicesBoundAnswers(t *testing.T) {
	for _, kind := range services {
		for _, shape := range []string{"endless", "content-length"} {
			t.Run(kind+"/"+shape, func(t *testing.T) {
				var sent atomic.Int64
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					if shape == "content-length" {
						w.Header().Set("Content-Length", fmt.Sprint(signing.MaxServiceResponseSize+1))
					}
					w.WriteHeader(http.StatusCreated)
					chunk := []byte(`{"` + strings.Repeat("a", 32<<10) + `":`)
					for sent.Load() < 4*signing.MaxServiceResponseSize {
						n, err := w.Write(chunk)
						sent.Add(int64(n))
						if err != nil {
							return
						}
					}
				}))
				defer srv.Close()
				err := signWith(t, kind, srv.URL)
				var se *signing.ServiceError
				if !errors.As(err, &se) || !errors.Is(err, signing.ErrSign) {
					t.Fatalf("got %v (%T), want a *signing.ServiceError", err, err)
				}
				if kind == "rekor-v1" || kind == "rekor-v2" || shape == "content-length" {
					// Our bound speaks; sigstore-go's Fulcio and timestamp
					// clients stop at 1 MiB themselves and fail to parse.
					if !strings.Contains(err.Error(), "more than") {
						t.Fatalf("got %v, want the answer refused for its length", err)
					}
				}
				srv.CloseClientConnections()
				if n := sent.Load(); n >= 4*signing.MaxServiceResponseSize {
					t.Fatalf("the server sent %d bytes: the answer was read whole", n)
				}
				t.Logf("refused after the server sent %d bytes: %v", sent.Load(), err)
			})
		}
	}
}

// TestServiceErrorIsPrintable: a service's answer quoted in an error (as
// sigstore-go's Fulcio client quotes it, up to 1 MiB) reaches the message
// cut short and without the control characters a terminal would obey.
func TestServiceErrorIsPrintable(t *testing.T) {
	for _, kind := range services {
		t.Run(kind, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprintf(w, "\x1b]0;owned\x07\x1b[2J\u202etxt.exe\r\nforged line%s", strings.Repeat("a", 1<<20))
			}))
			defer srv.Close()
			err := signWith(t, kind, srv.URL)
			var se *signing.ServiceError
			if !errors.As(err, &se) {
				t.Fatalf("got %v (%T), want a *signing.ServiceError", err, err)
			}
			msg := err.Error()
			if len(msg) > 2048 {
				t.Fatalf("message of %d bytes", len(msg))
			}
			if i := strings.IndexFunc(msg, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\u202e' }); i >= 0 {
				t.Fatalf("control character %q in %q", msg[i], msg)
			}
			t.Logf("%s", msg)
		})
	}
}
