package signing

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	intotov1 "github.com/in-toto/attestation/go/v1"
	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/sign"

	"github.com/ats-run/selfattest/attest"

	"github.com/ats-run/selfattest"
	"github.com/ats-run/selfattest/attest/intoto"
	"github.com/ats-run/selfattest/internal/fetch"
	"github.com/ats-run/selfattest/internal/loopback"
)

// InTotoPayloadType is the DSSE payload type of a signed statement.
const InTotoPayloadType = "application/vnd.in-toto+json"

// BundleMediaType is the media type of every bundle [Statement] and
// [Artifact] return: a Sigstore bundle v0.3.
const BundleMediaType = "application/vnd.dev.sigstore.bundle.v0.3+json"

// ErrSign is wrapped by every error of the signing functions
// ([Statement], [Artifact], [GitHubActionsToken], [SelectServices],
// [ParseKey], [NewKey]). An error that also wraps
// [attest.ErrBadInput] came from the caller's input (a key, a token variable,
// options) and retrying will not help; a [*ServiceError] is a service that
// failed or refused (Fulcio, a transparency log, a timestamp authority, the
// token endpoint).
var ErrSign = selfattest.Beneath(selfattest.ErrCouldNotCheck, "signing: failed")

// ServiceError reports a service that failed or refused while signing.
// It wraps [ErrSign] and the cause.
type ServiceError struct {
	// Service is "fulcio", "transparency log", "timestamp authority" or
	// "oidc token".
	Service string
	// URL is the service's address, when known.
	URL string
	// Err is the cause as the client reported it.
	Err error
}

func (e *ServiceError) Error() string {
	s := "attest: signing: " + e.Service
	if e.URL != "" {
		s += " " + e.URL
	}
	return s + ": " + printable(e.Err.Error(), maxCauseLength)
}

// maxCauseLength bounds the cause in a ServiceError's message: clients
// quote a service's answer in their errors (sigstore-go's Fulcio client
// quotes up to 1 MiB of it), and that answer is the service's to choose.
const maxCauseLength = 1024

// printable is s cut to at most max bytes (on a rune boundary, "…" added)
// with control characters — escape sequences a terminal would obey among
// them — and invalid UTF-8 replaced.
func printable(s string, max int) string {
	s = strings.ToValidUTF8(s, "\ufffd")
	cut := len(s) > max
	if cut {
		s = s[:max]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Bidi_Control, r) {
			return ' '
		}
		return r
	}, s)
	if cut {
		s += "…"
	}
	return s
}

// Unwrap returns [ErrSign] and the cause.
func (e *ServiceError) Unwrap() []error { return []error{ErrSign, e.Err} }

func badSignInput(format string, args ...any) error {
	return fmt.Errorf("%w: %w: "+format, append([]any{ErrSign, attest.ErrBadInput}, args...)...)
}

// Options say who signs and where the signature is recorded. Exactly
// one of Key and Keyless must be set: there is no default signer. At least
// one transparency log is required unless WithoutTransparencyLogUnsafe is
// set.
type Options struct {
	// Key signs with a long-lived key; the bundle carries the key's hint
	// (base64 of SHA-256 of its SPKI DER), and a verifier names the public
	// key (Policy.Key in package verify/sigstore).
	Key *Key
	// Keyless signs with a new ECDSA P-256 key made for this one
	// signature, certified by Fulcio for the identity of an OIDC token;
	// the bundle carries the certificate.
	Keyless *Keyless

	// TransparencyLogs record the signature, each adding one entry to the
	// bundle, in order: any sign.Transparency — [NewRekor] (Rekor v1 or
	// v2), sign.NewRekor, or a local log such as the one of module
	// github.com/ats-run/selfattest/anchor/tlog.
	TransparencyLogs []sign.Transparency
	// TimestampAuthorities are asked, in order, for an RFC 3161 timestamp
	// of the signature ([NewTimestampAuthority]). A Rekor v2 entry carries
	// no time of its own: a bundle logged only to Rekor v2 (or a local
	// log) needs one for a verifier that demands a trusted time, as
	// package verify/sigstore's does.
	TimestampAuthorities []*sign.TimestampAuthority

	// WithoutTransparencyLogUnsafe allows a bundle with no log entry.
	// Nothing then makes the signature public, and package verify/sigstore rejects
	// such a bundle.
	WithoutTransparencyLogUnsafe bool
}

