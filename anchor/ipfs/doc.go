// Package ipfs keeps evidence as IPFS archives: it writes a set of files
// or a folder as a UnixFS DAG whose root CID is the one Kubo's `ipfs add`
// gives the same bytes, exports and imports it as a CAR, verifying every
// block, and reassembles the files byte for byte.
//
// It is a nested module (github.com/ats-run/selfattest/anchor/ipfs) so
// that the root module does not carry boxo and go-car.
//
// # The profile
//
// Archives follow Kubo's unixfs-v1-2025 import profile (boxo v0.43.0, the
// version Kubo v0.43.1 uses):
//
//   - CIDv1, sha2-256, base32 ("bafy…" for nodes, "bafk…" for leaves);
//   - files cut into 1 MiB chunks ([ChunkSize]), each chunk a raw block;
//   - the balanced layout, [MaxLinks] = 1024 links per inner node (Kubo's
//     default without the profile is 174, so files above 174 MiB get
//     other CIDs there: compare with a Kubo node initialised with
//     `--profile unixfs-v1-2025`);
//   - folders as plain dag-pb UnixFS directories, entries sorted by name,
//     no mode and no modification time, while the folder's block is at
//     most 256 KiB ([DirBlockLimit], its size computed exactly: Kubo's
//     "block" size estimation);
//   - above that, folders as HAMT-sharded directories: [HAMTFanout] = 256
//     buckets a shard, each named by two upper-case hex digits, an entry
//     placed by the murmur3-x64-64 hash of its name ([HAMTHash]), 8 bits
//     a level, a shard below wherever two names share a bucket.
//
// Folders are built by boxo's own directory and HAMT code with these
// settings given per folder (boxo's process-wide defaults are not
// touched), so a sharded folder is the one Kubo writes, block for block.
// The tests check it against Kubo itself: a folder of 1,780 entries with
// 100-byte names (a block of about 258,000 bytes) is plain and has Kubo's
// CID; one of 1,830 (about 265,000), one of 5,000, and a sharded folder
// inside a plain one are HAMTs with Kubo's CIDs, and their CARs are
// Kubo's `dag export`, byte for byte.
//
// A sharded folder is read as strictly as a plain one ([ErrShard] for
// what only a false archive has): every shard must be what boxo writes
// under the profile, its UnixFS data exactly the bitfield of its buckets,
// fanout 256 and hash murmur3 (no size, mode or time), its links in
// bucket order and each named by its bucket, no shard below the root
// empty or holding a lone entry (boxo collapses those), at most 8 levels
// (64 bits of hash); every entry name is
// usable and no name appears twice across the shards; and every entry is
// found by boxo's own lookup, which hashes the name, in the bucket it is
// in, so an archive cannot move an entry. Entries of every shard count
// against Limits.MaxEntries, shards against Limits.MaxBlocks, and every
// shard link's size (Tsize) must be the bytes below it. A path through a
// sharded folder ([ImportCARPath], [Gateway.FetchPath]) is resolved by
// the same lookup, through the shards on the way, each checked.
//
// A CID computed here is the one of `ipfs add -Q --cid-version=1
// --raw-leaves --chunker=size-1048576` (with `-r --hidden` for a folder)
// under the profile. [Archiver.AddPaths] wraps several paths in a folder,
// as `-w` does.
//
// # Local files
//
// [Archiver.AddPath] opens every path with O_NONBLOCK and asks the opened
// file what it is: a FIFO, device or socket is refused, never read, so a
// FIFO planted in an evidence folder cannot hang the archiver. Symbolic
// links inside a folder are refused (O_NOFOLLOW). Sizes, entries and depth
// are bounded by [Limits].
//
// # The store
//
// A [Store] keeps one file per block under a folder, written by rename so
// a process that dies never leaves half a block (the temporary file it
// leaves is removed when the store is next opened, once an hour old: a
// live writer holds one for well under a second), and checks every block
// against its CID when it is written and when it is read: a damaged disk,
// or a block a power cut left wrong (blocks are not fsync'd), is reported
// ([ErrBlockHash]), never served, and putting the block again repairs it.
// Blocks from a CAR or a gateway are hashed on the way in; the archiver's
// own blocks are hashed once, by the importer that cuts them, and written
// from the very bytes it hashed, on two writer goroutines while the next
// chunk is read and hashed. On Linux a full 1 MiB leaf is written with
// O_DIRECT, from the buffer it was hashed in straight to the disk, past
// the page cache (an archive is written once and read rarely; copying it
// into the page cache costs the CPU about as much as hashing it); smaller
// blocks, and every block on a file system that refuses O_DIRECT, go
// through the page cache.
//
// # CAR files, and verifying
//
// [ExportCAR] writes a CAR version 1 (blocks depth first, each once, as
// Kubo's `dag export`); [ExportCARv2] the same with an index. [ImportCAR]
// reads either version and fails closed: the CAR must name exactly the
// root asked for, every block must hash to its CID, the DAG walked from
// the root must use only blocks of the CAR, the CAR must hold no block the
// DAG does not reach, and every size must add up: a file node's size is
// its data plus its children's block sizes, and every link's size (Tsize)
// is the bytes of the DAG below it. [Verify] and [Extract] walk a DAG in a
// store the same way.
//
// # Retrieval from a trustless gateway
//
// [Gateway.Fetch] asks a gateway for /ipfs/<root>?format=car (Accept:
// application/vnd.ipld.car, order=dfs, dups=n) and verifies the answer as
// [ImportCAR] verifies a file, trusting the gateway for nothing but
// availability. [Gateway.FetchPath] retrieves one file or folder by path
// and checks each folder on the way: an answer with the blocks of another
// file than the one the folder names is [ErrPath], and a folder that
// proves the name absent is [ErrNoEntry]. One deadline (Gateway.Timeout)
// bounds request and answer, and [Limits] bound the bytes and blocks read.
// A gateway that does not answer, answers an HTTP error or something other
// than a CAR, breaks off (boxo's handler, Kubo's, ends a CAR it cannot
// finish with a "[Gateway Error: …]" note, which is recognised), or runs
// past the deadline is [ErrCouldNotCheck]: never a rejection of the
// evidence, never an acceptance.
//
// # Publishing to Kubo
//
// [Kubo] speaks Kubo's RPC API: [Kubo.Publish] streams an archive's CAR
// into /api/v0/dag/import, which pins its root; [Kubo.Pinned] asks
// /api/v0/pin/ls. The RPC API controls the node: use it on loopback or
// behind authentication.
//
// # Pinning services
//
// [PinningService] speaks the IPFS Pinning Service API, the protocol of
// pinning services and of ipfs-cluster's pinsvcapi, through boxo's
// generated client for it (github.com/ipfs/boxo/pinning/remote/client/
// openapi; the wrapper beside it cannot bound an answer or refuse a
// redirect). [PinningService.Pin] asks the service to pin a CID (POST
// /pins, with a name and, as origins, the multiaddrs of a node that has
// the content) and reads the request (GET /pins/{requestid}) until the
// service says "pinned": "queued" and "pinning" are waited on until ctx
// ends ([ErrPinPending]), "failed", or a request the service dropped, is
// [ErrPinFailed]. A CID the service already pins, or is pinning, is not
// asked for twice. [PinningService.Status] lists a CID's requests (GET
// /pins?cid=…, all four statuses: the protocol lists only pinned ones
// unless asked) and reports the one furthest along; [PinningService.Remove]
// deletes them (DELETE /pins/{requestid}).
//
// The access token is the caller's; it is sent as a bearer token only to
// the endpoint given, which must be https (plain http is accepted on
// loopback only); redirects are refused, so it goes nowhere else; it is
// never logged or printed, and an error quoting the service's words has
// it removed should the service echo it. Every call has a deadline
// (PinningService.Timeout, 1 minute), every answer is read through a
// 1 MiB bound ([ErrTooLarge]), and every answer is checked against the
// question: a status of another CID than the one asked about, of another
// request, with an unknown status, no request id, a listing without its
// count, or anything that is not the API's JSON is [ErrPinningAnswer]; a
// refused token (HTTP 401, 403) is [ErrPinningAuth]; another HTTP error
// is a [PinningError]; no answer in time is [ErrCouldNotCheck]. None of
// these is a rejection of the content, and none is a pass.
//
// What a pin status proves: nothing about the content. "pinned" is the
// service's word that it holds the DAG of that CID, no more: a service
// can say it and not do it. What the content is, is proved by the CID
// alone, and that it can be had by retrieving it and verifying every
// block ([Gateway.Fetch]); the service's word adds that someone has
// undertaken to keep it.
//
// # Anchoring
//
// [Anchorer] is an anchor.Anchorer (kind "ipfs"). The anchor of a batch
// root is a 58-byte record, "selfattest/anchor/ipfs/v1", a zero byte and
// the root ([Record]), published and pinned on a Kubo node; its entry
// names the record's CID ([RecordCID]: CIDv1, raw, sha2-256; also what
// `ipfs add` of the record gives under the profile):
//
//	{"kind":"ipfs","target":"<name>","cid":"bafkrei…"}
//
// With a pinning service ([WithPinningService]), Anchor also pins the
// record there and waits until the service says pinned, and Check asks
// the service, not the node: pending while the service has the record
// queued or pinning, failed when it failed it or no longer has it (no
// error: anchor again), and final only when it says pinned and the
// gateway serves the record and it verifies; the service's word alone
// never makes an anchor final.
//
// Why a record and not the evidence archive's own CID: an anchor must
// follow from the root, so that a verifier holding only the receipt
// checks it offline ([Verifier] recomputes the CID from the root; no I/O).
// An archive's CID does not follow from the batch root: the batch commits
// to the archive (add the archive's CID to the batch as an item of
// evidence, and the batch's other anchors, a log or a chain, timestamp
// it), not the other way round. The record closes the loop on IPFS: the
// root, and through it every item and archive in the batch, is published
// where the archive is.
//
// What an ipfs anchor proves, and what not: offline, only that the entry
// is the one of this root (anyone can compute it). It carries no time and
// no signature: it is an availability anchor, not a timestamp; pair it
// with a log or a chain. Its worth is online: [Anchorer.Check] asks the
// node whether it pins the record and retrieves the record from a
// trustless gateway, verified. Pinned and served is final (depth 1);
// not pinned any more is failed, and anchoring the root again pins it
// again, with the same entry (the entry is a function of the root, so a
// dropped and re-made anchor has the same entry: the conformance suite's
// "dropped, then a new entry" case does not apply and is skipped; this
// package's own test covers unpin, failed, anchor again, final).
//
// # Tests
//
// Package [github.com/ats-run/selfattest/anchor/ipfs/kubotest] builds
// Kubo v0.43.1 on first use into the user's cache and runs it offline on
// loopback under the profiles test and unixfs-v1-2025; the tests compare
// our CIDs with `ipfs add` (0 B, 1 B, 1 MiB, 1 MiB + 1 B, 3 MiB + 5 B, a
// folder, and 201 MiB + 7 B, whose 202 chunks need the 1024-link width,
// and the sharded folders above),
// publish an archive to it, fetch it back from its own gateway, and run
// anchortest.Run against the Anchorer. Package
// [github.com/ats-run/selfattest/anchor/ipfs/pinningtest] runs an
// in-process pinning service, written from the Pinning Service API's
// specification with the OpenAPI types boxo ships (boxo's own client
// speaks to it), which pins on that Kubo node: the Anchorer with a pinning
// service passes anchortest.Run against it, and its tamper table (another
// CID, an unknown status, malformed JSON, 401, 500, a hung server, an
// oversize answer, a redirect) is refused with the sentinels above.
// The client was also checked once by hand against a real service,
// ipfs-cluster v1.1.6's pinsvcapi (one peer on loopback, over the same
// Kubo, with a JWT bearer token): it pinned an archive the node had
// unpinned, reported pinned, refused a wrong token as [ErrPinningAuth],
// removed the pin, and the Anchorer with it passed anchortest.Run. No test
// does so: the Go module proxy does not serve ipfs-cluster, so it cannot
// be built on first use as Kubo is.
// boxo's gateway handler, served on
// 127.0.0.1, is a second real gateway; an httptest server serves the
// tampered CARs of the tamper table.
//
// # Figures
//
// 256 MiB, on a shared 2-core AMD EPYC virtual machine (Firecracker; ext4
// without a journal) that other jobs kept busy (load average 4 to 9), so
// they vary from run to run. BenchmarkArchiveVsSHA256 does three jobs in
// turn in every iteration, so that they meet the same load, and gives
// their ratios (22 runs of -benchtime 3x): reading the file from the page
// cache and hashing it (SHA-256) 530 to 1,490 MB/s; writing its 256
// chunks as the store does, on one goroutine and without hashing, 190 to
// 620 MB/s, 0.28 to 0.55 times the hashing (median 0.36), what the disk
// takes; archiving it into a fresh store 160 to 750 MB/s, 0.21 to
// 0.50 times the hashing (median 0.30; before the writer goroutines and
// the chunk pool 0.14 to 0.31, median 0.20), 0.6 to 1.4 times the bare
// writes (median 0.77). What bounds it is the kernel's work per block
// (copying into new page-cache memory, creating the file), not the
// hashing: on this machine the bare writes alone stay under half the
// hashing speed in most runs. BenchmarkArchive alone 200 to 1,150 MB/s;
// BenchmarkArchiveCIDOnly ([CID]: chunk, build the DAG, hash, store
// nothing) 400 to 1,550 MB/s, the speed of the hashing in the same runs;
// BenchmarkWriteFile (a plain copy of the file, copy_file_range) 590 to
// 3,900 MB/s; BenchmarkCAR export 176 to 208 MB/s, verified import 170 to
// 230 MB/s, verified retrieval from boxo's gateway over loopback 124 to
// 320 MB/s. BenchmarkArchiveSmallFiles, a folder of 256 files of 1 MiB:
// 208 to 290 MB/s; of 8,192 files of 32 KiB (a HAMT): 79 to 112 MB/s
// (4 runs each, load average 10 to 15; 124 to 176 and 69 to 77 MB/s
// when the folder read each file's root block back from the store).
//
// # Errors
//
// Every error wraps exactly one of [ErrRejected] (beneath anchor.ErrAnchor),
// [ErrCouldNotCheck] (beneath anchor.ErrCouldNotCheck) and [ErrBadInput]
// (beneath anchor.ErrBadInput). A rejection says why with a finer
// sentinel: [ErrBlockHash], [ErrMissingBlock], [ErrExtraBlock],
// [ErrWrongRoot], [ErrSize], [ErrMalformed] ([ErrShard] beneath it),
// [ErrPath], [ErrNoEntry],
// [ErrPinFailed] (a pinning service failed or dropped the pin). A
// could-not-check may say why: [ErrTooLarge], [ErrPinPending],
// [ErrPinningAuth], [ErrPinningAnswer], [RPCError], [PinningError].
package ipfs
