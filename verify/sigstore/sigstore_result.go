package sigstore

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/tlog"
	sgverify "github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/transparency-dev/formats/log"
	merkleproof "github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// ResultSchema is the schema of [Result] in JSON.
const ResultSchema = "https://github.com/ats-run/selfattest/verify/sigstore-result/v1"

// Result holds what [Verifier.Verify] verified, and only
// that. It is returned only when verification succeeds.
type Result struct {
	// Schema is ResultSchema.
	Schema string `json:"schema"`
	// MediaType is the bundle's media type (its version).
	MediaType string `json:"media_type"`
	// Signer is who signed: a certificate's identity, or a key.
	Signer Signer `json:"signer"`
	// Timestamps are the trusted times for the signature: signed
	// integrated times of log entries ("tlog") and RFC 3161 timestamps
	// ("tsa").
	Timestamps []VerifiedTimestamp `json:"timestamps"`
	// LogEntries are the transparency-log entries that verified.
	LogEntries []LogEntry `json:"log_entries"`
	// UnverifiedLogEntries are entries the bundle carries from logs the
	// trusted root does not name: reported, never counted.
	UnverifiedLogEntries []LogEntry `json:"unverified_log_entries,omitempty"`
	// Statement is the in-toto statement a DSSE bundle signs; nil for a
	// message signature.
	Statement *Statement `json:"statement,omitempty"`
}

// Signer is the verified signer of a bundle.
type Signer struct {
	// Certificate is the Fulcio certificate's identity: issuer, subject
	// alternative name, and the extensions Fulcio copied from the OIDC
	// token (for GitHub Actions: repository, ref, commit, workflow,
	// trigger, runner environment…). nil for a key signature.
	Certificate *certificate.Summary `json:"certificate,omitempty"`
	// KeySHA256 is, for a key signature, the SHA-256 of the PKIX (DER)
	// encoding of the policy's key, the key that verified. (The bundle's
	// own key hint is not reported: nothing checks it.)
	KeySHA256 string `json:"key_sha256,omitempty"`
}

// VerifiedTimestamp is a trusted time at which the signature existed.
type VerifiedTimestamp struct {
	// Kind is "tlog" (a log's signed integrated time) or "tsa" (an RFC
	// 3161 timestamp).
	Kind string    `json:"kind"`
	URI  string    `json:"uri,omitempty"`
	Time time.Time `json:"time"`
}

// LogEntry is a transparency-log entry of a bundle.
type LogEntry struct {
	// LogID is the log's key id in hex, as the trusted root names it.
	LogID string `json:"log_id"`
	// LogURL is the log's base URL from the trusted root.
	LogURL string `json:"log_url,omitempty"`
	Index  int64  `json:"index"`
	// Kind and Version are the entry type, e.g. "hashedrekord" "0.0.2".
	Kind    string `json:"kind"`
	Version string `json:"version"`
	// IntegratedTime is the time the log says it added the entry, reported
	// only when the log signed it in an inclusion promise (a Rekor v1
	// signed entry timestamp); nil otherwise — Rekor v2 entries carry no
	// signed time, and an unsigned one proves nothing.
	IntegratedTime *time.Time `json:"integrated_time,omitempty"`
	// InclusionPromise reports a signed entry timestamp (Rekor v1).
	InclusionPromise bool `json:"inclusion_promise"`
	// Checkpoint is the signed checkpoint the inclusion proof leads to;
	// nil when the entry has only a promise.
	Checkpoint *Checkpoint `json:"checkpoint,omitempty"`
	// Reason says why an entry is unverified.
	Reason string `json:"reason,omitempty"`
}

// Checkpoint is a log's signed statement of its size and root hash.
type Checkpoint struct {
	Origin   string `json:"origin"`
	Size     uint64 `json:"size"`
	RootHash string `json:"root_hash"`
}

// Statement summarises a verified in-toto statement.
type Statement struct {
	Type          string             `json:"type"`
	PredicateType string             `json:"predicate_type"`
	Subjects      []StatementSubject `json:"subjects"`
}

// StatementSubject is one subject of a statement.
type StatementSubject struct {
	Name   string            `json:"name"`
	Digest map[string]string `json:"digest"`
}

// CheckpointMismatchError is returned when an inclusion proof's root hash
// or tree size is not what the signed checkpoint beside it states:
// sigstore-go v1.3.0 verifies the two apart, so a proof to one tree and a
// checkpoint of another would both pass. It wraps [ErrVerification].
type CheckpointMismatchError struct {
	LogID      string
	Index      int64
	Checkpoint Checkpoint
	// ProofSize and ProofRootHash are what the inclusion proof says.
	ProofSize     int64
	ProofRootHash string
}

