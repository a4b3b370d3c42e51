package signing_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sigstore/sigstore-go/pkg/sign"

	"github.com/ats-run/selfattest/attest"
	"github.com/ats-run/selfattest/attest/intoto"
	"github.com/ats-run/selfattest/attest/signing"
)

// TestGitHubActionsToken fetches the ambient token from an httptest
// endpoint on 127.0.0.1 speaking the ACTIONS_ID_TOKEN_REQUEST_URL protocol.
func TestGitHubActionsToken(t *testing.T) {
	jwt := testJWT(ghIssuer, ghSAN)
	handlers := map[string]http.HandlerFunc{
		"/ok": func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet || r.Header.Get("Authorization") != "bearer secret" ||
				r.URL.Query().Get("audience") != "sigstore" || r.URL.Query().Get("api-version") != "2.0" {
				http.Error(w, "bad request "+r.URL.String(), http.StatusBadRequest)
				return
			}
			json.NewEncoder(w).Encode(map[string]string{"value": jwt})
		},
		"/forbidden": func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusForbidden) },
		"/huge": func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"value":"` + strings.Repeat("a", signing.MaxTokenResponseSize) + `"}`))
		},
		"/empty":    func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"value":""}`)) },
		"/notjson":  func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`<html>`)) },
		"/notjwt":   func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"value":"abc"}`)) },
		"/redirect": func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ok", http.StatusFound) },
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h, ok := handlers[r.URL.Path]; ok {
			h(w, r)
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()

	env := func(path, token string) func(string) string {
		m := map[string]string{signing.EnvTokenRequestURL: srv.URL + path + "?api-version=2.0", signing.EnvTokenRequestToken: token}
		if path == "" {
			delete(m, signing.EnvTokenRequestURL)
		}
		return func(k string) string { return m[k] }
	}
	got, err := signing.GitHubActionsToken(context.Background(), env("/ok", "secret"), loopback(t))
	if err != nil || got != jwt {
		t.Fatalf("GitHubActionsToken = %q, %v", got, err)
	}

	for _, tc := range []struct {
		name     string
		getenv   func(string) string
		badInput bool // else a *ServiceError
	}{
		{"missing request URL", env("", "secret"), true},
		{"missing request token", env("/ok", ""), true},
		{"plain http to another host", func(k string) string {
			return map[string]string{signing.EnvTokenRequestURL: "http://token.example/x", signing.EnvTokenRequestToken: "secret"}[k]
		}, true},
		{"wrong status", env("/forbidden", "secret"), false},
		{"wrong request token", env("/ok", "other"), false},
		{"oversized body", env("/huge", "secret"), false},
		{"empty token", env("/empty", "secret"), false},
		{"not JSON", env("/notjson", "secret"), false},
		{"not a JWT", env("/notjwt", "secret"), false},
		{"redirect not followed", env("/redirect", "secret"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := signing.GitHubActionsToken(context.Background(), tc.getenv, loopback(t))
			if !errors.Is(err, signing.ErrSign) {
				t.Fatalf("got %v, want an error wrapping ErrSign", err)
			}
			var se *signing.ServiceError
			var ee *intoto.EnvError
			switch {
			case tc.badInput && (!errors.Is(err, attest.ErrBadInput) || errors.As(err, &se)):
				t.Fatalf("got %v, want bad input", err)
			case tc.badInput && strings.Contains(tc.name, "missing") && !errors.As(err, &ee):
				t.Fatalf("got %v, want an *EnvError", err)
			case !tc.badInput && (!errors.As(err, &se) || errors.Is(err, attest.ErrBadInput)):
				t.Fatalf("got %v, want a *ServiceError", err)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("the error quotes the request token: %v", err)
			}
			t.Logf("refused: %v", err)
		})
	}
}

// TestSignRefusesBadInput checks the options and keys Sign refuses before
// any service is asked.
func TestSignRefusesBadInput(t *testing.T) {
	ctx := context.Background()
	key := signingKey(t, "ecdsa")
	log := []sign.Transparency{unusedLog{t}}
	for _, tc := range []struct {
		name string
		opts signing.Options
	}{
		{"no signer", signing.Options{TransparencyLogs: log}},
		{"key and keyless", signing.Options{Key: key, Keyless: &signing.Keyless{FulcioURL: "http://127.0.0.1:1", Token: signing.TokenFunc(func(context.Context) (string, error) { return "a.b.c", nil })}, TransparencyLogs: log}},
		{"no transparency log", signing.Options{Key: key}},
		{"nil transparency log", signing.Options{Key: key, TransparencyLogs: []sign.Transparency{nil}}},
		{"keyless without Fulcio", signing.Options{Keyless: &signing.Keyless{Token: signing.TokenFunc(func(context.Context) (string, error) { return "a.b.c", nil })}, TransparencyLogs: log}},
		{"keyless without token", signing.Options{Keyless: &signing.Keyless{FulcioURL: "http://127.0.0.1:1"}, TransparencyLogs: log}},
		{"zero Key", signing.Options{Key: &signing.Key{}, TransparencyLogs: log}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := signing.Artifact(ctx, []byte("x"), tc.opts)
			if !errors.Is(err, signing.ErrSign) || !errors.Is(err, attest.ErrBadInput) {
				t.Fatalf("got %v, want ErrSign and ErrBadInput", err)
			}
		})
	}
	for _, tc := range []struct{ name, pem string }{
		{"not PEM", "hello"},
		{"RSA", string(rsaPEM(t))},
		{"P-384", string(p384PEM(t))},
		{"EC PRIVATE KEY block", strings.Replace(string(keyPEM(t, "ecdsa")), "PRIVATE KEY", "EC PRIVATE KEY", 2)},
		{"two blocks", string(keyPEM(t, "ecdsa")) + string(keyPEM(t, "ecdsa"))},
	} {
		t.Run("key/"+tc.name, func(t *testing.T) {
			_, err := signing.ParseKey([]byte(tc.pem))
			if !errors.Is(err, signing.ErrSign) || !errors.Is(err, attest.ErrBadInput) {
				t.Fatalf("got %v, want ErrSign and ErrBadInput", err)
			}
		})
	}
	if _, err := signing.NewRekor("ftp://x", 2, signing.ServiceOptions{}); !errors.Is(err, attest.ErrBadInput) {
		t.Errorf("NewRekor(ftp): %v", err)
	}
	if _, err := signing.NewRekor("https://rekor.example", 3, signing.ServiceOptions{}); !errors.Is(err, attest.ErrBadInput) {
		t.Errorf("NewRekor(v3): %v", err)
	}
}

// TestSignServiceFailure checks that a failing log is a *ServiceError.
func TestSignServiceFailure(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "log is down", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	rekor, err := signing.NewRekor(srv.URL, 2, loopback(t))
	if err != nil {
		t.Fatal(err)
	}
	_, err = signing.Artifact(context.Background(), []byte("x"), signing.Options{Key: signingKey(t, "ecdsa"), TransparencyLogs: []sign.Transparency{rekor}})
	var se *signing.ServiceError
	if !errors.As(err, &se) || se.Service != "transparency log" || se.URL != srv.URL || errors.Is(err, attest.ErrBadInput) || !errors.Is(err, signing.ErrSign) {
		t.Fatalf("got %v, want a transparency log *ServiceError", err)
	}
	t.Logf("failed: %v", err)
}
