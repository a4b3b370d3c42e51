// Package tlog keeps a local append-only transparency log in a folder: a
// C2SP tlog-tiles log (checkpoint, hash tiles, entry bundles) written by
// tessera's POSIX driver, with checkpoints signed by an Ed25519 key the
// caller names. It is the embedded default log of selfattest: an offline
// signing flow logs a Rekor-style entry body and gets back its index,
// signed checkpoint and inclusion proof for a Sigstore bundle, and tests
// fill logs of a hundred thousand entries in seconds.
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
// # Key and trusted root files
//
// A program that keeps a local log keeps three files beside it:
// [LoadOrCreateKey] reads the log's signer key (or makes one, mode 0600, on
// first use; bounded by [MaxKeyFileSize], regular files only),
// [ReadTimestampingAuthority] and [ParseTimestampingAuthority] turn an RFC
// 3161 authority's PEM chain into the trust anchor a trusted root names
// (the chain must verify, and the signing certificate must name the
// time-stamping usage), and [WriteTrustedRoot] writes the trusted root
// naming the log ([TrustedRootLog]) and the authorities, atomically. A local
// authority of one's own is package attest/signing/localtsa.
//
// # Errors
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
// request), and logs to Rekor not at all (see the Rekor v2 client in the
// root module). It does not build Sigstore bundles itself. It needs a
// system with flock(2) (Linux, macOS, the BSDs), as tessera's POSIX driver
// does. Tessera logs through k8s.io/klog/v2, whose settings are global: this
// package leaves them to the program (klog.LogToStderr(false) and
// klog.SetOutput(io.Discard) silence it).
package tlog