func (e *CheckpointMismatchError) Error() string {
	return fmt.Sprintf("verify: log %s entry %d: inclusion proof is for size %d root %s, its signed checkpoint says size %d root %s",
		e.LogID, e.Index, e.ProofSize, e.ProofRootHash, e.Checkpoint.Size, e.Checkpoint.RootHash)
}

func (e *CheckpointMismatchError) Unwrap() error { return ErrVerification }

// LogKeyValidityError is returned when a log entry was made at a time its
// log's key was not valid for, by the trusted root's validFor: its signed
// integrated time is outside the window, or a trusted time of the
// signature (which precedes the entry) is already past the window's end.
// sigstore-go v1.3.0 checks the window only for entries with a signed
// entry timestamp; Rekor v2 entries have none. It wraps [ErrVerification].
type LogKeyValidityError struct {
	LogID      string
	Index      int64
	Time       time.Time
	Start, End time.Time
}

func (e *LogKeyValidityError) Error() string {
	return fmt.Sprintf("verify: log %s entry %d: time %s is outside the log key's validity [%s, %s]",
		e.LogID, e.Index, e.Time.Format(time.RFC3339), e.Start.Format(time.RFC3339), e.End.Format(time.RFC3339))
}

func (e *LogKeyValidityError) Unwrap() error { return ErrVerification }

// checkLogKeyWindow checks a verified entry against its log key's
// validity window.
func checkLogKeyWindow(le LogEntry, tl *root.TransparencyLog, signatureTimes []VerifiedTimestamp) error {
	start, end := tl.ValidityPeriodStart, tl.ValidityPeriodEnd
	bad := func(t time.Time) error {
		return &LogKeyValidityError{LogID: le.LogID, Index: le.Index, Time: t, Start: start, End: end}
	}
	if it := le.IntegratedTime; it != nil {
		if !start.IsZero() && it.Before(start) || !end.IsZero() && it.After(end) {
			return bad(*it)
		}
		return nil
	}
	if end.IsZero() {
		return nil
	}
	for _, ts := range signatureTimes {
		if ts.Time.After(end) {
			return bad(ts.Time)
		}
	}
	return nil
}

// oneEntry presents a bundle with a single one of its log entries, so
// that sigstore-go can say whether that entry verifies on its own.
type oneEntry struct {
	*memoBundle
	entry *tlog.Entry
}

func (o oneEntry) TlogEntries() ([]*tlog.Entry, error) { return []*tlog.Entry{o.entry}, nil }

func (v *Verifier) result(b *memoBundle, res *sgverify.VerificationResult, trusted root.TrustedMaterial, key crypto.PublicKey) (*Result, error) {
	r := &Result{Schema: ResultSchema, MediaType: b.GetMediaType(), Timestamps: []VerifiedTimestamp{}, LogEntries: []LogEntry{}}
	if res.Signature != nil {
		if res.Signature.Certificate != nil {
			c := *res.Signature.Certificate
			r.Signer.Certificate = &c
		} else if key != nil {
			der, err := x509.MarshalPKIXPublicKey(key)
			if err != nil {
				return nil, fmt.Errorf("%w: policy key: %w", ErrBadInput, err)
			}
			sum := sha256.Sum256(der)
			r.Signer.KeySHA256 = hex.EncodeToString(sum[:])
		}
	}
	for _, ts := range res.VerifiedTimestamps {
		kind := "tsa"
		if ts.Type == "Tlog" {
			kind = "tlog"
		}
		r.Timestamps = append(r.Timestamps, VerifiedTimestamp{Kind: kind, URI: ts.URI, Time: ts.Timestamp.UTC()})
	}
	if st := res.Statement; st != nil {
		s := &Statement{Type: st.GetType(), PredicateType: st.GetPredicateType(), Subjects: []StatementSubject{}}
		for _, sub := range st.GetSubject() {
			s.Subjects = append(s.Subjects, StatementSubject{Name: sub.GetName(), Digest: sub.GetDigest()})
		}
		r.Statement = s
	}

	entries, err := tlogEntries(b)
	if err != nil {
		return nil, err
	}
	logs := trusted.RekorLogs()
	for _, e := range entries {
		le, err := logEntry(e)
		if err != nil {
			return nil, err
		}
		tl, known := logs[le.LogID]
		if !known {
			le.Reason = "log not in the trusted root"
			r.UnverifiedLogEntries = append(r.UnverifiedLogEntries, le)
			continue
		}
		le.LogURL = tl.BaseURL
		// With one entry, sigstore-go's threshold of one verified it. With
		// several, it may have skipped some (an entry whose signed entry
		// timestamp fails is skipped, not fatal): check each alone.
		if len(entries) > 1 {
			if _, err := sgverify.VerifyTlogEntry(oneEntry{b, e}, trusted, 1, true); err != nil {
				le.Reason = err.Error()
				r.UnverifiedLogEntries = append(r.UnverifiedLogEntries, le)
				continue
			}
		}
		if err := checkLogKeyWindow(le, tl, r.Timestamps); err != nil {
			return nil, err
		}
		r.LogEntries = append(r.LogEntries, le)
	}
	return r, nil
}