// Keyless says how to get a signing certificate from Fulcio.
type Keyless struct {
	// FulcioURL is the Fulcio base URL, e.g. "https://fulcio.sigstore.dev"
	// (the v2 API, POST /api/v2/signingCert, is used).
	FulcioURL string
	// Token gives the OIDC identity token Fulcio certifies, e.g.
	// [GitHubActions].
	Token TokenSource
	// HTTP tunes the connection to Fulcio.
	HTTP ServiceOptions
}

// Statement signs an in-toto statement: the bundle's content is a DSSE
// envelope whose payload is [intoto.MarshalStatement] of st and whose payload type
// is [InTotoPayloadType]. See [Options] for who signs and where it is
// logged. It returns a Sigstore bundle v0.3 ([BundleMediaType]); marshal
// it with its MarshalJSON method.
func Statement(ctx context.Context, st *intotov1.Statement, opts Options) (*bundle.Bundle, error) {
	payload, err := intoto.MarshalStatement(st)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSign, err)
	}
	return signContent(ctx, &sign.DSSEData{Data: payload, PayloadType: InTotoPayloadType}, opts)
}

// Artifact signs the bytes of an artifact: the bundle's content is a
// message signature over data, with its digest (SHA-256 for an ECDSA P-256
// key, SHA-512 for Ed25519). See [Statement].
func Artifact(ctx context.Context, data []byte, opts Options) (*bundle.Bundle, error) {
	return signContent(ctx, &sign.PlainData{Data: data}, opts)
}

func signContent(ctx context.Context, content sign.Content, opts Options) (*bundle.Bundle, error) {
	if ctx == nil {
		return nil, badSignInput("nil context")
	}
	if (opts.Key == nil) == (opts.Keyless == nil) {
		return nil, badSignInput("Options needs exactly one of Key and Keyless")
	}
	if len(opts.TransparencyLogs) == 0 && !opts.WithoutTransparencyLogUnsafe {
		return nil, badSignInput("no transparency log (set Options.WithoutTransparencyLogUnsafe to sign without one)")
	}
	for i, t := range opts.TransparencyLogs {
		if t == nil || isNilInterface(t) {
			return nil, badSignInput("transparency log %d is nil", i)
		}
	}
	for i, t := range opts.TimestampAuthorities {
		if t == nil {
			return nil, badSignInput("timestamp authority %d is nil", i)
		}
	}
	bo := sign.BundleOptions{Context: ctx}
	for _, t := range opts.TransparencyLogs {
		bo.TransparencyLogs = append(bo.TransparencyLogs, taggedLog{t})
	}
	bo.TimestampAuthorities = opts.TimestampAuthorities

	var kp sign.Keypair
	if opts.Key != nil {
		if opts.Key.signer == nil {
			return nil, badSignInput("Key not made by ParseKey or NewKey")
		}
		kp = taggedKey{opts.Key}
	} else {
		k := opts.Keyless
		if k.FulcioURL == "" {
			return nil, badSignInput("Keyless.FulcioURL is empty")
		}
		if err := fetch.CheckURL(k.FulcioURL, false); err != nil {
			return nil, badSignInput("Keyless.FulcioURL: %w", err)
		}
		if k.Token == nil || isNilInterface(k.Token) {
			return nil, badSignInput("Keyless.Token is nil")
		}
		eph, err := sign.NewEphemeralKeypair(nil) // ECDSA P-256, SHA-256
		if err != nil {
			return nil, fmt.Errorf("%w: ephemeral key: %w", ErrSign, err)
		}
		kp = taggedKey{eph}
		token, err := k.Token.Token(ctx)
		if err != nil {
			if errors.Is(err, ErrSign) {
				return nil, err
			}
			return nil, &ServiceError{Service: "oidc token", Err: err}
		}
		if token == "" {
			return nil, &ServiceError{Service: "oidc token", Err: errors.New("empty token")}
		}
		bo.CertificateProvider = taggedFulcio{
			url:    k.FulcioURL,
			fulcio: sign.NewFulcio(&sign.FulcioOptions{BaseURL: k.FulcioURL, Timeout: k.HTTP.timeout(), Transport: k.HTTP.transport()}),
		}
		bo.CertificateProviderOptions = &sign.CertificateProviderOptions{IDToken: token}
	}

	// sigstore-go's timestamp authority client sends its requests without
	// ctx: wait for the signing only as long as ctx lasts. An abandoned
	// call ends by itself within its services' time limits
	// (ServiceOptions.Timeout).
	type signed struct {
		pb  *protobundle.Bundle
		err error
	}
	done := make(chan signed, 1)
	go func() {
		pb, err := sign.Bundle(content, kp, bo)
		done <- signed{pb, err}
	}()
	var pb *protobundle.Bundle
	var err error
	select {
	case r := <-done:
		pb, err = r.pb, r.err
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %w", ErrSign, context.Cause(ctx))
	}
	if err != nil {
		var se *ServiceError
		var ke *keyError
		switch {
		case errors.As(err, &se):
			return nil, se
		case errors.As(err, &ke):
			return nil, fmt.Errorf("%w: %w", ErrSign, ke.err)
		case ctx.Err() != nil:
			return nil, fmt.Errorf("%w: %w", ErrSign, context.Cause(ctx))
		}
		// sign.Bundle calls, in order: the key, Fulcio, the timestamp
		// authorities, the logs. The key, Fulcio and the logs are wrapped
		// to mark their errors, so what is left came from a timestamp
		// authority.
		return nil, &ServiceError{Service: "timestamp authority", Err: err}
	}
	if pb.GetMediaType() != BundleMediaType {
		panic("attest: sigstore-go made a bundle of media type " + pb.GetMediaType()) // broken invariant
	}
	b, err := bundle.NewBundle(pb)
	if err != nil {
		// The services' answers made a bundle that does not parse (an
		// entry without its proof, say).
		return nil, &ServiceError{Service: "transparency log", Err: fmt.Errorf("the bundle made does not parse: %w", err)}
	}
	return b, nil
}

