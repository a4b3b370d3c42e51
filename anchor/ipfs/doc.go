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
//     no mode and no modification time.
//
// The profile shards a folder into a HAMT once its block would exceed
// 256 KiB ([DirBlockLimit]; several thousand entries). This package does
// not write HAMT folders: it refuses such a folder ([ErrLimit]), and it
// does not read them ([ErrCouldNotCheck]). Below the limit the two agree,
// which the tests check against Kubo itself.
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
// a crash never leaves half a block, and checks every block against its
// CID when it is written and when it is read: a damaged disk is reported
// ([ErrBlockHash]), never served.
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
// # Errors
//
// Every error wraps exactly one of [ErrRejected] (beneath anchor.ErrAnchor),
// [ErrCouldNotCheck] (beneath anchor.ErrCouldNotCheck) and [ErrBadInput]
// (beneath anchor.ErrBadInput). A rejection says why with a finer
// sentinel: [ErrBlockHash], [ErrMissingBlock], [ErrExtraBlock],
// [ErrWrongRoot], [ErrSize], [ErrMalformed], [ErrPath].
package ipfs
