// Package tlog keeps a local append-only transparency log in a folder: a
// C2SP tlog-tiles log (checkpoint, hash tiles, entry bundles) written by
// tessera's POSIX driver, with checkpoints signed by an Ed25519 key the
// caller names. It is the embedded default log of selfattest: an offline
// signing flow logs a Rekor-style entry body and gets back its index,
// signed checkpoint and inclusion proof for a Sigstore bundle, and tests
// fill logs of a hundred thousand entries in seconds. It is also the
// "tlog" anchor kind: batch roots anchored to this log or to a Rekor v2
// server, verified offline from their receipts (see "Anchors" below).
//
// Nothing the log writes is taken on trust: every checkpoint, proof and
// entry this package returns was read back from the folder and checked with
// github.com/ats-run/selfattest/verify/tlog (imported as vtlog below), the
// reader verifiers use.
//
// # Example
//
//	_, key, _ := ed25519.GenerateKey(rand.Reader) // keep it: it is the log's identity
//	l, err := tlog.Open(ctx, "/var/lib/mylog", "log.example.com", key, tlog.Options{})
//	if err != nil { ... }
//	defer l.Close(ctx)
//	index, err := l.Append(ctx, canonicalizedBody)
//	inc, err := l.Prove(ctx, index) // waits for a checkpoint that commits to it
//	// inc.Checkpoint.Note, inc.Proof, inc.Index: the bundle's inclusion proof;
//	// l.LogKey(): the key a trusted root names for this log.
//
// # Opening
//
// [Open] takes the folder, the origin (the checkpoint's first line, which
// is also the signed-note name of the key, as in Rekor v2 and C2SP logs) and
// the Ed25519 private key; there is no default key or origin. A folder that
// does not exist or is empty becomes a new log; an existing log is opened
// only if its checkpoint verifies under that origin and key, so a wrong key
// is refused ([*FolderError], wrapping [ErrLogMismatch] and verify/tlog's
// rejection) before anything is written. Reopening continues the same log:
// indexes go on where they stopped, and every checkpoint must be consistent
// with the one found at opening. One [Log] at a time may hold a folder
// ([ErrLocked]). [ParseSignerKey] and [FormatSignerKey] convert the key to
// and from golang.org/x/mod/sumdb/note's signer key string.
//
// # Appending
//
// [Log.Append] and [Log.AppendBatch] take entries of 1 to [MaxEntrySize]
// bytes (an [*EntryError] otherwise, for the whole batch) and return their
// indexes once they are durably sequenced and in the tree. Entries are not
// deduplicated, and a batch's indexes need not follow its order (tessera may
// write two of its internal batches out of order): use the index returned
// for each entry. Tessera writes them in batches ([Options.BatchMaxSize],
// [Options.BatchMaxAge]); pass thousands of entries to AppendBatch, with a
// matching BatchMaxSize, to fill a log fast.
//
// # Checkpoints and proofs
//
// The log publishes a checkpoint at most every [Options.CheckpointInterval].
// [Log.Checkpoint] reads the latest, verifies its signature and its
// consistency with every checkpoint this Log verified before (a
// [*vtlog.InconsistencyError] is evidence of a fork). [Log.Await] waits for
// a checkpoint that commits to an index; [Log.Prove] then returns an
// [Inclusion]: the entry read from its bundle, the checkpoint and the
// inclusion proof, each checked by verify/tlog. Other readers use
// logfetch.NewDirFetcher on the folder with vtlog.FetchCheckpoint,
// InclusionProof, ConsistencyProof and FetchEntry, and [Log.LogKey].
//
// # The Inclusion format
//
// An [Inclusion] marshals to JSON as
//
//	{
//	  "schema": "https://github.com/ats-run/selfattest/anchor/tlog/inclusion/v1",
//	  "index": 12,                       // the entry's index, a JSON number
//	  "entry": "<base64>",               // the entry's bytes
//	  "checkpoint": {                    // a vtlog.VerifiedCheckpoint
//	    "origin": "log.example.com", "size": 13, "hash": "<base64 of 32 bytes>",
//	    "note": "<base64 of the signed checkpoint note>",
//	    "sigs": [ ... ]
//	  },
//	  "proof": ["<base64 of 32 bytes>", ...] // RFC 6962 inclusion proof, leaf end first
//	}
//
// (base64 is standard, padded, as encoding/json writes []byte). Decoded
// JSON proves nothing by itself: verify checkpoint.note with
// vtlog.VerifyCheckpoint and the log's key, then the proof with
// vtlog.VerifyInclusion.
//
// # Anchors: the "tlog" kind
//
// The package is also a target of package
// github.com/ats-run/selfattest/anchor: it anchors a batch root to a
// transparency log, and its entries (kind [Kind], "tlog") verify offline
// with the log's key alone. [NewLogAnchorer] appends to a local [Log] (the
// embedded default); [NewRekorAnchorer] writes to a Rekor v2 server. Both
// are pending until a checkpoint commits to the entry, then final: a log
// does not re-org, and one that drops or rewrites an entry it committed to
// is caught as a fork ([OnlineVerifier]).
//
// What is appended, the leaf, is one of two:
//
//   - statement (local log): the 58 bytes
//     "selfattest/anchor/tlog/v1" || 0x00 || root ([Statement]). The
//     prefix separates it from every other entry a log holds (a Rekor
//     hashedrekord body is JSON and starts with "{", a selfattest receipt
//     leaf with "selfattest/anchor/evidence/v1"), and its length is fixed,
//     so one statement cannot be read as another.
//   - hashedrekord (Rekor v2): Rekor v2 logs only signed entries, so the
//     archivist signs that same statement with its Ed25519 key, as
//     Ed25519ph (key details PKIX_ED25519_PH: the signature is over
//     SHA-512 of the statement, which is the hashedrekord's digest). The
//     log's leaf is then the entry's canonicalized body: the RFC 8785 form
//     of the protojson of the entry rekor-tiles v2.3.0's
//     hashedrekord.ToLogEntry makes from the request, which is what the
//     server appends. Ed25519ph is deterministic: anchoring one root twice
//     sends the same request, which Rekor v2 refuses as a duplicate (409)
//     naming the first entry's index, so a second Anchor, even from
//     another process, returns the first anchor.
//
// A verifier never takes the leaf from the entry: it rebuilds the
// statement from the root it checks (and, for hashedrekord, the body from
// the statement, the public key and the signature, with the same
// rekor-tiles code, which also checks the signature), hashes it, and
// recomputes the checkpoint's root from that leaf and the proof.
//
// # The entry, kind "tlog"
//
// A complete entry is
//
//	{
//	  "kind":       "tlog",
//	  "target":     "<the log's origin, e.g. log.example.com>",
//	  "index":      12,
//	  "publicKey":  "<base64 of the archivist's Ed25519 key, PKIX DER>",  // hashedrekord only
//	  "signature":  "<base64 of the Ed25519ph signature, 64 bytes>",      // hashedrekord only
//	  "proof":      ["<base64 of 32 bytes>", ...],
//	  "checkpoint": "<the signed checkpoint note, as the log served it>"
//	}
//
// and a pending one ([LogAnchorer.Anchor] and [RekorAnchorer.Anchor] return
// it) has neither "proof" nor
// "checkpoint". The members follow C2SP tlog-proof v1 (a checkpoint,
// optionally cosigned by witnesses, an index and an RFC 6962 inclusion
// proof, leaf side first), with the proof hashes in that format's
// standard, padded base64; "target" is the checkpoint's origin line, which
// is also the signed-note name of the log's key. "index" is a JSON integer
// below 2^53; "proof" holds at most 64 hashes; "checkpoint" is at most
// vtlog.MaxCheckpointSize bytes; "publicKey" and "signature" are present
// together or not at all, as are "proof" and "checkpoint". [ParseEntry]
// reads this shape strictly: a missing, unknown or duplicate member, a
// wrong type, base64 that is not canonical, a hash that is not 32 bytes
// is [anchor.ErrBadInput]. What the values say is evidence, and anything
// false in it is a rejection ([anchor.ErrAnchor]).
//
// [Verifier.VerifyOffline] checks, with the log keys and origin it was
// made with: "target" is the origin; the checkpoint is a signed note
// signed by one of the keys under that origin (verify/tlog's
// VerifyCheckpoint: a checkpoint of another log, or signed by another key,
// is rejected); if the verifier has a witness policy, k of its n witnesses
// cosigned the checkpoint (verify/tlog's VerifyWitnesses); the leaf,
// rebuilt from the root, is at "index" of the checkpoint's tree by
// "proof" (verify/tlog's VerifyInclusion). With [VerifierOptions].Signers
// only hashedrekord entries signed by one of those keys pass. A pending
// entry is [anchor.ErrPending].
//
// [OnlineVerifier.VerifyOnline] adds freshness: it reads the log's latest
// checkpoint (verified the same way) and proves from the log's tiles that
// it is consistent with the entry's (verify/tlog's ConsistencyProof). A
// log that forked after the anchor is rejected. A log that serves a
// checkpoint older than the entry's is a stale copy (a cache, a mirror)
// and could not check, unless the two trees disagree (rejected). A log
// that does not answer, or answers with something that is not a log
// object, is [anchor.ErrCouldNotCheck], never a pass. Every call is bounded by its
// context and a time limit of its own.
//
// # Key and trusted root files
//
// A program that keeps a local log keeps three files beside it:
// [LoadOrCreateKey] reads the log's signer key (or makes one, mode 0600, on
// first use; bounded by [MaxKeyFileSize], regular files only, and on unix
// refused, as ssh refuses a key, if group or others may read it),
// [ReadTimestampingAuthority] and [ParseTimestampingAuthority] turn an RFC
// 3161 authority's PEM chain into the trust anchor a trusted root names
// (the chain must verify, and the signing certificate must name the
// time-stamping usage), and [WriteTrustedRoot] writes the trusted root
// naming the log ([TrustedRootLog]) and the authorities, atomically. A local
// authority of one's own is package attest/signing/localtsa.
//
// # Errors
//
// The anchors (kind "tlog") speak package anchor's sentinels only:
// [anchor.ErrAnchor] for a rejection (wrapping verify/tlog's typed error
// as the cause when there is one), [anchor.ErrCouldNotCheck] for a log
// that did not answer in time, [anchor.ErrPending], [anchor.ErrBadInput]
// for an entry or option that is malformed.
//
// [ErrInvalidEntry] ([*EntryError]), [ErrConfig] ([*ConfigError]: bad
// origin, key, option, or an index the log has not assigned),
// [ErrLogMismatch] ([*FolderError]), [ErrLocked] and [ErrClosed] are this
// package's own. What the log's files fail to prove wraps verify/tlog's
// ErrVerification (a rejection: tampered or forked files); what cannot be
// read wraps its ErrUnavailable (could not check). A context that ends
// gives its own error. Nothing panics on input.
//
// # Time limits and background work
//
// Every call that waits is bounded by its context and by [Options.Timeout].
// An open [Log] runs tessera's background work (batching, checkpoint
// publishing, removal of obsolete partial tiles) until [Log.Close], which
// first waits for a checkpoint that commits to every entry appended. The
// background goroutines stop shortly after Close returns: tessera gives no
// way to wait for them.
//
// # What it does not do
//
// It runs no HTTP server (serve the folder read-only to publish the log),
// asks no witness to cosign (the HTTP client given to tessera refuses every
// request: cosignatures a witness network adds to a checkpoint are checked
// by [Verifier], not collected here), and writes to Rekor only the anchors
// of [RekorAnchorer] (for signing, see the Rekor v2 client in the root
// module). It does not build Sigstore bundles itself. It needs a
// system with flock(2) (Linux, macOS, the BSDs), as tessera's POSIX driver
// does. Tessera logs through k8s.io/klog/v2, whose settings are global: this
// package leaves them to the program (klog.LogToStderr(false) and
// klog.SetOutput(io.Discard) silence it).
package tlog