// keyError marks an error of the signing key inside sign.Bundle.
type keyError struct{ err error }

func (e *keyError) Error() string { return "signing key: " + e.err.Error() }

// taggedKey marks the key's signing errors.
type taggedKey struct{ sign.Keypair }

func (k taggedKey) SignData(ctx context.Context, data []byte) ([]byte, []byte, error) {
	sig, digest, err := k.Keypair.SignData(ctx, data)
	if err != nil {
		return nil, nil, &keyError{err}
	}
	return sig, digest, nil
}

// taggedLog marks a transparency log's errors.
type taggedLog struct{ t sign.Transparency }

func (l taggedLog) GetTransparencyLogEntry(ctx context.Context, keyOrCertPEM []byte, b *protobundle.Bundle) error {
	n := len(b.GetVerificationMaterial().GetTlogEntries())
	if err := l.t.GetTransparencyLogEntry(ctx, keyOrCertPEM, b); err != nil {
		var se *ServiceError
		if errors.As(err, &se) {
			return se
		}
		return &ServiceError{Service: "transparency log", URL: serviceURL(l.t), Err: err}
	}
	if got := len(b.GetVerificationMaterial().GetTlogEntries()); got != n+1 {
		return &ServiceError{Service: "transparency log", URL: serviceURL(l.t), Err: fmt.Errorf("added %d entries to the bundle, want 1", got-n)}
	}
	return nil
}

// taggedFulcio marks Fulcio's errors.
type taggedFulcio struct {
	url    string
	fulcio *sign.Fulcio
}

func (f taggedFulcio) GetCertificate(ctx context.Context, kp sign.Keypair, opts *sign.CertificateProviderOptions) ([]byte, error) {
	der, err := f.fulcio.GetCertificate(ctx, kp, opts)
	if err != nil {
		var ke *keyError
		if errors.As(err, &ke) {
			return nil, err
		}
		return nil, &ServiceError{Service: "fulcio", URL: f.url, Err: err}
	}
	return der, nil
}

func serviceURL(t sign.Transparency) string {
	if u, ok := t.(interface{ URL() string }); ok {
		return u.URL()
	}
	return ""
}

// A Key is a long-lived key that signs bundles: ECDSA P-256 (with
// SHA-256) or Ed25519. Ed25519 signs in its pre-hashed variant,
// Ed25519ph over SHA-512 (PKIX_ED25519_PH), because Rekor v2 records
// every signature as a hashedrekord entry over a digest and refuses pure
// Ed25519. It implements sigstore-go's sign.Keypair.
type Key struct {
	signer crypto.Signer
	pub    crypto.PublicKey
	spki   []byte
	alg    protocommon.PublicKeyDetails
	hash   protocommon.HashAlgorithm
}

