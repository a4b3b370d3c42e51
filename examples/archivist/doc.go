// Command archivist keeps evidence: it records files in a crash-safe
// journal, seals them into batches, anchors each batch's Merkle root at one
// or more targets (a transparency log, local or Rekor v2; an Ethereum
// chain, by calldata or by a contract's event; a Kubo node; or a signed
// fake for trying things out), and writes every file a receipt that anyone
// can verify later from the receipt and the file alone. It also keeps the
// files themselves as IPFS archives, whose CIDs are evidence in turn.
//
//	archivist add [--journal F] [--max-size N] [--archive [--store DIR] [--kubo-api URL]] [--json] FILE...
//	archivist anchor --to memory|tlog|rekor|eth|eth-event|ipfs[,...] [target flags] [--no-archive] [--store DIR] [--max-size N] [--journal F] [--json]
//	archivist upgrade --to memory|tlog|rekor|eth|eth-event|ipfs[,...] [target flags] [--out DIR] [--journal F] [--json]
//	archivist bump --to eth|eth-event[,...] [eth flags] [--all] [--journal F] [--json]
//	archivist status [--journal F] [--json]
//	archivist receipts [--out DIR] [--journal F] [--json]
//	archivist verify [--memory-key PEM] [--tlog-key FILE]... [--tlog-dir DIR] [--tlog-url URL]
//	        [--chain-id N --sink 0x... --contract 0x...] [--eth-rpc URL]... [--agree K] [--min-depth N]
//	        [--ipfs] [--ipfs-gateway URL [--kubo-api URL]] [--json] RECEIPT EVIDENCE
//	archivist archive [--car OUT.car] [--store DIR] [--kubo-api URL] [--journal F] [--max-size N] [--json] PATH...
//	archivist fetch CID --gateway URL [--max-size N] [--timeout D] [--json] DIR
//	archivist deploy-contract --eth-rpc URL --chain-id N (--eth-key-file FILE | --eth-key-env NAME) [--max-fee-gwei N] [--json]
//	archivist demo [--keep DIR] [--json]
//
// # The flow
//
// add measures each file (SHA-256; regular files only, at most --max-size,
// 1 GiB by default: a FIFO, a device or a directory is refused at once,
// without waiting on it) and records its name, media type and digest in
// the journal, ./archivist.journal unless --journal names another. The
// name is the path as given, cleaned, with forward slashes; the media
// type is guessed from the extension by a fixed table (the same on every
// machine, since it is part of the leaf), application/octet-stream when
// unknown. If any file cannot be used, nothing is recorded. Adding a file
// again changes nothing.
//
// anchor seals every item not in a batch yet into one batch and anchors
// the root of every batch without a live anchor at each target --to
// names. upgrade asks the targets how each anchor stands, records it
// (confirmed at a depth with the complete entry, final, or failed: a
// failed anchor is made again by the next anchor), then writes every
// receipt into --out (receipts, beside the journal, by default). receipts
// writes them without asking anyone. A receipt file is named after its
// item number and name, NNNNNNNN-NAME.receipt.json, and holds the
// complete entry of every confirmed anchor, the pending entry of the
// others.
//
// The journal is package anchor's Journal: a bbolt file, every record
// fsync'd before the command goes on, so a command killed half way is run
// again and anchors nothing twice. One process uses it at a time.
//
// # Targets
//
// memory is anchortest.Memory: a ledger signed with an Ed25519 key, kept
// beside the journal (F.memory.json, the key F.memory.key in mode 600 and
// its public key F.memory.pub, made on first use, which anchor says on
// stderr). It proves only that whoever holds the key signed the root; it
// is there to try the archivist without a chain. Its blocks are made by
// upgrade (--memory-mine, 1 by default), and an anchor is final at depth
// 3.
//
// tlog is package anchor/tlog's embedded log: a C2SP tlog-tiles
// transparency log in the folder --tlog-dir (F.tlog beside the journal by
// default), written by the archivist itself, its checkpoints signed by an
// Ed25519 key. The log's origin (the checkpoint's first line, the name of
// its key) is --tlog-origin, archivist.local by default, and is fixed when
// the log is made. Its signer key F.tlog.key (for another --tlog-dir D:
// D.key; mode 600, a signed-note signer key line) is made on first use,
// which anchor says on stderr, with the verifier key F.tlog.pub beside it
// (one line, origin+hash+base64: the key and the origin together, what
// verify --tlog-key reads). Each anchor appends the root's statement; it
// is final once a checkpoint commits to it (anchor waits for that
// checkpoint before it exits, so the next upgrade finds it final), at a
// depth of the entries from it to the checkpoint's end. Publishing the log
// is serving the folder read-only; one process writes it at a time.
//
// rekor is a Rekor v2 log through anchor/tlog's RekorAnchorer: the root's
// statement, signed by the archivist's Ed25519 key (--rekor-key, a PKCS #8
// PEM file of mode 600; F.rekor.key, made on first use, by default),
// POSTed as a hashedrekord entry to --rekor-url, and read back from the
// log's tiles at --rekor-tiles-url (--rekor-url by default). --rekor-log-key
// is the log's verifier key file, which names its origin. https only, or
// http to 127.0.0.1. Its entries are of kind tlog too, their target the
// log's origin: verify checks them with --tlog-key as the local log's.
//
// eth is package anchor/eth: a transaction carrying the root as calldata
// to --sink on chain --chain-id, through the endpoint --eth-rpc, signed by
// the key in --eth-key-file (64 hex digits, mode 600) or in the environment
// variable --eth-key-env. upgrade needs no key: it only reads the chain.
// An anchor is confirmed at depth 1 and final at --final-depth (64).
// An --eth-rpc URL may hold an API key (in its path, its query or as
// user:password@): no message, JSON output or report names more of it
// than its scheme, host and port, with "…" for what was left out
// (--eth-rpc #2 (https://mainnet.infura.io/…) among several), and a
// redirect from the endpoint is not followed. Whatever the transport
// (http(s), ws(s), whose frames go-ethereum reads itself, so that an
// endpoint's JSON-RPC error repeating its key reaches the error as sent),
// everything the archivist writes on stdout and stderr passes through
// eth.Redact for each --eth-rpc URL, and for each --kubo-api,
// --pinning-service, --ipfs-gateway, --gateway, --rekor-url,
// --rekor-tiles-url and --tlog-url URL that holds user information, a
// query or a fragment: an endpoint's message keeps its words, its keys
// become "…". A URL of scheme, host and port alone is shown as given.
//
// eth-event is the same with a call to the Anchor contract at --contract,
// whose event (Anchored(root, sender)) the verifier finds in the proven
// receipt. deploy-contract deploys that contract once per chain, waits for
// its block, checks the code at the new address, and prints the address
// (0x and 40 hex digits) on stdout; anchor refuses a --contract whose code
// is not the contract's. Its target is eth-event:<chain id>:<contract>.
//
// ipfs is package anchor/ipfs's Anchorer: anchor publishes the root's
// anchor record (58 bytes: "selfattest/anchor/ipfs/v1", a zero byte, the
// root) to the Kubo node whose RPC API is --kubo-api and pins it there;
// the entry names the record's CID, which follows from the root. upgrade
// also needs --ipfs-gateway, a trustless gateway (the node's own): the
// anchor is final (depth 1) when the node pins the record and the gateway
// serves it, verified, and failed when the node no longer pins it (the
// next anchor publishes it again). Its target is --ipfs-target, "ipfs" by
// default. The RPC API controls the node: give one on loopback or behind
// authentication. An ipfs anchor carries no time and no signature: it
// says the root is published where the archives are; pair it with a log
// or a chain, which timestamp the root.
//
// bump re-prices stuck eth and eth-event anchors: for every batch whose
// anchor at a target --to names is pending, it takes the pending entry
// from the journal (the batch's receipt holds it), and, when the
// transaction's fee cap is below the base fee of the node's head block
// (or for every one with --all), calls eth.Anchorer.Bump: a replacement
// at the same nonce with fees raised by an eighth, within --max-fee-gwei.
// The journal keeps the old entry; the next upgrade follows the nonce to
// the replacement and records the complete entry naming it. A
// transaction no longer in the node's pool (mined, or already replaced:
// run upgrade) cannot be bumped, which is could not check. bump cannot
// select anchors by age (an --after of N blocks): the journal records no
// block or time for an anchor, and the node tells no transaction's age.
//
// # Archives
//
// archive writes files or a folder as an IPFS archive: a UnixFS DAG under
// Kubo's unixfs-v1-2025 import profile (CIDv1, raw leaves, 1 MiB chunks,
// 1,024 links per node), into a block store, the folder --store (F.ipfs
// beside the journal by default; it need not exist), and with --car also
// as a CAR version 1 file, the same bytes as Kubo's `ipfs dag export`. It
// prints the root CID as the last line of stdout: the CID `ipfs add -Q
// --cid-version=1 --raw-leaves --chunker=size-1048576` gives (with `-r
// --hidden` for a folder) on a node initialised with that profile. Several
// paths are wrapped in a folder holding each under its base name, as
// `ipfs add -w`. Symbolic links inside a folder, FIFOs, devices and
// sockets are refused (2); every file is at most --max-size. With
// --kubo-api the archive is then published to that Kubo node through its
// RPC API (/api/v0/dag/import of the CAR, which pins the root); a node
// that does not answer is could not check (3), the archive made and its
// CID printed all the same.
//
// fetch retrieves an archive from a trustless gateway (/ipfs/CID as a
// CAR), trusting it for nothing but availability: every block must hash
// to its CID, the DAG must reach the root and hold no missing or extra
// block, every size must add up. It then writes the files into DIR (made
// if missing): a folder's entries under their names, a single file under
// its CID. It never overwrites: a name already in DIR fails the command
// (2) before anything is written. The answer is bounded by --max-size
// (all files together, 1 GiB by default; above it, could not check) and
// --timeout. An answer that does not verify is rejected (1), and nothing
// is written; a gateway that does not answer, answers an HTTP error or
// breaks off is could not check (3).
//
// add --archive joins the two: the files are copied into a private folder
// under their names (as recorded: a name with a ".." element is refused)
// and measured there, so the digest recorded is that of the bytes
// archived; the folder is archived into the store, its CAR written to
// F.archives/<CID>.car, and the files and the CAR (name <CID>.car, media
// type application/vnd.ipld.car, the CAR's SHA-256) recorded together.
// The next anchor seals them into one batch, so one root, anchored at
// every target --to names (--to tlog,eth,ipfs), commits to the files and
// to their archive: the log and the chain timestamp the archive's CID,
// the ipfs anchor publishes the root on the node. The CAR is the
// canonical export of the CID (blocks depth first, each once), so anyone
// who fetches the archive can rebuild it and verify it against its
// receipt. With --kubo-api the archive is published to that node once
// recorded (a failure is could not check, 3: the items stay recorded, and
// adding the files again changes nothing); without, publishing is
// importing the CAR into a node (`ipfs dag import --pin-roots`).
//
// The archive is an item the batch holds, not the anchor of the batch:
// an anchor must follow from the root (its verifier, holding only the
// receipt, recomputes it), and an archive's CID does not; the batch
// commits to the archive, not the other way round.
//
// anchor --to ...,ipfs does the same at anchor time for files a plain add
// recorded: add notes where each file is (F.files, absolute paths, one
// JSON object a line, fsync'd), and anchor, before sealing, copies the
// files of the items not in a batch yet into a private folder under their
// names, measures them there, archives the folder, writes its CAR and
// records the CAR as one more item, then seals the files and the CAR into
// one batch and anchors its root at every target; with --kubo-api the
// archive is published to the node too. A file whose bytes are not those
// add recorded (changed, gone, no longer a regular file) stops the anchor
// before anything is recorded or sealed (2): put the file back, or anchor
// with --no-archive, which seals and anchors without archiving. A name with
// a ".." element cannot be a path in the folder: that item is anchored,
// not archived, and anchor says so. Items added with --archive are in an
// archive already. Run again after a crash, anchor makes the same archive
// and the journal gives the CAR its earlier item back.
//
// # Verifying
//
// verify reads the receipt (at most 1 MiB) and digests the evidence file
// under the name and media type the receipt states, so a renamed copy of
// the file verifies and any other content is rejected. It checks the
// inclusion proof to the root, then each anchor entry on its own with the
// trust material given: --memory-key (the memory target's public key),
// --tlog-key (a log's verifier key file, repeatable, one per log: the
// local log's F.tlog.pub, a Rekor log's key), --chain-id with --sink (the
// eth target) and with --contract (the eth-event target). Offline, a tlog
// entry is checked from the log's key alone (the checkpoint's signature
// and origin, the inclusion proof of the statement rebuilt from the root,
// and for a Rekor entry the archivist's signature); with --tlog-dir (the
// local log's folder, read only) or --tlog-url (a log's tiles) the log's
// latest checkpoint must also be consistent with the entry's: a log that
// forked since is rejected. The log is the one whose key names the origin
// its checkpoint states. An eth or eth-event entry is checked from its
// block hash alone (header, transaction and receipt proofs, and for
// eth-event the contract's log); with --eth-rpc (repeatable) k of the
// endpoints (--agree, all by default) must name that block as canonical
// at depth --min-depth (64) or more. An ipfs entry is checked offline
// with --ipfs: that it names the CID of its root's anchor record, which
// anyone can compute, so it is asked for, never implied; with
// --ipfs-gateway the record is also retrieved from that gateway and
// verified, and with --kubo-api as well the node must still pin it (not
// pinned is rejected). An entry no verifier was given for is could not
// check, never a pass.
//
// verify reports every anchor on a line of its own (with --json, an
// object each in "anchors"): its number, target and kind, and verified
// (checked offline or online, and the target's answer), rejected, bad
// input, pending or could not check, with the reason. One anchor that
// fails does not hide the others: a receipt whose log entry was altered
// says so beside its memory anchor, verified. The receipt verifies only
// if every anchor does; the exit code is the worst of theirs, in the order
// anchor.EntriesError and selfattest.ExitCode give: rejected (1), then bad
// input (2), then could not check and pending (3).
//
// # Deadlines
//
// --timeout D (default 2m) bounds what a command asks over the network:
// it is one deadline for the whole of anchor, upgrade, bump, verify and
// deploy-contract (waiting for the deployment's block included), for
// fetch's retrieval, and for publishing to --kubo-api in add --archive and
// archive. One rule holds for every command that takes it: D must be
// positive. 0 is refused, not read as "no deadline" (untrusted endpoints
// are always bounded) nor as a deadline already passed, and so is a
// negative value: bad usage (2), when the flags are parsed, before the
// command reads, writes or asks anything. status, receipts and demo ask
// no one and take no --timeout.
//
// # Output and exit codes
//
// Results go to stdout, as text or, with --json, as one JSON object;
// progress, notices and errors go to stderr. Progress is a line every
// 1,000 files measured or receipts written and every 10,000 items
// recorded, and, from anchor and upgrade, one per batch sealed, anchor
// submitted and state change. The exit codes are selfattest's:
//
//	0  done; verify: verified
//	1  rejected: the evidence is not the item, the receipt's proof or an
//	   anchor entry is false; deploy-contract: the chain failed the
//	   deployment (reverted, or other code at the new address)
//	2  bad usage or unusable input: an unknown flag, a file that is not a
//	   regular file or is over --max-size, a malformed receipt or key, a
//	   private key file group or others may read (on unix: chmod 600 it),
//	   a journal another process holds
//	3  could not check (a target or endpoint did not answer, --timeout ran
//	   out) or pending (verify: no anchor confirmed yet; upgrade: an anchor
//	   is not confirmed yet, run it again later)
//
// A tampered receipt is 1 when it still parses and only its content is
// false (another digest, name, root, proof hash, leaf index, signature): the
// check ran and said no. It is 2 when it no longer follows the receipt
// format (not JSON, a member missing or unknown, hex of the wrong length):
// nothing could be checked. A receipt stripped of its anchors is pending
// (3), and one whose entry names another kind is could not check (3): no
// verifier was given for that kind. None of these is ever 0. For a tlog
// entry: another index, proof hash, checkpoint line or signature, or a
// Rekor entry's signature, is 1; a checkpoint without its proof, an index
// that is not a number or an unknown member is 2; another origin as the
// target is 3 (no key for that log). A log folder (--tlog-dir) whose
// checkpoint is not consistent with the entry's (a fork) is 1; one that
// does not hold a log is 2. When anchoring, a --tlog-dir holding a log of
// another origin is 2, one whose checkpoint the key beside it did not sign
// (the key file was replaced) is 1, one that another process writes is 3.
//
// # The demo
//
// demo runs the flow above in a temporary folder with nothing to set up:
// go-ethereum's simulated backend (ethclient/simulated) runs in the
// process as chain 1337 with a generated, funded key, beside the memory
// target and a local transparency log (tlog) in the folder. It records
// five generated build outputs, anchors them at all three, shows a
// receipt pending before any block, makes three blocks, upgrades,
// verifies every receipt offline and one online (the chain asked, the
// log's folder read), changes one byte of a
// file and shows the rejection. It exits 0 only if every step ended as
// expected. With --keep DIR it works in DIR and keeps it: a new folder
// (made) or an empty one. A folder holding anything, a previous demo's
// journal and receipts included, is refused as bad usage (2) and left as
// it is: run again there, the demo would add its files to the earlier
// run's journal. Remove it (rm -r DIR) or name another. An empty folder
// the demo cannot write into is bad input (2) too, before the story
// starts.
//
// # Figures
//
// On a shared 2-core machine: add of 20,000 small files 0.5 s (one fsync
// per 10,000 items); upgrade at the memory target writing their 20,000
// receipts 2.7 s (about 1.6 KB each, every one written to a temporary
// file and renamed into place); verify of one receipt 0.01 s; demo 0.2 s
// with its three targets. At the local log: anchor 0.15 s (most of it
// waiting for the checkpoint, published every 100 ms), upgrade of three
// batches writing 2,003 receipts 1.4 s (1.4 KB each for a batch of 2,000:
// the tlog entry adds about 0.3 KB), verify 0.01 s offline and with
// --tlog-dir. IPFS, 256 MiB in one file, one run each: archive 2.8 s
// (chunk, hash and store every block, then walk and verify the DAG),
// with --kubo-api 4.2 s (the CAR streamed into a local Kubo); fetch from
// that Kubo's gateway 2.9 s (every block verified, then the file
// extracted); sha256sum of the same file 0.9 s. The whole
// add --archive, anchor --to tlog,eth,ipfs, upgrade and verify flow of
// the tests runs in under a second beside its Kubo.
//
// It is built only on selfattest's public API: packages anchor,
// anchor/anchortest, anchor/eth, anchor/ipfs, anchor/tlog and verify/tlog,
// through package examples/internal/evidence, which it shares with the
// verifier's verify --anchor (the same targets, flags, defaults, journal
// and receipts) and examples/demo; its demo's chain is package
// examples/internal/simchain, which only the demos link. Its ipfs tests run a real Kubo
// (package anchor/ipfs/kubotest builds it on first use into the user's
// cache and runs it offline on 127.0.0.1).
package main
