package tlog

import (
	"crypto"
	"crypto/ed25519"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/cyberphone/json-canonicalization/go/src/webpki.org/jsoncanonicalizer"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	rekortilespb "github.com/sigstore/rekor-tiles/v2/pkg/generated/protobuf"
	"github.com/sigstore/rekor-tiles/v2/pkg/types/hashedrekord"
	"github.com/sigstore/sigstore/pkg/signature"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/ats-run/selfattest/anchor"
	vtlog "github.com/ats-run/selfattest/verify/tlog"
)

// Kind is the kind of the anchor entries this package makes and verifies.
const Kind = "tlog"

// StatementPrefix starts every [Statement].
const StatementPrefix = "selfattest/anchor/tlog/v1"

// Limits of the entry format, beside vtlog.MaxCheckpointSize.
const (
	// MaxIndex is the largest "index": 2^53 - 1, so that every JSON
	// reader keeps it exact.
	MaxIndex = 1<<53 - 1
	// MaxEntryProof is the most hashes in "proof": a tree of 2^64 leaves
	// needs 64.
	MaxEntryProof = 64
	// maxPublicKey bounds "publicKey" (an Ed25519 PKIX key is 44 bytes).
	maxPublicKey = 1024
)

// Statement returns the leaf a local log holds for root:
// [StatementPrefix] || 0x00 || root, 58 bytes.
func Statement(root anchor.Hash) []byte {
	b := make([]byte, 0, len(StatementPrefix)+1+len(root))
	b = append(b, StatementPrefix...)
	b = append(b, 0)
	return append(b, root[:]...)
}

// An AnchorEntry is an anchor entry of kind "tlog", read by [ParseEntry]
// and not verified; [AnchorEntry.Entry] writes it in the format.
// Pending entries have no Proof and no Checkpoint; statement leaves have
// no PublicKey and no Signature.
type AnchorEntry struct {
	Kind       string
	Target     string   // the log's origin
	Index      uint64   // the leaf's index in the log
	PublicKey  []byte   // PKIX DER of the archivist's key; nil for a statement
	Signature  []byte   // Ed25519ph over SHA-512 of the statement; nil for a statement
	Proof      [][]byte // RFC 6962 inclusion proof, leaf side first
	Checkpoint string   // the signed checkpoint note; "" while pending
}

// Complete reports whether e carries a checkpoint and a proof.
func (e *AnchorEntry) Complete() bool { return e.Checkpoint != "" }

// Signed reports whether e's leaf is a hashedrekord entry signed by the
// archivist, rather than a statement.
func (e *AnchorEntry) Signed() bool { return e.PublicKey != nil }

// entryJSON is the JSON form: binary values as base64 strings, so that
// their canonical form can be checked.
type entryJSON struct {
	Kind       string    `json:"kind"`
	Target     string    `json:"target"`
	Index      *uint64   `json:"index"`
	PublicKey  *string   `json:"publicKey"`
	Signature  *string   `json:"signature"`
	Proof      *[]string `json:"proof"`
	Checkpoint *string   `json:"checkpoint"`
}

