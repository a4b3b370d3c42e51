package sigstore

import (
	"crypto"
	"fmt"
	"regexp"
	"strings"

	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	sgverify "github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/cryptoutils"

	"github.com/ats-run/selfattest/internal/localfile"
)

// Policy says who must have signed a bundle, and what it must say. It has
// no default: a Policy names either a signing key ([Policy.Key]) or a
// certificate identity (an issuer and a subject alternative name, each
// exact or a regular expression), never neither, never both.
//
// Regular expressions are anchored: "https://github.com/o/r/.*" must match
// the whole value, so "…@refs/heads/main" does not accept
// "…@refs/heads/main-evil" and no prefix or suffix slips through.
type Policy struct {
	// Issuer is the OIDC issuer the certificate must name exactly, e.g.
	// "https://token.actions.githubusercontent.com".
	Issuer string
	// IssuerRegexp is an anchored regular expression for the issuer.
	IssuerRegexp string
	// SAN is the certificate's subject alternative name, exactly: for
	// GitHub Actions the workflow identity,
	// "https://github.com/OWNER/REPO/.github/workflows/release.yml@refs/tags/v1.0.1".
	SAN string
	// SANRegexp is an anchored regular expression for the SAN.
	SANRegexp string
	// GitHub holds claims Fulcio copied from the GitHub Actions token into
	// the certificate; each one set must match.
	GitHub GitHubClaims

	// Key, if set, is the public key the bundle must be signed with
	// (ECDSA, Ed25519 or RSA); the bundle must then carry no certificate.
	Key crypto.PublicKey

	// PredicateType, if set, is the in-toto predicate type the bundle's
	// statement must have (e.g. "https://slsa.dev/provenance/v1"). A bundle
	// that signs a message rather than a statement then fails.
	PredicateType string
}

// GitHubClaims are GitHub Actions facts Fulcio records in a certificate's
// extensions (OIDs 1.3.6.1.4.1.57264.1.8 to .22), as `gh attestation
// verify` and cosign's --certificate-github-workflow-* flags check them.
// Each field left empty is not checked; each one set must match exactly.
// A certificate without the extension fails the claim: only the current
// extensions are read, not the deprecated 1.3.6.1.4.1.57264.1.2–.6.
type GitHubClaims struct {
	// Repository is the source repository, "OWNER/REPO" or
	// "https://github.com/OWNER/REPO" (Source Repository URI; compared
	// without regard to case, as GitHub names are).
	Repository string
	// Ref is the git ref that was built, e.g. "refs/tags/v1.0.1"
	// (Source Repository Ref).
	Ref string
	// Commit is the commit SHA that was built (Source Repository Digest).
	Commit string
	// Trigger is the event that ran the workflow, e.g. "push" (Build
	// Trigger).
	Trigger string
	// Workflow is the workflow file that signed, with its ref:
	// "https://github.com/OWNER/REPO/.github/workflows/release.yml@refs/tags/v1.0.1"
	// (Build Signer URI). WorkflowRegexp is an anchored regular expression
	// for the same value.
	Workflow       string
	WorkflowRegexp string
	// RunnerEnvironment is "github-hosted" or "self-hosted".
	RunnerEnvironment string
	// DenySelfHosted refuses any runner environment but "github-hosted":
	// a self-hosted runner is a machine the repository's owners control.
	DenySelfHosted bool
}

func (g GitHubClaims) empty() bool {
	return g == GitHubClaims{}
}

// ClaimMismatchError is returned when a verified certificate's GitHub
// claim, or a verified statement's predicate type, is not the one the
// [Policy] asks for. It wraps [ErrVerification]. (An issuer or SAN
// mismatch is found by sigstore-go and returned as its error, wrapped with
// [ErrVerification].)
type ClaimMismatchError struct {
	// Claim names what differs: "github.repository", "github.ref", …,
	// "predicate_type".
	Claim string
	// Want is the policy's value (a regular expression is shown as /re/).
	Want string
	// Got is the certificate's value.
	Got string
}

