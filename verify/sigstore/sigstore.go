package sigstore

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/tlog"
	sgverify "github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/sigstore/sigstore/pkg/signature/options"

	"github.com/ats-run/selfattest/attest"
	"github.com/ats-run/selfattest/internal/localfile"
	"github.com/ats-run/selfattest/verify/sigstore/internal/hook"
)

// MaxBundleSize is the largest Sigstore bundle [LoadBundle] and
// [ParseBundle] accept.
const MaxBundleSize = 16 << 20

// SignedArtifact names what a bundle is checked against: the artifact's
// bytes (a file or a reader) or its digest. Make one with [ArtifactFile],
// [ArtifactReader], [ArtifactDigest] or [ParseArtifactDigest].
type SignedArtifact struct {
	path   string
	r      io.Reader
	alg    attest.Algorithm
	digest []byte
}

// ArtifactFile names an artifact by its path; it is opened when verified.
func ArtifactFile(path string) SignedArtifact { return SignedArtifact{path: path} }

// ArtifactReader names an artifact by its bytes, read once when verified.
func ArtifactReader(r io.Reader) SignedArtifact { return SignedArtifact{r: r} }

// IsReader reports whether a was made by [ArtifactReader]: it can be
// verified once, since verifying reads it.
func (a SignedArtifact) IsReader() bool { return a.r != nil }

// ArtifactDigest names an artifact by its digest: sha256, sha384 or
// sha512 (npm signs sha512 subjects). A digest can only match a bundle
// that signs a digest of the same algorithm.
func ArtifactDigest(alg attest.Algorithm, digest []byte) SignedArtifact {
	return SignedArtifact{alg: alg, digest: bytes.Clone(digest)}
}

// ParseArtifactDigest parses "sha256:<64 hex>", "sha384:<96 hex>" or
// "sha512:<128 hex>" (lower-case hex). Anything else wraps [ErrBadInput].
func ParseArtifactDigest(s string) (SignedArtifact, error) {
	alg, h, ok := strings.Cut(s, ":")
	a := attest.Algorithm(alg)
	if !ok || a.Size() == 0 || len(h) != 2*a.Size() || strings.ToLower(h) != h {
		return SignedArtifact{}, fmt.Errorf("%w: %q is not sha256:, sha384: or sha512: followed by lower-case hex of the right length", ErrBadInput, s)
	}
	d, err := hex.DecodeString(h)
	if err != nil {
		return SignedArtifact{}, fmt.Errorf("%w: %q: %w", ErrBadInput, s, err)
	}
	return ArtifactDigest(a, d), nil
}

// IsArtifactDigest reports whether s has the form [ParseArtifactDigest]
// accepts.
func IsArtifactDigest(s string) bool {
	_, err := ParseArtifactDigest(s)
	return err == nil
}

// LoadBundle reads and parses a Sigstore bundle file (v0.1 to v0.3, both
// v0.3 media types), reading at most [MaxBundleSize] bytes. A path that
// cannot be read or is not a regular file (a directory, a FIFO, a device:
// refused without blocking) wraps [ErrBadInput]; a file over
// [MaxBundleSize] or that is not a valid bundle wraps [ErrVerification]:
// the evidence itself is bad.
func LoadBundle(path string) (*bundle.Bundle, error) {
	b, err := localfile.ReadFile(path, MaxBundleSize)
	var le *localfile.Error
	if errors.As(err, &le) && le.Kind == localfile.KindTooLarge {
		// As ParseBundle says of bytes over the limit.
		return nil, fmt.Errorf("%w: bundle: %w", ErrVerification, err)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: bundle: %w", ErrBadInput, err)
	}
	return ParseBundle(b)
}

// ParseBundle parses a Sigstore bundle in its JSON form. Input over
// [MaxBundleSize], malformed JSON, an unknown media type or a bundle that
// breaks the bundle rules wraps [ErrVerification].
func ParseBundle(data []byte) (*bundle.Bundle, error) {
	if len(data) > MaxBundleSize {
		return nil, fmt.Errorf("%w: bundle larger than %d bytes", ErrVerification, MaxBundleSize)
	}
	var b bundle.Bundle
	if err := b.UnmarshalJSON(data); err != nil {
		return nil, fmt.Errorf("%w: bundle: %w", ErrVerification, err)
	}
	return &b, nil
}