// ParseEntry reads an anchor entry of kind "tlog", strictly (see "The
// entry, kind tlog" in the package documentation): a member missing,
// unknown, duplicated or of the wrong type, a "kind" other than "tlog", an
// index above [MaxIndex], base64 that is not standard padded canonical, a
// proof hash that is not 32 bytes or a proof of more than [MaxEntryProof]
// hashes, a checkpoint empty or larger than vtlog.MaxCheckpointSize, or
// members that must come in pairs coming alone, is an error wrapping
// [anchor.ErrBadInput]. What the values say is [Verifier]'s to check.
func ParseEntry(e anchor.Entry) (*AnchorEntry, error) {
	if e.IsZero() {
		return nil, badEntry("entry", "no entry")
	}
	var j entryJSON
	if err := e.Decode(&j); err != nil {
		return nil, err
	}
	// Decode reads null as absent; the format has no null.
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(e.JSON(), &raw); err != nil {
		return nil, &anchor.FormatError{Field: "tlog entry", Reason: "not a JSON object", Err: err}
	}
	for k, v := range raw {
		if string(v) == "null" {
			return nil, badEntry(k, "null")
		}
	}
	if j.Kind != Kind {
		return nil, badEntry("kind", "not "+strconv.Quote(Kind))
	}
	if j.Index == nil {
		return nil, badEntry("index", "missing")
	}
	if *j.Index > MaxIndex {
		return nil, badEntry("index", "above 2^53 - 1")
	}
	x := &AnchorEntry{Kind: j.Kind, Target: j.Target, Index: *j.Index}
	if (j.PublicKey == nil) != (j.Signature == nil) {
		return nil, badEntry("publicKey", `"publicKey" and "signature" come together`)
	}
	if j.PublicKey != nil {
		var err error
		if x.PublicKey, err = b64(*j.PublicKey, "publicKey", maxPublicKey); err != nil {
			return nil, err
		}
		if x.Signature, err = b64(*j.Signature, "signature", ed25519.SignatureSize); err != nil {
			return nil, err
		}
		if len(x.Signature) != ed25519.SignatureSize {
			return nil, badEntry("signature", "not 64 bytes")
		}
	}
	if (j.Proof == nil) != (j.Checkpoint == nil) {
		return nil, badEntry("proof", `"proof" and "checkpoint" come together`)
	}
	if j.Checkpoint != nil {
		if len(*j.Proof) > MaxEntryProof {
			return nil, badEntry("proof", "more than 64 hashes")
		}
		x.Proof = make([][]byte, len(*j.Proof))
		for i, s := range *j.Proof {
			h, err := b64(s, "proof["+strconv.Itoa(i)+"]", vtlog.HashSize)
			if err != nil {
				return nil, err
			}
			if len(h) != vtlog.HashSize {
				return nil, badEntry("proof["+strconv.Itoa(i)+"]", "not 32 bytes")
			}
			x.Proof[i] = h
		}
		if *j.Checkpoint == "" || len(*j.Checkpoint) > vtlog.MaxCheckpointSize {
			return nil, badEntry("checkpoint", "empty or larger than vtlog.MaxCheckpointSize")
		}
		x.Checkpoint = *j.Checkpoint
	}
	return x, nil
}

// b64 decodes standard, padded, canonical base64 of at most max bytes.
func b64(s, field string, max int) ([]byte, error) {
	if s == "" || len(s) > base64.StdEncoding.EncodedLen(max) {
		return nil, badEntry(field, "empty, or longer than "+strconv.Itoa(max)+" bytes")
	}
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, &anchor.FormatError{Field: "tlog entry." + field, Reason: "not standard padded base64", Err: err}
	}
	return b, nil
}

// Entry returns e as an [anchor.Entry], members in the documented order.
func (e *AnchorEntry) Entry() (anchor.Entry, error) {
	j := entryJSON{Kind: e.Kind, Target: e.Target, Index: &e.Index}
	if e.PublicKey != nil || e.Signature != nil {
		pk, sig := base64.StdEncoding.EncodeToString(e.PublicKey), base64.StdEncoding.EncodeToString(e.Signature)
		j.PublicKey, j.Signature = &pk, &sig
	}
	if e.Checkpoint != "" || e.Proof != nil {
		p := make([]string, len(e.Proof))
		for i, h := range e.Proof {
			p[i] = base64.StdEncoding.EncodeToString(h)
		}
		cp := e.Checkpoint
		j.Proof, j.Checkpoint = &p, &cp
	}
	data, err := marshalOmitNil(j)
	if err != nil {
		return anchor.Entry{}, err
	}
	return anchor.ParseEntry(data)
}

// marshalOmitNil writes j with its nil members left out.
func marshalOmitNil(j entryJSON) ([]byte, error) {
	type out struct {
		Kind       string    `json:"kind"`
		Target     string    `json:"target"`
		Index      *uint64   `json:"index"`
		PublicKey  *string   `json:"publicKey,omitempty"`
		Signature  *string   `json:"signature,omitempty"`
		Proof      *[]string `json:"proof,omitempty"`
		Checkpoint *string   `json:"checkpoint,omitempty"`
	}
	return json.Marshal(out(j))
}

