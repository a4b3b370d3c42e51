package tlog

import (
	"bytes"
	"context"
	"fmt"

	"github.com/cyberphone/json-canonicalization/go/src/webpki.org/jsoncanonicalizer"
	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	rekortilespb "github.com/sigstore/rekor-tiles/v2/pkg/generated/protobuf"
	"github.com/sigstore/rekor-tiles/v2/pkg/types/hashedrekord"
	"github.com/sigstore/sigstore-go/pkg/sign"
	"github.com/sigstore/sigstore/pkg/signature"
	"google.golang.org/protobuf/encoding/protojson"
)

// RekorV2AlgorithmsDefault are the signing algorithms a [Transparency]
// accepts in entries: Rekor v2.3.0's default set (rekor-tiles'
// algorithmregistry.AllowedClientSigningAlgorithms), which sigstore-go's
// signer, and so attest, produce a subset of.
var rekorV2Algorithms = []protocommon.PublicKeyDetails{
	protocommon.PublicKeyDetails_PKIX_RSA_PKCS1V15_2048_SHA256,
	protocommon.PublicKeyDetails_PKIX_RSA_PKCS1V15_3072_SHA256,
	protocommon.PublicKeyDetails_PKIX_RSA_PKCS1V15_4096_SHA256,
	protocommon.PublicKeyDetails_PKIX_ECDSA_P256_SHA_256,
	protocommon.PublicKeyDetails_PKIX_ECDSA_P384_SHA_384,
	protocommon.PublicKeyDetails_PKIX_ECDSA_P521_SHA_512,
	protocommon.PublicKeyDetails_PKIX_ED25519,
	protocommon.PublicKeyDetails_PKIX_ED25519_PH,
}

// A Transparency records Sigstore signatures in a local [Log] as a Rekor v2
// server records them in its own tessera log, and so implements
// sigstore-go's sign.Transparency: pass it to
// signing.Options.TransparencyLogs (or sign.BundleOptions).
//
// Every step is the code a Rekor v2.3.0 server and its clients run, not a
// copy of it: sigstore-go's sign.Rekor (API version 2) builds the
// hashedrekord request from the bundle (for a DSSE envelope, a digest of
// its pre-authentication encoding; Ed25519 keys must be the pre-hashed
// variant) and hands it to [Transparency.Add] in place of an HTTP client;
// Add then does what the server's CreateEntry does — rekor-tiles'
// pkg/types/hashedrekord.ToLogEntry checks the request and verifies its
// signature, protojson and RFC 8785 JSON canonicalization make the entry
// body — appends the body to the log, and returns the entry as the server
// would: a TransparencyLogEntry with the log index, the log ID
// ([Log.LogKey]'s LogID, rekor-tiles' key hash), kind and version
// ("hashedrekord" "0.0.2"), no integrated time, the canonicalized body and
// the inclusion proof with its signed checkpoint, all read back and
// verified by [Log.Prove].
//
// Unlike Rekor v2 it does not refuse an entry it already holds: the same
// signature logged twice is two entries.
type Transparency struct {
	log      *Log
	registry *signature.AlgorithmRegistryConfig
	rekor    *sign.Rekor
}

// NewTransparency returns the sign.Transparency of the open log l. It
// needs l open while signing; closing l is the caller's work.
func NewTransparency(l *Log) (*Transparency, error) {
	if l == nil {
		return nil, &ConfigError{Reason: "NewTransparency: nil log"}
	}
	reg, err := signature.NewAlgorithmRegistryConfig(rekorV2Algorithms)
	if err != nil {
		panic("anchor/tlog: Rekor v2's algorithm set is refused: " + err.Error()) // broken invariant
	}
	t := &Transparency{log: l, registry: reg}
	t.rekor = sign.NewRekor(&sign.RekorOptions{BaseURL: t.URL(), Version: 2, ClientV2: t})
	return t, nil
}

// URL returns "https://" and the log's origin: the baseUrl a trusted root
// names the log by (see [TrustedRootLog]). Nothing is served there.
func (t *Transparency) URL() string { return "https://" + t.log.Origin() }

// GetTransparencyLogEntry logs the signature of b and appends the entry to
// b's verification material (sign.Transparency).
func (t *Transparency) GetTransparencyLogEntry(ctx context.Context, keyOrCertPEM []byte, b *protobundle.Bundle) error {
	return t.rekor.GetTransparencyLogEntry(ctx, keyOrCertPEM, b)
}

// Add logs a Rekor v2 hashedrekord request (a
// *github.com/sigstore/rekor-tiles/v2/pkg/generated/protobuf.HashedRekordRequestV002)
// and returns its transparency log entry, as a Rekor v2 server answers POST
// /api/v2/log/entries (sigstore-go's sign.RekorV2Client). A request of
// another type, or one rekor-tiles refuses (a bad signature, an algorithm
// not allowed, a digest of the wrong size), wraps [ErrInvalidEntry] and
// nothing is logged.
func (t *Transparency) Add(ctx context.Context, entry any) (*protorekor.TransparencyLogEntry, error) {
	hr, ok := entry.(*rekortilespb.HashedRekordRequestV002)
	if !ok {
		return nil, fmt.Errorf("%w: a Rekor v2 log takes hashedrekord v0.0.2 requests, not %T", ErrInvalidEntry, entry)
	}
	e, err := hashedrekord.ToLogEntry(hr, t.registry)
	if err != nil {
		return nil, fmt.Errorf("%w: hashedrekord request: %w", ErrInvalidEntry, err)
	}
	serialized, err := protojson.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("%w: hashedrekord entry: %w", ErrInvalidEntry, err)
	}
	body, err := jsoncanonicalizer.Transform(serialized)
	if err != nil {
		return nil, fmt.Errorf("%w: hashedrekord entry: %w", ErrInvalidEntry, err)
	}
	index, err := t.log.Append(ctx, body)
	if err != nil {
		return nil, err
	}
	inc, err := t.log.Prove(ctx, index)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(inc.Entry, body) {
		return nil, fmt.Errorf("anchor/tlog: entry %d read back differs from the one appended", index) // Prove verified it: only a concurrent writer could
	}
	return &protorekor.TransparencyLogEntry{
		LogIndex:          int64(index),
		LogId:             &protocommon.LogId{KeyId: t.log.LogKey().LogID()},
		KindVersion:       &protorekor.KindVersion{Kind: e.GetKind(), Version: e.GetApiVersion()},
		CanonicalizedBody: body,
		InclusionProof: &protorekor.InclusionProof{
			LogIndex:   int64(index),
			RootHash:   bytes.Clone(inc.Checkpoint.Hash),
			TreeSize:   int64(inc.Checkpoint.Size),
			Hashes:     inc.Proof,
			Checkpoint: &protorekor.Checkpoint{Envelope: string(inc.Checkpoint.Note)},
		},
	}, nil
}