// ParseKey reads an unencrypted PKCS#8 private key in PEM ("-----BEGIN
// PRIVATE KEY-----", as `openssl genpkey` writes): ECDSA P-256 or Ed25519.
// Anything else — another block type, another curve, RSA, more than one
// block — is refused with an error wrapping [attest.ErrBadInput]; the error never
// quotes the key.
func ParseKey(pemBytes []byte) (*Key, error) {
	block, rest := pem.Decode(pemBytes)
	if block == nil {
		return nil, badSignInput("signing key: no PEM block")
	}
	if p, _ := pem.Decode(rest); p != nil {
		return nil, badSignInput("signing key: more than one PEM block")
	}
	if block.Type != "PRIVATE KEY" {
		return nil, badSignInput("signing key: PEM block %q, want \"PRIVATE KEY\" (PKCS#8)", block.Type)
	}
	if len(block.Headers) != 0 {
		return nil, badSignInput("signing key: PEM headers (an encrypted key?) are not supported")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, badSignInput("signing key: not a PKCS#8 private key")
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, badSignInput("signing key: %T cannot sign", k)
	}
	return NewKey(s)
}

// NewKey wraps a signer whose public key is ECDSA P-256 or Ed25519
// (an *ecdsa.PrivateKey, an ed25519.PrivateKey, or a key held elsewhere
// behind crypto.Signer; an Ed25519 signer must accept
// &ed25519.Options{Hash: crypto.SHA512}). Other keys wrap [attest.ErrBadInput].
func NewKey(s crypto.Signer) (*Key, error) {
	if s == nil || isNilInterface(s) {
		return nil, badSignInput("signing key: nil signer")
	}
	pub := s.Public()
	k := &Key{signer: s, pub: pub}
	switch p := pub.(type) {
	case *ecdsa.PublicKey:
		if p.Curve != elliptic.P256() {
			return nil, badSignInput("signing key: ECDSA curve %s, want P-256", p.Curve.Params().Name)
		}
		k.alg, k.hash = protocommon.PublicKeyDetails_PKIX_ECDSA_P256_SHA_256, protocommon.HashAlgorithm_SHA2_256
	case ed25519.PublicKey:
		if len(p) != ed25519.PublicKeySize {
			return nil, badSignInput("signing key: Ed25519 public key of %d bytes", len(p))
		}
		k.alg, k.hash = protocommon.PublicKeyDetails_PKIX_ED25519_PH, protocommon.HashAlgorithm_SHA2_512
	default:
		return nil, badSignInput("signing key: %T, want ECDSA P-256 or Ed25519", pub)
	}
	spki, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, badSignInput("signing key: %w", err)
	}
	k.spki = spki
	return k, nil
}

// Public returns the public key, what a verifier names
// (Policy.Key in package verify/sigstore).
func (k *Key) Public() crypto.PublicKey { return k.pub }

// GetHashAlgorithm returns the digest the key signs: SHA-256 for ECDSA
// P-256, SHA-512 for Ed25519ph. (sign.Keypair)
func (k *Key) GetHashAlgorithm() protocommon.HashAlgorithm { return k.hash }

// GetSigningAlgorithm returns PKIX_ECDSA_P256_SHA_256 or
// PKIX_ED25519_PH. (sign.Keypair)
func (k *Key) GetSigningAlgorithm() protocommon.PublicKeyDetails { return k.alg }

// GetHint returns base64 of the SHA-256 of the key's SPKI DER, as
// sigstore-go's own key pairs do. (sign.Keypair)
func (k *Key) GetHint() []byte {
	h := sha256.Sum256(k.spki)
	return []byte(base64.StdEncoding.EncodeToString(h[:]))
}

// GetKeyAlgorithm returns "ECDSA" or "ED25519". (sign.Keypair)
func (k *Key) GetKeyAlgorithm() string {
	if k.alg == protocommon.PublicKeyDetails_PKIX_ED25519_PH {
		return "ED25519"
	}
	return "ECDSA"
}

// GetPublicKey returns the public key. (sign.Keypair)
func (k *Key) GetPublicKey() crypto.PublicKey { return k.pub }

// GetPublicKeyPem returns the public key as a PEM "PUBLIC KEY" block.
// (sign.Keypair)
func (k *Key) GetPublicKeyPem() (string, error) {
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: k.spki})), nil
}