// Options tune a [Verifier]. The zero value is the strict
// default: every bundle needs at least one entry verified in a
// transparency log the trusted root names, at least one trusted time for
// the signature (a log's signed integrated time or an RFC 3161 timestamp
// from a timestamp authority the root names), and — when signed with a
// certificate — at least one signed certificate timestamp from a CT log
// the root names. Every one of those checks, and the bundle's parsing, is
// sigstore-go's own unless FastPaths is set.
//
// Every trusted time must also not lie in the future: a log's signed
// integrated time or a timestamp authority's time later than the clock
// (plus [MaxClockSkew]) is rejected with a [*FutureTimestampError], as
// cosign rejects it — sigstore-go v1.3.0 does not compare them with the
// clock.
type Options struct {
	// MaxArtifactSize bounds the bytes read from an artifact given as a
	// file or a reader; 0 means [DefaultMaxArtifactSize]. A larger
	// artifact is not verified: the error wraps [ErrBadInput], since the
	// artifact is the caller's input and trying again cannot change its
	// size (a URL's body over a limit is [ErrCouldNotCheck] instead: the
	// server may answer differently). Verification streams the artifact:
	// memory does not grow with its size, but for pure Ed25519 (below).
	MaxArtifactSize int64
	// MaxPureEd25519Size bounds the artifact held in memory to check a
	// pure Ed25519 message signature by an Ed25519 policy key, which signs
	// the whole message, not a digest; 0 means
	// [DefaultMaxPureEd25519Size]. Ed25519ph (SHA-512 of the artifact, as
	// Rekor v2 requires) is checked by streaming at any size within
	// MaxArtifactSize. An artifact over this bound whose signature is not
	// a valid Ed25519ph one is reported as [ErrBadInput] (pure Ed25519 was
	// not tried), never as verified or rejected.
	MaxPureEd25519Size int64
	// RequireTimestampAuthority also demands at least one RFC 3161
	// timestamp from a timestamp authority the root names, even when a
	// log's signed integrated time would do.
	RequireTimestampAuthority bool
	// Now is the clock trusted times are compared with; nil means
	// time.Now.
	Now func() time.Time
	// FastPaths, when set, opts in to re-implementations of checks
	// sigstore-go makes, for speed when many bundles are verified
	// ([Verifier.VerifyBatch]); the only ones are those of package
	// [github.com/ats-run/selfattest/verify/sigstore/fast] (fast.Paths{}),
	// whose documentation says what each replaces and how tests hold it
	// to the default path's verdict. nil, the zero value, leaves every
	// decision to sigstore-go, and a program that never names package
	// fast does not compile it.
	FastPaths FastPaths
}

// FastPaths is implemented by package
// [github.com/ats-run/selfattest/verify/sigstore/fast] only: its one
// method takes and returns types of an internal package, which no package
// outside verify/sigstore can name, so nothing else can plug decisions
// into a [Verifier].
type FastPaths interface {
	// ForRoot prepares the fast paths for one trusted root; NewVerifier
	// calls it once.
	ForRoot(trusted root.TrustedMaterial, seal hook.Seal) hook.Paths
}

// Defaults of [Options]' limits.
const (
	DefaultMaxArtifactSize    int64 = 256 << 20 // as a fetched body's default limit
	DefaultMaxPureEd25519Size int64 = 64 << 20
)

func (o Options) maxArtifact() int64 {
	if o.MaxArtifactSize > 0 {
		return o.MaxArtifactSize
	}
	return DefaultMaxArtifactSize
}

func (o Options) maxPure() int64 {
	if o.MaxPureEd25519Size > 0 {
		return o.MaxPureEd25519Size
	}
	return DefaultMaxPureEd25519Size
}

// MaxClockSkew is how far in the future a trusted time may lie before
// [Verifier.Verify] rejects it.
const MaxClockSkew = 5 * time.Minute

// FutureTimestampError is returned when a verified timestamp lies in the
// future. It wraps [ErrVerification].
type FutureTimestampError struct {
	// Kind is "tlog" or "tsa"; URI names the log or authority.
	Kind, URI string
	Time      time.Time
	Now       time.Time
}

func (e *FutureTimestampError) Error() string {
	return fmt.Sprintf("verify: %s time %s from %s is after now (%s)", e.Kind, e.Time.Format(time.RFC3339), e.URI, e.Now.Format(time.RFC3339))
}