// pending returns e without its proof and checkpoint.
func (e *AnchorEntry) pending() *AnchorEntry {
	p := *e
	p.Proof, p.Checkpoint = nil, ""
	return &p
}

// rekorRegistry is the one algorithm a hashedrekord anchor uses.
var rekorRegistry = func() *signature.AlgorithmRegistryConfig {
	r, err := signature.NewAlgorithmRegistryConfig([]protocommon.PublicKeyDetails{protocommon.PublicKeyDetails_PKIX_ED25519_PH})
	if err != nil {
		panic("anchor/tlog: Ed25519ph refused by sigstore's algorithm registry: " + err.Error()) // broken invariant
	}
	return r
}()

// hashedRekordRequest returns the Rekor v2 request that logs root signed
// by the key whose PKIX DER is pub, with signature sig.
func hashedRekordRequest(root anchor.Hash, pub, sig []byte) *rekortilespb.HashedRekordRequestV002 {
	digest := sha512.Sum512(Statement(root))
	return &rekortilespb.HashedRekordRequestV002{
		Digest: digest[:],
		Signature: &rekortilespb.Signature{
			Content: sig,
			Verifier: &rekortilespb.Verifier{
				Verifier:   &rekortilespb.Verifier_PublicKey{PublicKey: &rekortilespb.PublicKey{RawBytes: pub}},
				KeyDetails: protocommon.PublicKeyDetails_PKIX_ED25519_PH,
			},
		},
	}
}

// signRoot signs root's statement as Ed25519ph and returns the PKIX DER
// of the public key and the signature.
func signRoot(key ed25519.PrivateKey, root anchor.Hash) (pub, sig []byte, err error) {
	pub, err = x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return nil, nil, err
	}
	digest := sha512.Sum512(Statement(root))
	sig, err = key.Sign(nil, digest[:], &ed25519.Options{Hash: crypto.SHA512})
	return pub, sig, err
}

// rekorBody returns the canonicalized body a Rekor v2 log appends for a
// hashedrekord request, as the server makes it: rekor-tiles'
// hashedrekord.ToLogEntry (which checks the request and its signature),
// protojson, RFC 8785. A request it refuses is an error.
func rekorBody(hr *rekortilespb.HashedRekordRequestV002) ([]byte, error) {
	e, err := hashedrekord.ToLogEntry(hr, rekorRegistry)
	if err != nil {
		return nil, err
	}
	serialized, err := protojson.Marshal(e)
	if err != nil {
		return nil, err
	}
	return jsoncanonicalizer.Transform(serialized)
}

// leaf returns the bytes the log holds for x's anchor of root: the
// statement, or the hashedrekord body (which checks the signature). A
// signature or key that does not hold is a rejection.
func leaf(root anchor.Hash, x *AnchorEntry) ([]byte, error) {
	if !x.Signed() {
		return Statement(root), nil
	}
	pk, err := x509.ParsePKIXPublicKey(x.PublicKey)
	if err != nil {
		return nil, reject("publicKey is not a PKIX public key", err)
	}
	if _, ok := pk.(ed25519.PublicKey); !ok {
		return nil, reject(fmt.Sprintf("publicKey is a %T, not an Ed25519 key", pk), nil)
	}
	body, err := rekorBody(hashedRekordRequest(root, x.PublicKey, x.Signature))
	if err != nil {
		return nil, reject("the signature over root's statement does not verify with publicKey", err)
	}
	return body, nil
}

func badEntry(field, reason string) error {
	return &anchor.FormatError{Field: "tlog entry." + field, Reason: reason}
}

// reject returns a rejection: an error wrapping [anchor.ErrAnchor] and
// cause.
func reject(what string, cause error) error {
	if cause == nil {
		return fmt.Errorf("%w: anchor/tlog: %s", anchor.ErrAnchor, what)
	}
	return fmt.Errorf("%w: anchor/tlog: %s: %w", anchor.ErrAnchor, what, cause)
}
