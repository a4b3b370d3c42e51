package signing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/ats-run/selfattest/attest/intoto"
)

// A TokenSource gives the OIDC identity token that Fulcio certifies.
type TokenSource interface {
	// Token returns a token (a JWT) for the audience "sigstore".
	Token(ctx context.Context) (string, error)
}

// TokenFunc adapts a function to [TokenSource].
type TokenFunc func(ctx context.Context) (string, error)

// Token calls f.
func (f TokenFunc) Token(ctx context.Context) (string, error) { return f(ctx) }

// SigstoreAudience is the audience of the OIDC tokens Fulcio accepts.
const SigstoreAudience = "sigstore"

// MaxTokenResponseSize is the largest answer [GitHubActionsToken] reads.
const MaxTokenResponseSize = 64 << 10

// GitHub Actions' variables for the ambient OIDC token: they exist in a job
// with "permissions: id-token: write".
const (
	EnvTokenRequestURL   = "ACTIONS_ID_TOKEN_REQUEST_URL"
	EnvTokenRequestToken = "ACTIONS_ID_TOKEN_REQUEST_TOKEN"
)

// GitHubActions returns the [TokenSource] of a GitHub Actions job: each
// call fetches a new token with [GitHubActionsToken].
func GitHubActions(getenv func(string) string, opts ServiceOptions) TokenSource {
	return TokenFunc(func(ctx context.Context) (string, error) {
		return GitHubActionsToken(ctx, getenv, opts)
	})
}

// GitHubActionsToken fetches the ambient OIDC token of a GitHub Actions job
// for the audience "sigstore", as actions/toolkit's getIDToken does: GET
// $ACTIONS_ID_TOKEN_REQUEST_URL with the query parameter
// audience=sigstore added and the header "Authorization: bearer
// $ACTIONS_ID_TOKEN_REQUEST_TOKEN"; the answer is {"value": "<JWT>"}.
// getenv reads the environment (os.Getenv, or [FromEnviron]); nothing else
// is read.
//
// The request URL must be https, or http to a loopback address (tests): the
// request token is a credential. A missing or malformed variable is an
// [*intoto.EnvError] (wrapping [attest.ErrBadInput]); a failed request, a status other
// than 200, an answer over [MaxTokenResponseSize] or without a token is a
// [*ServiceError]. Both wrap [ErrSign]. Redirects are not followed. The
// token is not checked: Fulcio checks it.
func GitHubActionsToken(ctx context.Context, getenv func(string) string, opts ServiceOptions) (string, error) {
	if getenv == nil {
		return "", badSignInput("GitHubActionsToken: nil getenv")
	}
	rawURL, bearer := getenv(EnvTokenRequestURL), getenv(EnvTokenRequestToken)
	envErr := func(name, value, problem string) error {
		return fmt.Errorf("%w: %w", ErrSign, &intoto.EnvError{Name: name, Value: value, Problem: problem})
	}
	const hint = "missing: is this a GitHub Actions job with \"permissions: id-token: write\"?"
	if rawURL == "" {
		return "", envErr(EnvTokenRequestURL, "", hint)
	}
	if bearer == "" {
		return "", envErr(EnvTokenRequestToken, "", hint)
	}
	if strings.ContainsAny(bearer, "\r\n") {
		return "", envErr(EnvTokenRequestToken, "(not shown)", "holds a line break")
	}
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" || u.User != nil {
		return "", envErr(EnvTokenRequestURL, rawURL, "not an absolute URL")
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && isLoopbackHost(u.Hostname())) {
		return "", envErr(EnvTokenRequestURL, rawURL, "not https (the request carries a credential)")
	}
	q := u.Query()
	q.Set("audience", SigstoreAudience)
	u.RawQuery = q.Encode()

	fail := func(err error) (string, error) {
		return "", &ServiceError{Service: "oidc token", URL: u.Scheme + "://" + u.Host + u.Path, Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fail(err)
	}
	req.Header.Set("Authorization", "bearer "+bearer)
	req.Header.Set("Accept", "application/json")
	resp, err := opts.client().Do(req)
	if err != nil {
		return fail(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxTokenResponseSize+1))
	if err != nil {
		return fail(fmt.Errorf("reading the answer: %w", err))
	}
	if len(body) > MaxTokenResponseSize {
		return fail(fmt.Errorf("answer of more than %d bytes", MaxTokenResponseSize))
	}
	if resp.StatusCode != http.StatusOK {
		return fail(fmt.Errorf("status %d: %s", resp.StatusCode, excerpt(body)))
	}
	var ans struct {
		Value string `json:"value"`
	}
	if err := json.Unmarshal(body, &ans); err != nil {
		return fail(fmt.Errorf("the answer is not JSON {\"value\": …}: %w", err))
	}
	if ans.Value == "" {
		return fail(errors.New("the answer holds no token"))
	}
	if strings.Count(ans.Value, ".") != 2 || strings.ContainsAny(ans.Value, " \t\r\n") {
		return fail(errors.New("the answer's value is not a JWT"))
	}
	return ans.Value, nil
}

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
