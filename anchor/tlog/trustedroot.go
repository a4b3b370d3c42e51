package tlog

import (
	"crypto"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"time"

	vtlog "github.com/ats-run/selfattest/verify/tlog"
	"github.com/sigstore/sigstore-go/pkg/root"
)

// TrustedRootLog returns a local log as a Sigstore trusted root names a
// Rekor v2 log, so that verifiers (package verify/sigstore, sigstore-go, cosign)
// accept the entries a [Transparency] writes: baseUrl "https://" + origin
// (sigstore-go matches its host name with the checkpoint's origin; nothing
// need be served there), SHA-256 Merkle tree, the Ed25519 public key, and
// the log ID rekor-tiles computes (C2SP key hash of origin and key, as
// [Log.LogKey]'s LogID), valid from validFrom on with no end.
//
// Trust in the log is the caller's to give: pass the origin and public key
// the log was opened with ([Log.Origin], [Log.LogKey]), recorded when it
// was created, not read from a bundle.
func TrustedRootLog(origin string, pub ed25519.PublicKey, validFrom time.Time) (*root.TransparencyLog, error) {
	k, err := vtlog.NewLogKey(origin, pub)
	if err != nil {
		return nil, &ConfigError{Reason: fmt.Sprintf("trusted root: origin %q and key", origin), Err: err}
	}
	if validFrom.IsZero() {
		return nil, &ConfigError{Reason: "trusted root: zero validFrom"}
	}
	return &root.TransparencyLog{
		BaseURL:             "https://" + origin,
		ID:                  k.LogID(),
		ValidityPeriodStart: validFrom,
		HashFunc:            crypto.SHA256,
		PublicKey:           pub,
		SignatureHashFunc:   crypto.SHA512, // Ed25519 signs SHA-512 internally
	}, nil
}

// TrustedRoot returns a Sigstore trusted root naming the logs and the
// timestamp authorities given, and nothing else: no Fulcio, no CT log. Its
// MarshalJSON method writes the trusted_root.json file a verifier loads
// (verify/trust.FromFile). A bundle logged to a local log carries no
// integrated time, so a verifier that demands a trusted time, as package
// verify does, needs an RFC 3161 timestamp from one of tsas.
func TrustedRoot(logs []*root.TransparencyLog, tsas ...root.TimestampingAuthority) (*root.TrustedRoot, error) {
	if len(logs) == 0 {
		return nil, &ConfigError{Reason: "trusted root: no log"}
	}
	m := make(map[string]*root.TransparencyLog, len(logs))
	for i, l := range logs {
		if l == nil {
			return nil, &ConfigError{Reason: fmt.Sprintf("trusted root: log %d is nil", i)}
		}
		id := hex.EncodeToString(l.ID)
		if _, dup := m[id]; dup {
			return nil, &ConfigError{Reason: "trusted root: log " + id + " given twice"}
		}
		m[id] = l
	}
	tr, err := root.NewTrustedRoot(root.TrustedRootMediaType01, nil, nil, tsas, m)
	if err != nil {
		return nil, &ConfigError{Reason: "trusted root", Err: err}
	}
	return tr, nil
}
