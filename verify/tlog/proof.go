package tlog

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// MaxProofHashes bounds a proof: a tree of 2^64 leaves needs at most 64
// hashes for inclusion and 65 for consistency.
const MaxProofHashes = 65

// LeafHash returns the RFC 6962 leaf hash of an entry: SHA-256(0x00 || entry).
// For a Rekor entry, entry is its canonicalized body.
func LeafHash(entry []byte) []byte {
	return rfc6962.DefaultHasher.HashLeaf(entry)
}

func checkProofShape(what string, p [][]byte) error {
	if len(p) > MaxProofHashes {
		return &MalformedError{What: what, Err: fmt.Errorf("%d hashes, more than %d", len(p), MaxProofHashes)}
	}
	for i, h := range p {
		if len(h) != HashSize {
			return &MalformedError{What: what, Err: fmt.Errorf("hash %d is %d bytes, want %d", i, len(h), HashSize)}
		}
	}
	return nil
}

// VerifyInclusion checks that entry (the entry's bytes, e.g. a Rekor
// canonicalized body) is leaf index of the tree cp commits to. The leaf hash
// is computed here from entry; no leaf hash is ever taken from the caller. A
// failure is an [*InclusionError]; a proof of the wrong shape a
// [*MalformedError]; both wrap [ErrVerification]. cp must come from
// [VerifyCheckpoint].
//
// A root hash carried beside the proof (a bundle's inclusionProof.rootHash)
// plays no part: compare it with cp.Hash and reject a bundle whose two roots
// differ.
func VerifyInclusion(cp *VerifiedCheckpoint, index uint64, entry []byte, hashes [][]byte) error {
	if cp == nil || !cp.verified {
		return &PolicyError{Reason: "checkpoint was not verified by VerifyCheckpoint"}
	}
	if err := checkSize(cp); err != nil {
		return err
	}
	if err := checkProofShape("inclusion proof", hashes); err != nil {
		return err
	}
	leaf := LeafHash(entry)
	if err := proof.VerifyInclusion(rfc6962.DefaultHasher, index, cp.Size, leaf, hashes, cp.Hash); err != nil {
		return &InclusionError{Index: index, Size: cp.Size, LeafHash: leaf, Root: bytes.Clone(cp.Hash), Proof: hashes, Err: err}
	}
	return nil
}

// VerifyConsistency checks that newer extends older: both checkpoints of one
// log (same origin, else [*OriginError]), newer at least as large (else
// [*RollbackError]), and hashes a valid RFC 6962 consistency proof from
// older's size to newer's (empty when the sizes are equal or older is
// empty). Two roots at one size, or a proof that does not reconcile the two
// roots, is an [*InconsistencyError] holding both checkpoints and the proof.
// Both checkpoints must come from [VerifyCheckpoint].
func VerifyConsistency(older, newer *VerifiedCheckpoint, hashes [][]byte) error {
	if older == nil || !older.verified || newer == nil || !newer.verified {
		return &PolicyError{Reason: "checkpoint was not verified by VerifyCheckpoint"}
	}
	if older.Origin != newer.Origin {
		return &OriginError{Want: older.Origin, Got: newer.Origin}
	}
	if err := checkSize(older); err != nil {
		return err
	}
	if err := checkSize(newer); err != nil {
		return err
	}
	if newer.Size < older.Size {
		return &RollbackError{Old: older, New: newer}
	}
	if err := checkProofShape("consistency proof", hashes); err != nil {
		return err
	}
	if (older.Size == newer.Size || older.Size == 0) && len(hashes) > 0 {
		return &MalformedError{What: "consistency proof", Err: fmt.Errorf("%d hashes, want none from size %d to %d", len(hashes), older.Size, newer.Size)}
	}
	fail := func(err error) error {
		return &InconsistencyError{Old: older, New: newer, Proof: hashes, Err: err}
	}
	switch {
	case older.Size == 0 && !bytes.Equal(older.Hash, rfc6962.DefaultHasher.EmptyRoot()):
		return fail(errors.New("root of the empty tree is not SHA-256 of the empty string"))
	case older.Size == newer.Size && !bytes.Equal(older.Hash, newer.Hash):
		return fail(errors.New("two different roots at one tree size"))
	}
	if err := proof.VerifyConsistency(rfc6962.DefaultHasher, older.Size, newer.Size, hashes, older.Hash, newer.Hash); err != nil {
		return fail(err)
	}
	return nil
}