// SignData hashes data (SHA-256 or SHA-512) and signs the digest; it
// returns the signature and the digest. (sign.Keypair)
func (k *Key) SignData(_ context.Context, data []byte) ([]byte, []byte, error) {
	var digest []byte
	var opts crypto.SignerOpts
	if k.alg == protocommon.PublicKeyDetails_PKIX_ED25519_PH {
		d := sha512.Sum512(data)
		digest, opts = d[:], &ed25519.Options{Hash: crypto.SHA512}
	} else {
		d := sha256.Sum256(data)
		digest, opts = d[:], crypto.SHA256
	}
	sig, err := k.signer.Sign(rand.Reader, digest, opts)
	if err != nil {
		return nil, nil, err
	}
	return sig, digest, nil
}

// ServiceOptions tune the HTTP client of a service. The zero value uses
// http.DefaultTransport's settings (see Transport) and a 30-second
// timeout per request.
//
// Whatever the transport, a service's answers are bounded: a body longer
// than [MaxServiceResponseSize] fails the request, and a redirect is never
// followed (the answer is an error naming where it pointed) — for
// sigstore-go's Fulcio and timestamp clients as for ours.
type ServiceOptions struct {
	// Transport carries the requests; nil means a transport with
	// http.DefaultTransport's settings (a proxy from the environment, as
	// other Sigstore clients do) that dials the name "localhost" at
	// 127.0.0.1 or ::1 only, never through the resolver: a plain-http
	// localhost service is trusted with tokens, so no hosts entry or
	// resolver may point it at another machine. A Transport given is used
	// as is. Tests use it to keep every request on the machine.
	Transport http.RoundTripper
	// Timeout bounds each request; 0 means 30 seconds.
	Timeout time.Duration
}

// MaxServiceResponseSize is the longest answer any signing service may
// give: Rekor's entries, Fulcio's certificate chains and RFC 3161
// responses are a few KiB.
const MaxServiceResponseSize = MaxRekorResponseSize

func (o ServiceOptions) timeout() time.Duration {
	if o.Timeout <= 0 {
		return 30 * time.Second
	}
	return o.Timeout
}

// transport is o.Transport (or loopback.Transport) with every answer
// bounded.
func (o ServiceOptions) transport() http.RoundTripper {
	t := o.Transport
	if t == nil {
		t = loopback.Transport()
	}
	return boundedTransport{t}
}

// client returns an HTTP client that follows no redirect.
func (o ServiceOptions) client() *http.Client {
	return &http.Client{
		Transport: o.transport(),
		Timeout:   o.timeout(),
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// boundedTransport refuses redirects and bounds response bodies, below
// clients that would follow the one and read the other whole (rekor's
// generated v1 client reads its answers with no limit; sigstore-go's
// Fulcio and timestamp clients follow redirects, to any scheme).
type boundedTransport struct{ base http.RoundTripper }

func (b boundedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := b.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		resp.Body.Close()
		return nil, fmt.Errorf("%s answered a redirect (%d) to %q: not followed", req.URL.Redacted(), resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp.ContentLength > MaxServiceResponseSize {
		resp.Body.Close()
		return nil, fmt.Errorf("%s answered %d bytes, more than %d", req.URL.Redacted(), resp.ContentLength, MaxServiceResponseSize)
	}
	resp.Body = &boundedBody{rc: resp.Body, left: MaxServiceResponseSize}
	return resp, nil
}

// errAnswerTooLong ends the read of an answer past MaxServiceResponseSize.
var errAnswerTooLong = fmt.Errorf("answer of more than %d bytes", MaxServiceResponseSize)

type boundedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *boundedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more tells a body of exactly the limit from a longer one.
		var one [1]byte
		n, err := b.rc.Read(one[:])
		if n > 0 {
			return 0, errAnswerTooLong
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *boundedBody) Close() error { return b.rc.Close() }

// NewTimestampAuthority returns the RFC 3161 timestamp authority at url
// (the whole URL, e.g. "https://timestamp.sigstore.dev/api/v1/timestamp"),
// for [Options].TimestampAuthorities. It is sigstore-go's client; its
// answer is parsed but not verified here (package verify/sigstore does that).
func NewTimestampAuthority(url string, opts ServiceOptions) *sign.TimestampAuthority {
	return sign.NewTimestampAuthority(&sign.TimestampAuthorityOptions{URL: url, Timeout: opts.timeout(), Transport: opts.transport()})
}

// isNilInterface reports whether x holds a nil pointer, func, map, slice
// or channel.
func isNilInterface(x any) bool {
	v := reflect.ValueOf(x)
	switch v.Kind() {
	case reflect.Pointer, reflect.Func, reflect.Map, reflect.Slice, reflect.Chan, reflect.Interface:
		return v.IsNil()
	}
	return false
}