func (e *FutureTimestampError) Unwrap() error { return ErrVerification }

// Verifier verifies Sigstore bundles against one trusted root,
// parsed once and shared by every call; it is safe for concurrent use.
type Verifier struct {
	trusted root.TrustedMaterial
	opts    Options
	cert    *sgverify.Verifier
	// fast is set only with Options.FastPaths: package fast's checks of
	// certificate bundles that carry no intermediates of their own, and
	// its bundle parse.
	fast hook.Paths
}

// NewVerifier returns a verifier for bundles signed under trusted
// (see package [github.com/ats-run/selfattest/verify/trust]). trusted must
// not be nil: there is no default root.
func NewVerifier(trusted root.TrustedMaterial, opts Options) (*Verifier, error) {
	if trusted == nil || isNilPointer(trusted) {
		return nil, fmt.Errorf("%w: no trusted root: trust is never implicit", ErrBadInput)
	}
	cert, err := sgverify.NewVerifier(trusted, opts.verifierOptions(true)...)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	v := &Verifier{trusted: trusted, opts: opts, cert: cert}
	if opts.FastPaths != nil && !isNilPointer(opts.FastPaths) {
		v.fast = opts.FastPaths.ForRoot(trusted, hook.Seal{})
	}
	return v, nil
}

// TrustedMaterial is the trusted root v verifies against, as given to
// [NewVerifier]: what [github.com/ats-run/selfattest/verify/sigstore/confirm]
// reads the logs' keys from to confirm a verified bundle online.
func (v *Verifier) TrustedMaterial() root.TrustedMaterial { return v.trusted }

// verifierOptions are sigstore-go's options for certificate bundles
// (withSCTs) or key bundles.
func (o Options) verifierOptions(withSCTs bool) []sgverify.VerifierOption {
	opts := []sgverify.VerifierOption{
		sgverify.WithTransparencyLog(1),
		sgverify.WithObserverTimestamps(1),
	}
	if withSCTs {
		opts = append(opts, sgverify.WithSignedCertificateTimestamps(1))
	}
	if o.RequireTimestampAuthority {
		opts = append(opts, sgverify.WithSignedTimestamps(1))
	}
	return opts
}

// Verify checks bundle b against the artifact and the policy: every check
// sigstore-go v1.3.0 makes (signature over the artifact or the DSSE
// statement's subject, certificate chain to a Fulcio CA of the root at a
// trusted time, SCTs, transparency-log entries with their signed entry
// timestamps or inclusion proofs and checkpoints, RFC 3161 timestamps),
// then the policy's identity and claims, then these checks of its own: an
// inclusion proof's root hash and tree size must be the ones its signed
// checkpoint states.
//
// It returns the verified facts, or an error wrapping [ErrVerification]
// (rejected; a [*ClaimMismatchError] when an identity claim differs),
// [ErrBadInput] (an unusable policy; an artifact file that cannot be
// opened, is not a regular file or is empty; an artifact over
// [Options].MaxArtifactSize or failing to read) or
// [ErrCouldNotCheck] (ctx ended).
func (v *Verifier) Verify(ctx context.Context, b *bundle.Bundle, artifact SignedArtifact, p Policy) (*Result, error) {
	if b == nil {
		return nil, fmt.Errorf("%w: no bundle", ErrBadInput)
	}
	return v.verify(ctx, &memoBundle{Bundle: b}, artifact, p)
}

