// Command archivist keeps evidence: it records files in a crash-safe
// journal, seals them into batches, anchors each batch's Merkle root at one
// or more targets (an Ethereum chain, or a signed fake for trying things
// out), and writes every file a receipt that anyone can verify later from
// the receipt and the file alone.
//
//	archivist add [--journal F] [--max-size N] [--json] FILE...
//	archivist anchor --to memory|eth[,...] [target flags] [--journal F] [--json]
//	archivist upgrade --to memory|eth[,...] [target flags] [--out DIR] [--journal F] [--json]
//	archivist status [--journal F] [--json]
//	archivist receipts [--out DIR] [--journal F] [--json]
//	archivist verify [--memory-key PEM] [--chain-id N --sink 0x...] [--eth-rpc URL]... [--agree K] [--min-depth N] [--json] RECEIPT EVIDENCE
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
// eth is package anchor/eth: a transaction carrying the root as calldata
// to --sink on chain --chain-id, through the endpoint --eth-rpc, signed by
// the key in --eth-key-file (64 hex digits, mode 600) or in the environment
// variable --eth-key-env. upgrade needs no key: it only reads the chain.
// An anchor is confirmed at depth 1 and final at --final-depth (64).
//
// # Verifying
//
// verify reads the receipt (at most 1 MiB) and digests the evidence file
// under the name and media type the receipt states, so a renamed copy of
// the file verifies and any other content is rejected. It checks the
// inclusion proof to the root, then each anchor entry with the trust
// material given: --memory-key (the memory target's public key) and
// --chain-id with --sink (the eth target). Offline, an eth entry is
// checked from its block hash alone (header, transaction and receipt
// proofs); with --eth-rpc (repeatable) k of the endpoints (--agree, all
// by default) must name that block as canonical at depth --min-depth (64)
// or more. An entry no verifier was given for is could not check, never
// a pass.
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
//	   anchor entry is false
//	2  bad usage or unusable input: an unknown flag, a file that is not a
//	   regular file or is over --max-size, a malformed receipt or key, a
//	   journal another process holds
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
// verifier was given for that kind. None of these is ever 0.
//
// # The demo
//
// demo runs the flow above in a temporary folder with nothing to set up:
// go-ethereum's simulated backend (ethclient/simulated) runs in the
// process as chain 1337 with a generated, funded key, beside the memory
// target. It records five generated build outputs, anchors them at both,
// shows a receipt pending before any block, makes three blocks, upgrades,
// verifies every receipt offline and one online, changes one byte of a
// file and shows the rejection. It exits 0 only if every step ended as
// expected.
//
// # Figures
//
// On a shared 2-core machine: add of 20,000 small files 0.5 s (one fsync
// per 10,000 items); upgrade at the memory target writing their 20,000
// receipts 2.7 s (about 1.6 KB each, every one written to a temporary
// file and renamed into place); verify of one receipt 0.01 s; demo 0.4 s.
//
// It is built only on selfattest's public API: packages anchor,
// anchor/anchortest and anchor/eth. It is its own module so that the
// examples module does not link go-ethereum.
package main
