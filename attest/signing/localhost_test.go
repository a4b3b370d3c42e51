package signing

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ats-run/selfattest/internal/loopback"
)

// TestTokenLocalhostOnLoopback: with no Transport, the services' requests
// (the OIDC token request among them) go through the transport that dials
// "localhost" on loopback addresses only (its dial rule is tested in
// internal/loopback), and the request token reaches a server on 127.0.0.1
// named http://localhost:PORT.
func TestTokenLocalhostOnLoopback(t *testing.T) {
	bt, ok := ServiceOptions{}.transport().(boundedTransport)
	if !ok || bt.base != http.RoundTripper(loopback.Transport()) {
		t.Fatalf("the default transport is %#v, want loopback.Transport() beneath the bounds", ServiceOptions{}.transport())
	}
	const jwt = "aaaa.bbbb.cccc"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "bearer secret" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"value": jwt})
	}))
	defer srv.Close()
	env := map[string]string{EnvTokenRequestURL: strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) + "/tok", EnvTokenRequestToken: "secret"}
	got, err := GitHubActionsToken(context.Background(), func(k string) string { return env[k] }, ServiceOptions{})
	if err != nil || got != jwt {
		t.Fatalf("GitHubActionsToken through http://localhost = %q, %v", got, err)
	}
}

// TestTokenNoRedirect: a redirect to another host, or from https to
// plain http, is not followed: the request token goes nowhere else.
func TestTokenNoRedirect(t *testing.T) {
	var hits atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		json.NewEncoder(w).Encode(map[string]string{"value": "aaaa.bbbb.cccc"})
	}))
	defer elsewhere.Close()
	for _, code := range []int{http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		for _, newServer := range []func(http.Handler) *httptest.Server{httptest.NewServer, httptest.NewTLSServer} {
			srv := newServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, elsewhere.URL+"/tok", code)
			}))
			env := map[string]string{EnvTokenRequestURL: srv.URL + "/tok", EnvTokenRequestToken: "secret"}
			_, err := GitHubActionsToken(context.Background(), func(k string) string { return env[k] }, ServiceOptions{Transport: srv.Client().Transport})
			if err == nil {
				t.Errorf("%s redirected (%d): no error", srv.URL, code)
			}
			srv.Close()
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the redirect target got %d requests", n)
	}
}