// verify is Verify for a bundle whose derived parts may already be known
// (see parseMemoBundle).
func (v *Verifier) verify(ctx context.Context, entity *memoBundle, artifact SignedArtifact, p Policy) (*Result, error) {
	pol, err := p.compile()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCouldNotCheck, err)
	}
	art, err := artifact.open(v.opts.maxArtifact())
	if err != nil {
		return nil, err
	}
	defer art.close()
	artOpt := art.option

	sev, trusted, policy := v.cert, v.trusted, sgverify.NewPolicy(artOpt, sgverify.WithCertificateIdentity(sgIdentity(pol)))
	// checkSCTs is set when the fast paths verify a certificate bundle
	// (Options.FastPaths only): sigstore-go then checks all but the SCTs,
	// which checkSCTs checks on the chains path validation returned. By
	// default v.cert, sigstore-go's verifier on the caller's trusted
	// material with its SCT check on, verifies every certificate bundle.
	var checkSCTs func() error
	if p.Key != nil {
		sev, trusted, err = v.keyVerifier(p, &art.pure)
		if err != nil {
			return nil, err
		}
		policy = sgverify.NewPolicy(artOpt, sgverify.WithKey())
	} else if v.fast != nil {
		if vc, err := entity.VerificationContent(); err == nil && len(vc.Intermediates()) == 0 {
			var material root.TrustedMaterial
			material, checkSCTs = v.fast.Certificates()
			sev, err = sgverify.NewVerifier(material, v.opts.verifierOptions(false)...)
			if err != nil {
				return nil, fmt.Errorf("%w: %w", ErrBadInput, err)
			}
		}
	}
	res, err := sev.Verify(entity, policy)
	if err != nil {
		// A rejection only if the artifact was read whole and the
		// signature checked every way it can be.
		if art.reader != nil && art.reader.err != nil {
			return nil, fmt.Errorf("%w: artifact: %w", ErrBadInput, art.reader.err)
		}
		if art.pure.skipped {
			return nil, fmt.Errorf("%w: artifact of more than %d bytes: its signature is not Ed25519ph, and a pure Ed25519 signature is not checked over more than that (Options.MaxPureEd25519Size)",
				ErrBadInput, art.pure.max)
		}
		return nil, fmt.Errorf("%w: %w", ErrVerification, err)
	}
	if checkSCTs != nil {
		// What sigstore-go's WithSignedCertificateTimestamps(1) requires,
		// public-key bundles refused ("no chains provided") included.
		if err := checkSCTs(); err != nil {
			return nil, fmt.Errorf("%w: failed to verify signed certificate timestamp: %w", ErrVerification, err)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCouldNotCheck, err)
	}
	if res.Signature != nil {
		if err := pol.checkClaims(res.Signature.Certificate); err != nil {
			return nil, err
		}
	}
	if p.PredicateType != "" {
		if res.Statement == nil {
			return nil, &ClaimMismatchError{Claim: "predicate_type", Want: fmt.Sprintf("%q", p.PredicateType), Got: "(a message signature, no statement)"}
		}
		if res.Statement.GetPredicateType() != p.PredicateType {
			return nil, &ClaimMismatchError{Claim: "predicate_type", Want: fmt.Sprintf("%q", p.PredicateType), Got: res.Statement.GetPredicateType()}
		}
	}
	r, err := v.result(entity, res, trusted, p.Key)
	if err != nil {
		return nil, err
	}
	if err := v.checkNotFuture(r); err != nil {
		return nil, err
	}
	return r, nil
}

// checkNotFuture rejects a verified time later than the clock allows.
func (v *Verifier) checkNotFuture(r *Result) error {
	now := time.Now()
	if v.opts.Now != nil {
		now = v.opts.Now()
	}
	limit := now.Add(MaxClockSkew)
	for _, ts := range r.Timestamps {
		if ts.Time.After(limit) {
			return &FutureTimestampError{Kind: ts.Kind, URI: ts.URI, Time: ts.Time, Now: now}
		}
	}
	for _, e := range r.LogEntries {
		if e.IntegratedTime != nil && e.IntegratedTime.After(limit) {
			return &FutureTimestampError{Kind: "tlog", URI: e.LogURL, Time: *e.IntegratedTime, Now: now}
		}
	}
	return nil
}

// isNilPointer reports whether an interface holds a nil pointer (a typed
// nil such as (*root.TrustedRoot)(nil)), which a == nil test misses.
func isNilPointer(x any) bool {
	v := reflect.ValueOf(x)
	switch v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface, reflect.Func:
		return v.IsNil()
	}
	return false
}

func sgIdentity(p *compiledPolicy) sgverify.CertificateIdentity {
	if p.identity == nil {
		return sgverify.CertificateIdentity{}
	}
	return *p.identity
}

