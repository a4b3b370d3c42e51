package watch

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	rekorpb "github.com/sigstore/rekor-tiles/v2/pkg/generated/protobuf"
	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/ats-run/selfattest/verify/sigstore"
	"github.com/ats-run/selfattest/verify/tlog"
	"github.com/ats-run/selfattest/verify/tlog/monitor"
)

// A Rule names an identity to look for: Name is reported with each
// match; Policy says who (PredicateType is not used: entries hold no
// statement).
type Rule struct {
	Name   string
	Policy sigstore.Policy
}

// MaxEntrySize bounds an entry the matcher reads (a tile log's
// entries are at most 64 KiB anyway).
const MaxEntrySize = tlog.MaxEntrySize

type watchRule struct {
	name string
	pol  *sigstore.SignerPolicy
	key  []byte // PKIX DER, key rules only
}

// NewMatcher returns a [monitor.MatchFunc] that reports, for each Rekor v2
// entry, every rule whose identity signed it. It is safe for concurrent use.
// Rules must have distinct non-empty names and valid policies; an invalid
// rule is an error wrapping [sigstore.ErrBadInput].
//
// An entry that is not a Rekor v2 hashedrekord or DSSE entry, or whose
// signer's certificate or key does not parse, is an error: the monitor
// reports it as unreadable. Facts of a match: "kind", "san", "issuer",
// "github.repository", "github.ref", "github.commit", "github.workflow",
// "github.trigger", "github.runner_environment" (those the certificate
// has), "key_sha256" (a key signer), and "digest" (hashedrekord: the signed
// artifact's, "sha256:<hex>"; DSSE: the payload's).
func NewMatcher(rules ...Rule) (monitor.MatchFunc, error) {
	if len(rules) == 0 {
		return nil, fmt.Errorf("%w: no watch rules", sigstore.ErrBadInput)
	}
	seen := make(map[string]bool)
	var rs []watchRule
	for _, r := range rules {
		if r.Name == "" || seen[r.Name] {
			return nil, fmt.Errorf("%w: watch rule name %q is empty or repeated", sigstore.ErrBadInput, r.Name)
		}
		seen[r.Name] = true
		if r.Policy.PredicateType != "" {
			return nil, fmt.Errorf("%w: watch rule %q: log entries hold no statement to match a predicate type", sigstore.ErrBadInput, r.Name)
		}
		pol, err := r.Policy.ForSigners()
		if err != nil {
			return nil, fmt.Errorf("watch rule %q: %w", r.Name, err)
		}
		wr := watchRule{name: r.Name, pol: pol}
		if k := pol.Key(); k != nil {
			if wr.key, err = x509.MarshalPKIXPublicKey(k); err != nil {
				return nil, fmt.Errorf("%w: watch rule %q: %w", sigstore.ErrBadInput, r.Name, err)
			}
		}
		rs = append(rs, wr)
	}
	return func(entry []byte) ([]monitor.Match, error) { return matchEntry(rs, entry) }, nil
}

var errNotRekorV2 = errors.New("not a Rekor v2 hashedrekord or dsse v0.0.2 entry")

func matchEntry(rules []watchRule, entry []byte) ([]monitor.Match, error) {
	if len(entry) > MaxEntrySize {
		return nil, fmt.Errorf("entry of %d bytes", len(entry))
	}
	var e rekorpb.Entry
	if err := (protojson.UnmarshalOptions{DiscardUnknown: false}).Unmarshal(entry, &e); err != nil {
		return nil, fmt.Errorf("%w: %w", errNotRekorV2, err)
	}
	if e.GetApiVersion() != "0.0.2" {
		return nil, fmt.Errorf("%w: kind %q, api version %q", errNotRekorV2, e.GetKind(), e.GetApiVersion())
	}
	facts := map[string]string{"kind": e.GetKind()}
	var sigs []*rekorpb.Signature
	switch {
	case e.GetKind() == "hashedrekord" && e.GetSpec().GetHashedRekordV002() != nil:
		h := e.GetSpec().GetHashedRekordV002()
		sigs = []*rekorpb.Signature{h.GetSignature()}
		facts["digest"] = hashOutput(h.GetData())
	case e.GetKind() == "dsse" && e.GetSpec().GetDsseV002() != nil:
		d := e.GetSpec().GetDsseV002()
		sigs = d.GetSignatures()
		facts["digest"] = hashOutput(d.GetPayloadHash())
	default:
		return nil, fmt.Errorf("%w: kind %q", errNotRekorV2, e.GetKind())
	}
	if len(sigs) == 0 {
		return nil, fmt.Errorf("%s entry without a signature", e.GetKind())
	}
	var out []monitor.Match
	for _, s := range sigs {
		v := s.GetVerifier()
		switch {
		case v.GetX509Certificate() != nil:
			cert, err := x509.ParseCertificate(v.GetX509Certificate().GetRawBytes())
			if err != nil {
				return nil, fmt.Errorf("signer certificate: %w", err)
			}
			sum, err := certificate.SummarizeCertificate(cert)
			if err != nil {
				return nil, fmt.Errorf("signer certificate: %w", err)
			}
			f := certFacts(facts, &sum)
			for _, r := range rules {
				if !r.pol.MatchCertificate(&sum) {
					continue
				}
				out = append(out, monitor.Match{Rule: r.name, Facts: f})
			}
		case v.GetPublicKey() != nil:
			der := v.GetPublicKey().GetRawBytes()
			if _, err := x509.ParsePKIXPublicKey(der); err != nil {
				return nil, fmt.Errorf("signer key: %w", err)
			}
			sum := sha256.Sum256(der)
			f := clone(facts)
			f["key_sha256"] = hex.EncodeToString(sum[:])
			for _, r := range rules {
				if r.key != nil && bytes.Equal(r.key, der) {
					out = append(out, monitor.Match{Rule: r.name, Facts: f})
				}
			}
		default:
			return nil, errors.New("signature without a certificate or key")
		}
	}
	return out, nil
}

func hashOutput(h *protocommon.HashOutput) string {
	if len(h.GetDigest()) == 0 {
		return ""
	}
	var alg string
	switch h.GetAlgorithm() {
	case protocommon.HashAlgorithm_SHA2_256:
		alg = "sha256"
	case protocommon.HashAlgorithm_SHA2_384:
		alg = "sha384"
	case protocommon.HashAlgorithm_SHA2_512:
		alg = "sha512"
	default:
		alg = strings.ToLower(h.GetAlgorithm().String())
	}
	return alg + ":" + hex.EncodeToString(h.GetDigest())
}

func clone(m map[string]string) map[string]string {
	out := make(map[string]string, len(m)+10)
	for k, v := range m {
		out[k] = v
	}
	return out
}

func certFacts(base map[string]string, s *certificate.Summary) map[string]string {
	f := clone(base)
	f["san"] = s.SubjectAlternativeName
	f["issuer"] = s.Extensions.Issuer
	x := s.Extensions
	for k, v := range map[string]string{
		"github.repository":         x.SourceRepositoryURI,
		"github.ref":                x.SourceRepositoryRef,
		"github.commit":             x.SourceRepositoryDigest,
		"github.workflow":           x.BuildSignerURI,
		"github.trigger":            x.BuildTrigger,
		"github.runner_environment": x.RunnerEnvironment,
	} {
		if v != "" {
			f[k] = v
		}
	}
	return f
}
