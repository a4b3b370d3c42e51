// Package examples holds complete programs built only on selfattest's
// public API. Each program lives in its own directory: verifier/ (measure,
// compare, check a live page, verify Sigstore bundles and confirm them
// online, and verify: all of it in one command, from a rebuild of the
// source), release/ (a dist folder into a signed, logged, deterministic
// release) and monitor/ (watch a transparency log for a release identity).
// archivist/ (record files in an anchor journal, anchor them at a
// transparency log, a chain and IPFS, write and verify their receipts)
// shares internal/evidence with verifier's verify --anchor. demo/ tells
// the whole story offline: it releases a web app, verifies it with the
// verifier's own code (internal/verifiercli), catches a changed byte and
// anchors the evidence, at an in-process chain (internal/simchain, a
// whole Ethereum node that only the demos link: the verifier, release
// and monitor talk to a chain over RPC, if at all; links_test.go holds
// them to it).
package examples