// keyVerifier returns a sigstore-go verifier that trusts p.Key for key
// bundles, beside the root's logs and timestamp authorities.
// pure records the pure Ed25519 attempts of one verification.
func (v *Verifier) keyVerifier(p Policy, pure *pureLimit) (*sgverify.Verifier, root.TrustedMaterial, error) {
	sv, err := signature.LoadDefaultVerifier(p.Key)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: policy key: %w", ErrBadInput, err)
	}
	if pub, ok := p.Key.(ed25519.PublicKey); ok {
		ph, err := signature.LoadED25519phVerifier(pub)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: policy key: %w", ErrBadInput, err)
		}
		pure.max = v.opts.maxPure()
		sv = ed25519Either{pure: sv, ph: ph, limit: pure}
	}
	km := root.NewTrustedPublicKeyMaterial(func(string) (root.TimeConstrainedVerifier, error) {
		return root.NewExpiringKey(sv, time.Time{}, time.Time{}), nil
	})
	tm := root.TrustedMaterialCollection{km, v.trusted}
	sev, err := sgverify.NewVerifier(tm, v.opts.verifierOptions(false)...)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	return sev, tm, nil
}

// ed25519Either verifies a signature by an Ed25519 policy key made either
// way a Sigstore client makes one: pure Ed25519 (DSSE, as cosign signs) or
// Ed25519ph over SHA-512 (hashedrekord: Rekor v2 accepts only that, so a
// DSSE envelope logged there is signed so too). The two are domain
// separated (RFC 8032's dom2 prefix), so a signature of one kind is never
// a signature of the other over a related message: accepting either is
// accepting what the key's holder signed.
type ed25519Either struct {
	pure, ph signature.Verifier
	limit    *pureLimit
}

// pureLimit bounds the message ed25519Either holds for pure Ed25519, and
// records whether a message over it was left unchecked that way.
type pureLimit struct {
	max     int64
	skipped bool
}

func (e ed25519Either) PublicKey(opts ...signature.PublicKeyOption) (crypto.PublicKey, error) {
	return e.pure.PublicKey(opts...)
}