func (e *ClaimMismatchError) Error() string {
	return fmt.Sprintf("verify: %s is %q, policy wants %s", e.Claim, e.Got, e.Want)
}

func (e *ClaimMismatchError) Unwrap() error { return ErrVerification }

// compiledPolicy is a Policy checked and turned into sigstore-go's terms.
type compiledPolicy struct {
	Policy
	identity *sgverify.CertificateIdentity // nil in key mode
	workflow *regexp.Regexp
	repo     string
}

// anchor wraps a regular expression so that it must match a whole value.
func anchor(re string) string {
	return `^(?:` + re + `)$`
}

func (p Policy) compile() (*compiledPolicy, error) {
	c := &compiledPolicy{Policy: p}
	keyless := p.Issuer != "" || p.IssuerRegexp != "" || p.SAN != "" || p.SANRegexp != "" || !p.GitHub.empty()
	switch {
	case p.Key != nil && keyless:
		return nil, fmt.Errorf("%w: policy names both a key and a certificate identity", ErrBadInput)
	case p.Key != nil:
		return c, nil
	case !keyless:
		return nil, fmt.Errorf("%w: policy names no key and no certificate identity: trust is never implicit", ErrBadInput)
	}
	if (p.Issuer == "") == (p.IssuerRegexp == "") {
		return nil, fmt.Errorf("%w: policy needs exactly one of Issuer and IssuerRegexp", ErrBadInput)
	}
	if (p.SAN == "") == (p.SANRegexp == "") {
		return nil, fmt.Errorf("%w: policy needs exactly one of SAN and SANRegexp", ErrBadInput)
	}
	issuerRe, sanRe := p.IssuerRegexp, p.SANRegexp
	for _, re := range []*string{&issuerRe, &sanRe} {
		if *re == "" {
			continue
		}
		if _, err := regexp.Compile(*re); err != nil {
			return nil, fmt.Errorf("%w: policy: %w", ErrBadInput, err)
		}
		*re = anchor(*re)
	}
	id, err := sgverify.NewShortCertificateIdentity(p.Issuer, issuerRe, p.SAN, sanRe)
	if err != nil {
		return nil, fmt.Errorf("%w: policy: %w", ErrBadInput, err)
	}
	c.identity = &id
	if p.GitHub.Workflow != "" && p.GitHub.WorkflowRegexp != "" {
		return nil, fmt.Errorf("%w: policy names both GitHub.Workflow and GitHub.WorkflowRegexp", ErrBadInput)
	}
	if p.GitHub.WorkflowRegexp != "" {
		c.workflow, err = regexp.Compile(anchor(p.GitHub.WorkflowRegexp))
		if err != nil {
			return nil, fmt.Errorf("%w: policy: %w", ErrBadInput, err)
		}
	}
	if r := p.GitHub.Repository; r != "" {
		if !strings.Contains(r, "://") {
			r = "https://github.com/" + r
		}
		c.repo = r
	}
	return c, nil
}