// logEntry summarises a log entry, and rejects one whose inclusion proof
// and checkpoint disagree.
func logEntry(e *tlog.Entry) (LogEntry, error) {
	p := e.TransparencyLogEntry()
	le := LogEntry{
		LogID:            hex.EncodeToString(p.GetLogId().GetKeyId()),
		Index:            p.GetLogIndex(),
		Kind:             p.GetKindVersion().GetKind(),
		Version:          p.GetKindVersion().GetVersion(),
		InclusionPromise: p.GetInclusionPromise() != nil,
	}
	if t := p.GetIntegratedTime(); t > 0 && le.InclusionPromise {
		it := time.Unix(t, 0).UTC()
		le.IntegratedTime = &it
	}
	proof := p.GetInclusionProof()
	if env := proof.GetCheckpoint().GetEnvelope(); env != "" {
		cp, err := parseCheckpointBody(env)
		if err != nil {
			return le, fmt.Errorf("%w: log %s entry %d: %w", ErrVerification, le.LogID, le.Index, err)
		}
		le.Checkpoint = cp
		if cp.Size != uint64(proof.GetTreeSize()) || cp.RootHash != hex.EncodeToString(proof.GetRootHash()) || proof.GetTreeSize() < 0 {
			return le, &CheckpointMismatchError{LogID: le.LogID, Index: le.Index, Checkpoint: *cp,
				ProofSize: proof.GetTreeSize(), ProofRootHash: hex.EncodeToString(proof.GetRootHash())}
		}
	}
	if proof != nil {
		// The entry's own body must be the leaf the proof proves. For
		// Rekor v2, sigstore-go v1.3.0 proves a leaf it rebuilds from the
		// bundle's signature, key and digest and never looks at the body;
		// a bundle whose body says something else is malformed. (One
		// inclusion proof at one index under one root fixes the leaf, so
		// this also shows the body is the entry sigstore-go rebuilt.)
		leaf := rfc6962.DefaultHasher.HashLeaf(p.GetCanonicalizedBody())
		if proof.GetLogIndex() < 0 || proof.GetTreeSize() <= 0 {
			return le, fmt.Errorf("%w: log %s entry %d: inclusion proof index %d, size %d", ErrVerification, le.LogID, le.Index, proof.GetLogIndex(), proof.GetTreeSize())
		}
		if err := merkleproof.VerifyInclusion(rfc6962.DefaultHasher, uint64(proof.GetLogIndex()), uint64(proof.GetTreeSize()), leaf, proof.GetHashes(), proof.GetRootHash()); err != nil {
			return le, fmt.Errorf("%w: log %s entry %d: the entry's body is not the leaf its inclusion proof proves: %w", ErrVerification, le.LogID, le.Index, err)
		}
	}
	return le, nil
}

// parseCheckpointBody reads origin, size and root hash from a signed
// note's body (the text before the blank line that starts the
// signatures). The signature was checked by sigstore-go.
func parseCheckpointBody(envelope string) (*Checkpoint, error) {
	i := strings.Index(envelope, "\n\n")
	if i < 0 {
		return nil, fmt.Errorf("checkpoint has no signature block")
	}
	var c log.Checkpoint
	if _, err := c.Unmarshal([]byte(envelope[:i+1])); err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	if bytes.ContainsAny([]byte(c.Origin), "\x00") {
		return nil, fmt.Errorf("checkpoint origin has a NUL byte")
	}
	return &Checkpoint{Origin: c.Origin, Size: c.Size, RootHash: hex.EncodeToString(c.Hash)}, nil
}