// VerifySignature reads the message once: its SHA-512 for Ed25519ph as it
// streams, and its bytes, up to the limit, for pure Ed25519.
func (e ed25519Either) VerifySignature(sig, message io.Reader, opts ...signature.VerifyOption) error {
	s, err := io.ReadAll(io.LimitReader(sig, 1<<10))
	if err != nil {
		return err
	}
	var given []byte
	for _, o := range opts {
		o.ApplyDigest(&given)
	}
	if given != nil {
		// A digest-only verification (options.WithDigest): no message to
		// read, and only Ed25519ph can check a digest.
		if err := e.ph.VerifySignature(bytes.NewReader(s), nil, opts...); err == nil {
			return nil
		}
		return e.pure.VerifySignature(bytes.NewReader(s), message, opts...)
	}
	if message == nil {
		return errors.New("ed25519: no message and no digest to verify")
	}
	h := sha512.New()
	var held []byte
	over := false
	buf := make([]byte, 64<<10)
	for {
		n, rerr := message.Read(buf)
		h.Write(buf[:n])
		if !over {
			if int64(len(held)+n) > e.limit.max {
				over, held = true, nil
			} else {
				held = appendCapped(held, buf[:n], int(e.limit.max))
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return rerr
		}
	}
	if !over {
		if err := e.pure.VerifySignature(bytes.NewReader(s), bytes.NewReader(held), opts...); err == nil {
			return nil
		}
	}
	err = e.ph.VerifySignature(bytes.NewReader(s), nil, append(opts, options.WithDigest(h.Sum(nil)))...)
	if err != nil && over {
		e.limit.skipped = true
	}
	return err
}

// appendCapped appends p to b (len(b)+len(p) <= limit), growing b by
// doubling but never past limit bytes of capacity: append alone could
// reserve nearly twice the pure-Ed25519 bound.
func appendCapped(b, p []byte, limit int) []byte {
	if need := len(b) + len(p); need > cap(b) {
		nb := make([]byte, len(b), min(limit, max(2*cap(b), need, 64<<10)))
		copy(nb, b)
		b = nb
	}
	return append(b, p...)
}

// openArtifact is an artifact ready for sigstore-go: its policy option,
// the reader counting and bounding its bytes (nil for a digest), and what
// an Ed25519 key's verification recorded.
type openArtifact struct {
	option sgverify.ArtifactPolicyOption
	reader *boundedReader
	pure   pureLimit
	close  func()
}

// boundedReader fails a read past max and keeps the first read error, so
// that a failure to read the artifact is told from a rejection.
type boundedReader struct {
	r    io.Reader
	n    int64
	max  int64
	what string
	err  error
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if rest := b.max - b.n; rest < math.MaxInt64 && int64(len(p)) > rest+1 {
		p = p[:rest+1]
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	if b.n > b.max {
		b.err = b.tooLarge()
		return 0, b.err
	}
	if err != nil && err != io.EOF {
		b.err = err
	}
	return n, err
}

func (b *boundedReader) tooLarge() error {
	return fmt.Errorf("%s is larger than the limit of %d bytes (Options.MaxArtifactSize)", b.what, b.max)
}

// WriteTo lets io.Copy (sigstore-go hashes a DSSE bundle's artifact with
// it) take an in-memory artifact in one write instead of through a copy
// buffer of its own; any other reader is read through Read. An artifact
// over the limit fails as Read fails it (a bytes.Reader's reads cannot
// fail otherwise).
func (b *boundedReader) WriteTo(w io.Writer) (int64, error) {
	br, ok := b.r.(*bytes.Reader)
	if !ok || b.err != nil {
		return io.Copy(w, struct{ io.Reader }{b})
	}
	if int64(br.Len()) > b.max-b.n {
		b.err = b.tooLarge()
		return 0, b.err
	}
	n, err := br.WriteTo(w)
	b.n += n
	return n, err
}

// open turns the artifact into sigstore-go's policy option. A file must be
// a regular file, not empty, and no larger than max; a reader is read
// through the same bound.
func (a SignedArtifact) open(max int64) (*openArtifact, error) {
	nop := func() {}
	switch {
	case a.path != "":
		f, err := localfile.Open(a.path, max)
		if err != nil {
			return nil, fmt.Errorf("%w: artifact: %w", ErrBadInput, err)
		}
		if f.Size() == 0 {
			f.Close()
			return nil, fmt.Errorf("%w: artifact: %s is empty", ErrBadInput, a.path)
		}
		br := &boundedReader{r: f, max: max, what: a.path}
		return &openArtifact{option: sgverify.WithArtifact(br), reader: br, close: func() { f.Close() }}, nil
	case a.r != nil:
		br := &boundedReader{r: a.r, max: max, what: "the artifact"}
		return &openArtifact{option: sgverify.WithArtifact(br), reader: br, close: nop}, nil
	case a.alg != "":
		if a.alg.Size() == 0 || len(a.digest) != a.alg.Size() {
			return nil, fmt.Errorf("%w: artifact digest: %d bytes of %q", ErrBadInput, len(a.digest), a.alg)
		}
		return &openArtifact{option: sgverify.WithArtifactDigest(string(a.alg), a.digest), close: nop}, nil
	}
	return nil, fmt.Errorf("%w: no artifact: name a file, a reader or a digest", ErrBadInput)
}

// memoBundle is a bundle whose derived parts are computed once per
// verification. sigstore-go's Bundle.TlogEntries parses every entry's body
// again on each call (a JSON decode of the Rekor entry and, for in-toto and
// DSSE entries, a signature check), VerificationContent parses the signing
// certificate again on each call, and SignatureContent decodes the DSSE
// envelope again; verification asks for each several times, and the result
// asks again. Each is a pure function of the bundle, which nobody changes
// while it is verified; the values are read-only to everyone.
type memoBundle struct {
	*bundle.Bundle

	entriesOnce sync.Once
	entries     []*tlog.Entry
	entriesErr  error

	vcOnce sync.Once
	vc     sgverify.VerificationContent
	vcErr  error

	scOnce sync.Once
	sc     sgverify.SignatureContent
	scErr  error
}

func (m *memoBundle) TlogEntries() ([]*tlog.Entry, error) {
	m.entriesOnce.Do(func() { m.entries, m.entriesErr = m.Bundle.TlogEntries() })
	return m.entries, m.entriesErr
}

func (m *memoBundle) VerificationContent() (sgverify.VerificationContent, error) {
	m.vcOnce.Do(func() { m.vc, m.vcErr = m.Bundle.VerificationContent() })
	return m.vc, m.vcErr
}

func (m *memoBundle) SignatureContent() (sgverify.SignatureContent, error) {
	m.scOnce.Do(func() { m.sc, m.scErr = m.Bundle.SignatureContent() })
	return m.sc, m.scErr
}

// tlogEntries returns the bundle's log entries; the bundle was verified, so
// an error here is a broken invariant reported as a rejection.
func tlogEntries(b *memoBundle) ([]*tlog.Entry, error) {
	entries, err := b.TlogEntries()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrVerification, err)
	}
	return entries, nil
}
