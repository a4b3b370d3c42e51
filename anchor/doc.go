// Package anchor keeps evidence: it batches evidence into an RFC 6962 Merkle
// tree, anchors the tree's root to one or more targets, and hands every item
// a [Receipt] that anyone can verify offline, years later, from the evidence
// alone.
//
// The three parts:
//
//   - Batches and receipts: [NewEvidence] and [EvidenceFromDigest] name an
//     item; [NewBatch] builds the tree; [Batch.Receipt] gives an item its
//     receipt ([Batch.AppendReceipt] writes a whole batch's fast);
//     [ParseReceipt] and [Receipt.Marshal] read and write the format
//     below; [VerifyReceipt] checks a receipt against the evidence
//     offline, [VerifyReceiptOnline] asks the targets too, and
//     [VerifyInclusion] checks the batch part alone.
//   - Anchoring: an [Anchorer] anchors a root to one target and checks the
//     anchor later ([Status]: pending, confirmed at a depth, final, failed);
//     [Run] anchors one root to several targets; [UpgradeReceipt] completes
//     a pending receipt, as OpenTimestamps does. Package
//     [github.com/ats-run/selfattest/anchor/anchortest] holds the
//     conformance suite every Anchorer passes and an in-memory fake.
//   - The journal: [OpenJournal] opens a crash-safe local store that
//     records evidence before anything is sent and drives every batch to
//     its receipts exactly once.
//
// This package imports neither verify nor attest, and no chain or IPFS
// library: those targets live in nested modules that implement [Anchorer]
// and [AnchorVerifier].
//
// # A worked example
//
//	items := []anchor.Evidence{
//		anchor.NewEvidence("build.log", "text/plain", logBytes),
//		anchor.NewEvidence("sbom.json", "application/json", sbomBytes),
//	}
//	b, err := anchor.NewBatch(items)
//	// anchor b.Root() with anchor.Run, add the entries, then for item i:
//	r, err := b.Receipt(i, entries...)
//	data, err := r.Marshal()
//	// years later, with only data and the evidence:
//	r, err = anchor.ParseReceipt(data)
//	res, err := anchor.VerifyReceipt(r, anchor.NewEvidence("build.log", "text/plain", logBytes), verifiers...)
//
// # The leaf
//
// An item of evidence is a digest (algorithm "sha256", "sha384" or
// "sha512", of 32, 48 or 64 bytes), a media type (1 to 255 bytes of
// printable ASCII without spaces, 0x21 to 0x7e: "text/plain", not
// "text/plain; charset=utf-8") and a name (0 to 1024 bytes of UTF-8).
// Its leaf is the RFC 6962 leaf hash of a canonical encoding that is
// domain separated, so a receipt for one item can never verify another
// item, nor a leaf of some other tree that hashes raw data:
//
//	leaf = SHA-256(0x00 || data)
//	data = "selfattest/anchor/evidence/v1" || 0x00
//	       || u32(len(alg)) || alg
//	       || u32(len(digest)) || digest
//	       || u32(len(mediaType)) || mediaType
//	       || u32(len(name)) || name
//
// where u32 is a 4-byte big-endian length and alg is the algorithm's name
// in ASCII. Interior nodes are RFC 6962's: SHA-256(0x01 || left || right).
// [Evidence.LeafHash] computes the leaf; the tree is the RFC 6962 tree of
// the leaves in batch order, so any RFC 6962 inclusion verifier
// (transparency-dev/merkle's proof.RootFromInclusionProof, which
// [VerifyReceipt] calls) computes the tree hash from the proof.
//
// # The root
//
// An RFC 6962 tree hash does not commit to the tree's size: the proof of
// leaf 5 in a tree of 13 leaves also verifies, to the same hash, as leaf 5
// of a tree of 12 to 16 leaves. The value a batch anchors, its root, binds
// the size:
//
//	root = SHA-256(0x02 || "selfattest/anchor/batch/v1" || 0x00 || u64(treeSize) || treeHash)
//
// where u64 is 8 bytes big-endian and treeHash is the RFC 6962 Merkle Tree
// Hash of the leaves. The first byte, 0x02, is neither RFC 6962's leaf
// (0x00) nor node (0x01) prefix, so a root is never a node of some tree.
// A verifier computes the tree hash from the leaf and the proof
// (RFC 6962 section 2.1.1), then the root from it and the stated size
// ([BatchRoot]), and compares. An altered tree size or leaf index
// therefore never verifies.
//
// # The receipt, version 1
//
// A receipt is one JSON object, UTF-8, with exactly these members and no
// other, each at most once (a duplicate key, an unknown member, a missing
// one, or a value of the wrong type or length is refused with
// [ErrBadInput]):
//
//	{
//	  "schema":    "https://github.com/ats-run/selfattest/receipt/v1",
//	  "evidence":  {
//	    "name":      "build.log",
//	    "mediaType": "text/plain",
//	    "digest":    {"alg": "sha256", "hex": "<64 lowercase hex digits>"}
//	  },
//	  "leafIndex": 5,
//	  "treeSize":  1000,
//	  "proof":     ["<64 lowercase hex digits>", ...],
//	  "root":      "<64 lowercase hex digits: the root, see The root>",
//	  "anchors":   [{"kind": "memory", "target": "fake-1", ...}, ...]
//	}
//
// Binary values are lowercase hexadecimal: it is what sha256sum prints, an
// archivist can compare it by eye and with grep, and it has one spelling
// (base64 has padding and two alphabets). Sizes are JSON integers:
// 1 <= treeSize <= 2^40 ([MaxTreeSize], far below 2^53, so every JSON
// reader keeps them exact) and 0 <= leafIndex < treeSize. The proof is the
// RFC 6962 inclusion proof of the leaf, leaf side first, at most 64 hashes
// (a batch of 2^40 items needs 40); "proof" is [] for a tree of one leaf.
// "anchors" is always present and may be [] (a receipt whose root is not
// anchored yet); it holds at most [MaxAnchors] entries. Each anchor entry
// is a JSON object with two members every kind has, "kind" (1 to 64 bytes
// of [a-z0-9.-]) and "target" (1 to 128 bytes of printable ASCII naming the
// target, e.g. a chain and contract, a log origin), and members of the
// kind's own that carry everything needed to check the anchor of "root"
// offline: a log's signed checkpoint and inclusion proof; a chain's block
// header and the Merkle-Patricia proofs of the transaction and its receipt;
// a signature by a known key (kind "memory", the fake). An entry may be
// pending (accepted by its target, no proof yet); [UpgradeReceipt] replaces
// it with the complete entry later.
// The whole receipt is at most [MaxReceiptSize] bytes.
//
// [Receipt.Marshal] writes the members in the order above, with no
// insignificant white space. Readers must not depend on that order.
//
// # Verification, and failing closed
//
// [VerifyReceipt] recomputes the leaf from the evidence the caller holds,
// checks the proof to the root, then checks every anchor entry with the
// [AnchorVerifier] the caller passes for its kind; there is no global
// registry. A verifier that is also a [TargetVerifier] takes the entries
// of its kind and one target only, so that two targets of one kind (two
// chains, two logs) each keep their own trust material; an entry goes to
// the verifier of its kind and target, else to the one of its kind for
// every target, else nowhere (could not check). It returns a [*Result]
// only when the batch part holds and every entry verified. Otherwise the
// error wraps exactly one of the sentinels, so a caller tells them apart
// with errors.Is:
//
//   - [ErrAnchor]: rejected. The evidence is not the item (another digest,
//     media type or name), the proof does not lead to the root, the leaf
//     index or tree size was altered, or an anchor entry is false (a
//     [*ProofError], or an [*EntriesError] of [*EntryError]s).
//   - [ErrCouldNotCheck]: an anchor entry could not be checked: no
//     verifier was given for its kind (and target), or (online) the target
//     did not answer. Never a pass.
//   - [ErrPending]: the batch part holds but the receipt has no anchor yet,
//     or only pending ones: not yet.
//   - [ErrBadInput]: the receipt, an entry or an argument is malformed
//     ([*FormatError]); nothing was checked.
//
// [VerifyReceiptOnline] adds freshness: an entry whose verifier is an
// [OnlineVerifier] passes only if its target, asked, reports it confirmed
// or final; one the target dropped (re-orged out after the receipt was
// written) is rejected, one it reports pending is pending, a target that
// does not answer is could not check. The [Result] says, per anchor,
// whether it was checked offline or online, and at what depth.
//
// An error from an AnchorVerifier or an Anchorer that wraps none of the
// sentinels counts as could not check. The journal has a fifth,
// [ErrJournal] (a [*JournalError]): the journal file is in use, not a
// journal, or damaged.
//
// When entries fail in different ways the error is an [*EntriesError]
// listing each; it wraps the most serious one only: rejected before could
// not check before pending.
//
// # Anchoring
//
// An [Anchorer] is one target. [Anchorer.Anchor] submits a root and
// returns its entry, possibly pending; [Anchorer.Check] reports a
// [Status] for it and, once confirmed, the complete entry that verifies
// offline. A target that can drop an anchor (a re-org, an expired
// submission) reports [StateFailed]; the root is then anchored again. The
// contract each implementation keeps is written on the interface and held
// by anchortest.Run.
//
// # The journal
//
// A [Journal] is a bbolt database (go.etcd.io/bbolt v1.4.3): a single file,
// copy-on-write B+tree pages, every update transaction fsync'd before it
// returns, so a crash leaves the last committed transaction and nothing
// half-written. It is five packages, pure Go, and widely deployed (etcd).
// An fsync'd append-only log of our own would need its own torn-record
// detection, compaction and indexes; SQLite (modernc.org/sqlite) would
// bring fourteen packages and SQL for what is a handful of key-value
// records. Records:
//
//   - evidence added: kept before [Journal.Add] returns, before anything
//     is sent anywhere;
//   - batch sealed: its first item and size (a batch is a run of items)
//     and its root ([Journal.Seal]);
//   - anchor submitted: per batch and target, each attempt's entry,
//     written after the target accepted it — or, at a [Preparer] (a
//     chain), written before it is submitted and marked sent after;
//   - anchor status: pending, confirmed at a depth, final, or failed.
//
// [Journal.Add] and [Journal.AddAll] record items (adding the same item
// again returns its [ItemID]: a caller unsure whether an Add survived a
// crash adds again);
// [Journal.Seal] makes a batch of every item not in one yet (its [BatchID]
// is its first item's ID; batches are contiguous runs of items);
// [Journal.AnchorPending] submits the root of every batch that has no
// live anchor at a target; [Journal.Upgrade] checks the live ones, records
// what it learns, and marks a dropped anchor failed so the next
// AnchorPending anchors again; [Journal.Receipts] and [Journal.Receipt]
// write receipts (each with the complete entry of every target once
// confirmed, the pending one before), checking each one's batch part;
// [Journal.Batches] reports where every batch stands. An anchor the
// target calls false (Check returns [ErrAnchor] for an entry the journal
// recorded) is reported, not anchored again: that needs a person to look.
//
// The journal relies on one rule of the [Anchorer] contract: a second
// Anchor of a root whose earlier anchor has not failed returns that
// anchor. A crash between the target accepting an anchor and the journal
// recording it is then repaired by calling Anchor again, and no batch is
// anchored twice while its first anchor is still valid. A chain cannot
// keep that rule across processes (it does not deduplicate by root, and a
// restarted process does not know what the one before sent), so a chain's
// Anchorer is a [Preparer]: the journal records its signed transaction
// before sending it, and after a crash sends that same transaction again,
// which the chain includes at most once. The crash test
// (TestJournalCrash) holds the journal to this: a child process is killed
// with SIGKILL thirty times (at random steps, right after the target
// accepted an anchor, right after a check answered, after random delays)
// with re-orgs in between; every item acknowledged before a kill is
// there after it, every item ends with a receipt that verifies, and the
// target holds exactly one anchor per batch plus one per dropped anchor.
// SIGKILL leaves the page cache intact; a power cut is covered by bbolt's
// fsync on commit, which this test does not exercise.
//
// # Figures
//
// BenchmarkReceipts builds a batch of 1,000,000 digests and writes every
// receipt (with one complete anchor entry) over the cores, reporting
// receipts/s; BenchmarkReceiptOne times one [Batch.Receipt] and
// [Receipt.Marshal] against [Batch.AppendReceipt], which hexes the tree's
// upper levels once. Run them with go test -bench; the figures depend on
// the machine and are not kept here.
//
// # What this package does not do
//
// It does not fetch or store the evidence itself (only its digest), does
// not choose when to seal a batch, and does not run in the background:
// every verb does its work and returns. Online freshness checks (a log's
// consistency with its latest checkpoint, a block's place in the canonical
// chain) belong to [Anchorer.Check].
package anchor