// checkClaims checks the GitHub claims of a verified certificate.
func (c *compiledPolicy) checkClaims(cert *certificate.Summary) error {
	g := c.GitHub
	if g.empty() {
		return nil
	}
	if cert == nil {
		return &ClaimMismatchError{Claim: "certificate", Want: "a Fulcio certificate", Got: "a key signature"}
	}
	x := cert.Extensions
	exact := []struct {
		claim, want, got string
		fold             bool
	}{
		{"github.repository", c.repo, x.SourceRepositoryURI, true},
		{"github.ref", g.Ref, x.SourceRepositoryRef, false},
		{"github.commit", g.Commit, x.SourceRepositoryDigest, true},
		{"github.trigger", g.Trigger, x.BuildTrigger, false},
		{"github.workflow", g.Workflow, x.BuildSignerURI, false},
		{"github.runner_environment", g.RunnerEnvironment, x.RunnerEnvironment, false},
	}
	for _, e := range exact {
		if e.want == "" {
			continue
		}
		if e.got == e.want || e.fold && strings.EqualFold(e.got, e.want) {
			continue
		}
		return &ClaimMismatchError{Claim: e.claim, Want: fmt.Sprintf("%q", e.want), Got: e.got}
	}
	if c.workflow != nil && !c.workflow.MatchString(x.BuildSignerURI) {
		return &ClaimMismatchError{Claim: "github.workflow", Want: "/" + c.workflow.String() + "/", Got: x.BuildSignerURI}
	}
	if g.DenySelfHosted && x.RunnerEnvironment != "github-hosted" {
		return &ClaimMismatchError{Claim: "github.runner_environment", Want: `"github-hosted"`, Got: x.RunnerEnvironment}
	}
	return nil
}

// SignerPolicy is a [Policy] checked once, to match many signers with no
// bundle around them: the identity half of what [Verifier.Verify] checks.
// A log monitor matches the signers of log entries with it (package
// [github.com/ats-run/selfattest/verify/sigstore/watch]).
type SignerPolicy struct {
	c *compiledPolicy
}

// ForSigners checks p as Verify checks a policy (an error wraps
// [ErrBadInput]) and returns it ready to match signers. PredicateType is
// not used: a signer has no statement.
func (p Policy) ForSigners() (*SignerPolicy, error) {
	c, err := p.compile()
	if err != nil {
		return nil, err
	}
	return &SignerPolicy{c: c}, nil
}

// MatchCertificate reports whether a certificate, as sigstore-go's
// certificate.SummarizeCertificate summarizes it, names the policy's
// issuer and SAN and has its GitHub claims, as Verify checks a verified
// bundle's signer. It checks nothing of the certificate itself — not its
// chain, its validity or any signature — and a key policy matches no
// certificate.
func (s *SignerPolicy) MatchCertificate(sum *certificate.Summary) bool {
	if s.c.identity == nil || sum == nil {
		return false
	}
	if _, err := (sgverify.CertificateIdentities{*s.c.identity}).Verify(*sum); err != nil {
		return false
	}
	return s.c.checkClaims(sum) == nil
}

// Key is the policy's key; nil for a certificate identity policy.
func (s *SignerPolicy) Key() crypto.PublicKey { return s.c.Key }

// ReadPublicKeyPEM reads the PEM public key file at path and parses it
// with [ParsePublicKeyPEM]. The path must name a regular file of at most
// [MaxKeySize] bytes: anything else (a directory, a FIFO, a device such as
// /dev/zero) is refused without blocking or reading on. Every error wraps
// [ErrBadInput].
func ReadPublicKeyPEM(path string) (crypto.PublicKey, error) {
	b, err := localfile.ReadFile(path, MaxKeySize)
	if err != nil {
		return nil, fmt.Errorf("%w: public key: %w", ErrBadInput, err)
	}
	return ParsePublicKeyPEM(b)
}

// MaxKeySize is the largest PEM file [ParsePublicKeyPEM] accepts.
const MaxKeySize = 64 << 10

// ParsePublicKeyPEM parses a PEM "PUBLIC KEY" (PKIX) block, as cosign and
// npm publish their keys, for [Policy.Key]. Anything else wraps
// [ErrBadInput].
func ParsePublicKeyPEM(pemBytes []byte) (crypto.PublicKey, error) {
	if len(pemBytes) > MaxKeySize {
		return nil, fmt.Errorf("%w: public key PEM larger than %d bytes", ErrBadInput, MaxKeySize)
	}
	k, err := cryptoutils.UnmarshalPEMToPublicKey(pemBytes)
	if err != nil {
		return nil, fmt.Errorf("%w: public key: %w", ErrBadInput, err)
	}
	return k, nil
}
