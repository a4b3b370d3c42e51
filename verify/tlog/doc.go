// Package tlog checks what a transparency log says about itself: signed
// checkpoints, witness cosignatures, and Merkle inclusion and consistency
// proofs, read from a C2SP tlog-tiles log or handed over in a bundle: the
// C2SP core of this module's log reading. Its checks are pure functions
// (they read no network, no disk and no clock, so the same inputs always
// give the same verdict); its I/O goes through fetcher func types the
// caller chooses.
//
// A bundle's inclusion proof says "this entry was in the log the log showed
// me". A verifier that stops there can be shown a private fork. This package
// gives the pieces a verifier, an online confirmation or a monitor needs to
// check a log the way Certificate Transparency monitors do: a checkpoint
// signed by a log key the caller trusts, a quorum of witnesses that saw the
// same checkpoint, the entry's inclusion under that checkpoint, and the
// consistency of every checkpoint with the ones seen before.
//
// # Log keys
//
// A [LogKey] is one log's checkpoint-signing key: the name its signature
// lines carry (the host of the log's base URL), the public key, and the
// 4-byte key hash the signature lines start with. [NewLogKey] builds one
// from a name and a public key; package verify/tlog/sigstoreroot builds
// them from a Sigstore trusted root (sigstore-go's root.TransparencyLog), so
// that this package does not compile sigstore-go. Two key kinds are
// supported, computing the key hash exactly as the logs do:
//
//   - Ed25519 (Rekor v2, any C2SP log): the first 4 bytes of
//     SHA-256(name || "\n" || 0x01 || key), as in C2SP signed-note and
//     golang.org/x/mod/sumdb/note.
//   - ECDSA P-256 (Rekor v1, and Rekor v2 logs run with an ECDSA key): the
//     first 4 bytes of SHA-256(SPKI DER of the key), an ASN.1 signature over
//     SHA-256 of the note text, as in rekor's pkg/util.SignedNote,
//     rekor-tiles' pkg/note.KeyHash and transparency-dev/formats'
//     note.NewECDSAVerifier.
//
// Trust is never implied: nothing in this package has a built-in key.
//
// # Checkpoints
//
// A [Checkpoint] is the body of a C2SP tlog-checkpoint: origin line, tree
// size, root hash, optional extension lines. [ParseCheckpoint] and
// [FormatCheckpoint] are its strict parser and printer; they check syntax
// only. [VerifyCheckpoint] opens a signed note, verifies the log's signature
// with the [LogKey]s it is given, checks the origin line against the one the
// caller expects, and returns a [VerifiedCheckpoint] that keeps verified
// signatures ([VerifiedCheckpoint.Sigs]) apart from the ones it could not
// check ([VerifiedCheckpoint.UnverifiedSigs]: witness cosignatures, other
// logs' keys). Inputs are bounded ([MaxCheckpointSize], [MaxSignatures]),
// and so is the tree: a checkpoint the log signed for more than
// [MaxTreeSize] leaves is a [*TreeSizeError], checked before any proof or
// tile is computed, because the tree arithmetic of the proofs does not end
// on sizes from 2^62 on.
//
// Rekor v1 origins are "<host> - <tree id>" ([RekorV1Origin]); Rekor v2 and
// other C2SP logs use the host name itself. The origin is always named by the
// caller: a checkpoint for another shard or another log is rejected.
//
// # Witnesses
//
// A [WitnessPolicy] names Ed25519 witness keys ([WitnessKey],
// [ParseWitnessKey]) and how many of them must have cosigned.
// [VerifyWitnesses] checks C2SP tlog-cosignature v1 lines on a
// [VerifiedCheckpoint]: each distinct witness counts once, cosignatures from
// keys the policy does not name are ignored and reported, and fewer than the
// threshold is a [*WitnessError]; success is a [Witnessed] listing the
// [Cosignature]s that counted and every [IgnoredSignature] with its reason.
// [ParseCosignature] decodes a line without verifying it. The signed message is
// "cosignature/v1\ntime <unix seconds>\n" followed by the checkpoint text
// (c2sp.org/tlog-cosignature v1.0.0, section "Signed message"); the
// signature is verified by transparency-dev/formats' own cosignature
// verifier, not by a re-implementation of the format.
//
// # Proofs
//
// [VerifyInclusion] recomputes the RFC 6962 leaf hash ([LeafHash]) from the entry's
// bytes (it never accepts a leaf hash handed over) and checks the inclusion
// proof against a verified checkpoint's root. [VerifyConsistency] checks that
// a newer verified checkpoint extends an older one; a tree that shrinks is a
// [*RollbackError], and a failed proof or two different roots at one size is
// an [*InconsistencyError] carrying both checkpoints and the proof as
// evidence of a split view. Merkle arithmetic is github.com/transparency-dev/merkle.
//
// # Errors
//
// Every rejection wraps [ErrVerification]; test with errors.Is. The typed
// errors ([*MalformedError], [*OriginError], [*SignatureError],
// [*WitnessError], [*InclusionError], [*InconsistencyError],
// [*RollbackError], [*KeyValidityError], [*TreeSizeError]) carry the
// evidence. A caller error that makes a check impossible (no log keys, a
// witness policy that requires nothing, an index beyond the tree) is a
// [*PolicyError], which does not wrap [ErrVerification]: it means "could
// not check", never "verified". A log that could not be read, or answered
// something that is not the object asked for, is a [*FetchError] or an
// [*AnswerError], both wrapping [ErrUnavailable] and never
// [ErrVerification].
//
// This package does not import package verify nor verify/sigstore
// (verify/sigstore imports it). verify/sigstore reports a rejection from
// here by wrapping both sentinels, e.g.
// fmt.Errorf("%w: %w", verify.ErrVerification, err), so errors.Is matches
// verify.ErrVerification, tlog.ErrVerification and the typed error.
//
// # Example
//
//	keys, err := sigstoreroot.LogKeys(trustedRoot) // or tlog.NewLogKey(name, publicKey)
//	if err != nil { ... }
//	cp, err := tlog.VerifyCheckpoint(envelope, "log2025-1.rekor.sigstore.dev", keys...)
//	if err != nil { ... } // errors.Is(err, tlog.ErrVerification)
//	if _, err := tlog.VerifyWitnesses(cp, policy); err != nil { ... }
//	if err := tlog.VerifyInclusion(cp, logIndex, canonicalizedBody, proofHashes); err != nil { ... }
//	// later, with a newer checkpoint and a proof from the log:
//	if err := tlog.VerifyConsistency(cp, newer, consistencyProof); err != nil {
//		var split *tlog.InconsistencyError
//		if errors.As(err, &split) { ... } // keep split.Old, split.New, split.Proof
//	}
//
// # Fetching tiles
//
// C2SP tlog-tiles logs (Rekor v2, any tessera log) are read through three
// func types with a written contract — [CheckpointFetcherFunc],
// [TileFetcherFunc], [EntryBundleFetcherFunc]: honour the context, stay
// within the object's size limit, and return an error wrapping
// os.ErrNotExist for a missing object. Package
// [github.com/ats-run/selfattest/verify/tlog/logfetch] implements them
// over HTTP(S) (bounded bodies, time-outs, retries with back-off on
// transient failures only) and over a folder opened with os.Root; this
// package fetches nothing itself. [FetchCheckpoint], [InclusionProof], [VerifyInclusionFromTiles],
// [FetchEntry] and [ConsistencyProof] build proofs from tiles, checking
// every tile against the verified checkpoint's root before using a hash of
// it ([TileError], a rejection) and every entry against its leaf hash
// ([InclusionError]). A fetch that fails is [ErrUnavailable] (a
// [FetchError]): "could not check", never a rejection; so is an answer
// that logfetch's HTTPFetcher finds is not the kind of object asked for (an
// [*AnswerError]: an HTML page, a checkpoint that is not a signed note, a
// tile or bundle of the wrong shape), see "Answers that are not answers"
// below. [ParseHashTile] and [ParseEntryBundle] are strict.
//
// # Rekor v1
//
// Rekor v1 serves a JSON REST API instead of tiles: package
// verify/tlog/rekorv1 reads it, with this package's log keys, checkpoints,
// proofs and errors. Its checkpoints' origin is [RekorV1Origin].
//
// # Answers that are not answers
//
// A server's answer is judged in two steps. First, is it the object the
// protocol defines: a Rekor v1 response the API's JSON with every field
// present and of its type and form (hex, base64, decimal, sizes within
// bounds), a checkpoint a signed note, a hash tile or entry bundle of the
// length its path says? If not (an HTML page from a captive portal or a
// misconfigured mirror, a JSON error object, a truncated or empty body),
// it is an [*AnswerError]: "could not check", wrapping [ErrUnavailable].
// Nothing was shown either way, and a log that wanted to hide something
// could as well not answer at all, so calling it a rejection would accuse
// a log of what a proxy did. Second, is what it states true: signatures
// by the log's key, signed entry timestamps, inclusion and consistency
// proofs, tiles against the signed root, the entry asked for. A
// well-formed answer that fails any of these is a lie, and a rejection
// wrapping [ErrVerification]; so is anything wrong under a verified
// signature (a signed note whose body is not a checkpoint, a checkpoint
// over [MaxTreeSize]).
//
// Where the first step is taken: for Rekor v1, in package rekorv1's
// parsers, whatever the fetcher (and its HTTP fetcher refuses text/html
// too); for tlog-tiles, in logfetch's HTTPFetcher, because a tile, a
// bundle or a checkpoint handed to the verifying functions by any other
// fetcher is evidence: a DirFetcher's folder holds what was written to
// it, and a damaged object there (or a bundle's checkpoint given to
// [VerifyCheckpoint]) is a [*MalformedError], a rejection.
//
// # Scanning entries
//
// [ScanEntries] reads a range of entries from tiles an entry bundle at a
// time, handing each on only once its leaf hash is the one the verified
// tree holds at its index; an [EntryScanner] reads one bundle at a time
// ([EntryScanner.Bundle]), keeping the upper tiles it has read, for a
// caller that reads bundles in parallel. Package verify/tlog/monitor keeps
// watch over a log with them: a state of what was seen, consistency with
// it, and matches reported in index order.
//
// # What it does not do
//
// It does not enforce a log key's validity window inside
// [VerifyCheckpoint], because a checkpoint carries no signed
// time: the caller that knows the entry's verified time calls
// [LogKey.CheckValidAt]. It does not decide whether an entry's body says what
// a bundle claims; it only proves the body's bytes are in the log. It supports
// neither RSA log keys nor ML-DSA cosignatures.
package tlog
